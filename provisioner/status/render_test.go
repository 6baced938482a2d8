package status

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"sort"
	"strings"
	"testing"
)

func sampleReport(t *testing.T) *Report {
	p := project(saas("acme", "1.1.0"), small("globex"))
	obs := deploy(t, p)
	container(obs, "globex", "web").State = "exited"
	p.Tenants = append(p.Tenants, small("hooli"))
	return compute(t, p, obs, nil)
}

func TestWriteTable(t *testing.T) {
	r := sampleReport(t)
	var b bytes.Buffer
	if err := WriteTable(&b, r, false); err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	want := [][]string{
		{"TENANT", "STATE", "HEALTH", "VERSION", "HOST", "URL", "AGE", "OWNER", "TIER"},
		{"acme", "running", "healthy", "2/2", "1.1.0", "local", r.Find("acme").URL, "3d", "dana", "gold"},
		{"globex", "stopped", "down", "0/1", "1.0.0", "local", r.Find("globex").URL, "3d", "-", "-"},
		{"hooli", "missing", "-", "1.0.0", "local", "-", "-", "-", "-"},
	}
	if len(rows) != len(want) {
		t.Fatalf("table:\n%s", b.String())
	}
	for i, row := range rows {
		if got := strings.Fields(row); strings.Join(got, " ") != strings.Join(want[i], " ") {
			t.Errorf("row %d = %q, want %q", i, got, want[i])
		}
	}
	// Columns line up: STATE starts at the same offset on every row.
	at := strings.Index(rows[0], "STATE")
	for _, row := range rows[1:] {
		if row[at-2:at] != "  " || row[at] == ' ' {
			t.Errorf("STATE column misaligned in %q", row)
		}
	}
}

func TestWriteTableColor(t *testing.T) {
	var b bytes.Buffer
	if err := WriteTable(&b, sampleReport(t), true); err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(b.String(), "\n")
	if !strings.Contains(rows[1], "\x1b[32mrunning\x1b[0m") {
		t.Fatalf("no color on running: %q", rows[1])
	}
	// Escape bytes are the same in every STATE cell, so HEALTH lines up.
	at := strings.Index(rows[0], "HEALTH")
	for _, row := range rows[1:4] {
		if row[at-1] != ' ' || row[at] == ' ' {
			t.Errorf("HEALTH column misaligned in %q", row)
		}
	}
}

func TestWriteCSV(t *testing.T) {
	r := sampleReport(t)
	var b bytes.Buffer
	if err := WriteCSV(&b, r); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0], ","); got != "tenant,state,health,services_healthy,services_total,version,host,url,created,age_seconds,label.owner,label.tier" {
		t.Fatalf("header %s", got)
	}
	if got := strings.Join(recs[1], ","); got != "acme,running,healthy,2,2,1.1.0,local,"+r.Find("acme").URL+",2026-11-28T12:00:00Z,259200,dana,gold" {
		t.Errorf("acme record %s", got)
	}
	if got := strings.Join(recs[3], ","); got != "hooli,missing,unknown,0,1,1.0.0,local,,,0,," {
		t.Errorf("hooli record %s", got)
	}
}

// TestJSONSchema pins the field names of the documented schema.
func TestJSONSchema(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, sampleReport(t)); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	keys := func(m map[string]any) string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		return strings.Join(ks, " ")
	}
	if got := keys(doc); got != "counts format_version project tenants time" {
		t.Errorf("report keys: %s", got)
	}
	tenant := doc["tenants"].([]any)[0].(map[string]any)
	if got := keys(tenant); got != "age_seconds created defined deployed health host labels name protected reasons services state updated url version" {
		t.Errorf("tenant keys: %s", got)
	}
	svc := tenant["services"].([]any)[1].(map[string]any)
	if got := keys(svc); got != "check container created health health_output image name ports state" {
		t.Errorf("service keys: %s", got)
	}
	port := svc["ports"].([]any)[0].(map[string]any)
	if got := keys(port); got != "container host name protocol url" {
		t.Errorf("port keys: %s", got)
	}
	counts := doc["counts"].(map[string]any)
	if len(counts) != len(States) {
		t.Errorf("counts %v", counts)
	}
}

func TestAddUnobservedCountsAndSorts(t *testing.T) {
	r := &Report{Tenants: []TenantStatus{{Name: "b", State: Running}}}
	r.AddUnobserved([]UnobservedTenant{{Name: "a", Host: "eu-1", Reason: "host unreachable: timeout"}})
	if len(r.Tenants) != 2 || r.Tenants[0].Name != "a" || r.Tenants[0].State != Unreachable || r.Tenants[0].OK() {
		t.Fatalf("tenants = %+v", r.Tenants)
	}
	if r.Counts[Unreachable] != 1 || r.Counts[Running] != 1 || len(r.Counts) != len(States) {
		t.Fatalf("counts = %v", r.Counts)
	}
}
