package smoke

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/check"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

func sampleReport() *Report {
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	return &Report{
		Project: "demo", Tenant: "smoke-abc123", Template: "saas", Host: "local",
		Started: start, Expires: start.Add(time.Hour), Duration: 12500 * time.Millisecond, Outcome: Failed,
		Provision: Step{Passed: true, Duration: 10 * time.Second, Attempts: 1},
		Checks: []CheckResult{
			{Result: check.Result{Name: "home page", Kind: "http", Passed: true, Duration: 20 * time.Millisecond, Attempts: 1}},
			{Result: check.Result{Name: "db <answers>", Kind: "exec", Probe: "exec in db: psql", Duration: time.Second, Attempts: 1, Message: `output does not contain "1"`}},
		},
		Cleanup: Cleanup{Done: true, Duration: time.Second},
	}
}

func TestWriteJUnit(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJUnit(&b, sampleReport()); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suite    struct {
			Name  string `xml:"name,attr"`
			Time  string `xml:"time,attr"`
			Cases []struct {
				Name      string `xml:"name,attr"`
				Classname string `xml:"classname,attr"`
				Failure   *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	s := doc.Suite
	if doc.Tests != 4 || doc.Failures != 1 || s.Name != "tenantctl smoke smoke-abc123" || s.Time != "12.500" || len(s.Cases) != 4 {
		t.Fatalf("%+v\n%s", doc, b.String())
	}
	c := s.Cases[2]
	if c.Name != "db <answers>" || c.Classname != "tenantctl.smoke.saas.exec" || c.Failure == nil || c.Failure.Message != `output does not contain "1"` {
		t.Errorf("failed case %+v", c)
	}
	if s.Cases[0].Name != "provision" || s.Cases[3].Name != "cleanup" || s.Cases[0].Failure != nil {
		t.Errorf("cases %+v", s.Cases)
	}
}

func TestWriteJUnitProvisionError(t *testing.T) {
	rep := sampleReport()
	rep.Outcome = ProvisionFailed
	rep.Provision = Step{Error: "wait for app healthy: not healthy\n  last log lines:\n    GET /nope 404"}
	for i := range rep.Checks {
		rep.Checks[i] = CheckResult{Result: check.Result{Name: rep.Checks[i].Name, Kind: rep.Checks[i].Kind}, Skipped: true}
	}
	var b bytes.Buffer
	WriteJUnit(&b, rep)
	out := b.String()
	for _, want := range []string{`errors="1"`, `skipped="2"`, `<error message="provisioning failed" type="provision">wait for app healthy`, "GET /nope 404", `<skipped message="not run: provisioning failed">`} {
		if !strings.Contains(out, want) {
			t.Errorf("JUnit lacks %q:\n%s", want, out)
		}
	}
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, sampleReport()); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["format_version"] != "1" || doc["outcome"] != "failed" || doc["tenant"] != "smoke-abc123" || doc["duration_ms"] != 12500.0 || doc["expires"] != "2026-12-01T11:00:00Z" {
		t.Errorf("%s", b.String())
	}
	checks := doc["checks"].([]any)
	second := checks[1].(map[string]any)
	if len(checks) != 2 || second["passed"] != false || second["skipped"] != false || second["message"] != `output does not contain "1"` {
		t.Errorf("checks %v", checks)
	}
	cleanup := doc["cleanup"].(map[string]any)
	if cleanup["done"] != true || len(cleanup["remaining"].([]any)) != 0 {
		t.Errorf("cleanup %v", cleanup)
	}
}

func TestFindEphemeral(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	eph := func(tenant string, expires time.Time) map[string]string {
		return map[string]string{resource.LabelTenant: tenant, resource.LabelEphemeral: "true", resource.LabelExpires: expires.Format(time.RFC3339)}
	}
	plain := func(tenant string) map[string]string { return map[string]string{resource.LabelTenant: tenant} }
	past, future := now.Add(-time.Minute), now.Add(time.Minute)
	obs := map[string]*resource.Observed{"local": {
		Networks: []resource.Network{{Labels: eph("dead", past)}, {Labels: eph("alive", future)}, {Labels: plain("acme")}, {Labels: eph("mixed", past)}, {Labels: eph("defined", past)}},
		Volumes:  []resource.Volume{{Labels: eph("dead", past)}, {Labels: plain("mixed")}, {Labels: map[string]string{resource.LabelTenant: "badtime", resource.LabelEphemeral: "true", resource.LabelExpires: "soon"}}},
		// One object expiring later keeps the whole tenant alive.
		Containers: []resource.Container{{Labels: eph("dead", past.Add(-time.Hour))}, {Labels: eph("late", past)}, {Labels: eph("late", future)}},
	}}
	expired, live := FindEphemeral(obs, func(n string) bool { return n == "defined" }, now)
	if len(expired) != 1 || expired[0].Tenant != "dead" || expired[0].Objects != 3 || !expired[0].Expires.Equal(past) || expired[0].Host != "local" {
		t.Errorf("expired %+v", expired)
	}
	if len(live) != 2 || live[0].Tenant != "alive" || live[1].Tenant != "late" {
		t.Errorf("live %+v", live)
	}
}
