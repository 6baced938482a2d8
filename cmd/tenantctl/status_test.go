package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/status"
)

// labelledSmall is a tenant of the small template (one container, no check).
func labelledSmall(name, tier string) string {
	return `tenant "` + name + `" {
  template = "small"
  labels   = { owner = "it", tier = "` + tier + `" }
}
`
}

// statusJSON runs status --json and decodes it.
func (p *testProject) statusJSON(want int, args ...string) *status.Report {
	p.t.Helper()
	r := p.must(want, append([]string{"status", "--json"}, args...)...)
	var rep status.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		p.t.Fatalf("status --json: %v\n%s", err, r.stdout)
	}
	return &rep
}

func stateList(rep *status.Report) string {
	var out []string
	for _, t := range rep.Tenants {
		out = append(out, t.Name+"="+string(t.State))
	}
	return strings.Join(out, " ")
}

// TestIntegrationStatus checks status against what docker shows, then the
// states a support person must be able to tell apart: degraded after a
// container is stopped (and running again after apply), missing, orphaned
// and drifted.
func TestIntegrationStatus(t *testing.T) {
	t.Parallel()
	requireEngine(t, appImage, "tenantctl-example/app:1.0.0", dbImage)
	p := newProject(t, map[string]string{
		"alpha": saasTenant("alpha", "1.1.0", false),
		"beta":  labelledSmall("beta", "free"),
		"delta": labelledSmall("delta", "free"),
		"eps":   labelledSmall("eps", "gold"),
		"gamma": labelledSmall("gamma", "gold"), // never applied
	})
	p.must(0, "apply", "--auto-approve", "alpha", "beta", "delta", "eps")

	t.Run("table, JSON and CSV agree with docker", func(t *testing.T) {
		rep := p.statusJSON(0)
		if got := stateList(rep); got != "alpha=running beta=running delta=running eps=running gamma=missing" {
			t.Fatalf("states: %s", got)
		}
		for _, ts := range rep.Tenants {
			checkAgainstDocker(t, p, ts)
		}
		table := p.must(0, "status")
		rows := map[string][]string{}
		for i, line := range lines(table.stdout) {
			f := strings.Fields(line)
			if i == 0 {
				if strings.Join(f, " ") != "TENANT STATE HEALTH VERSION HOST URL AGE OWNER TIER" {
					t.Fatalf("table header: %q", line)
				}
				continue
			}
			rows[f[0]] = f
		}
		recs, err := csv.NewReader(strings.NewReader(p.must(0, "status", "--output", "csv").stdout)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		byName := map[string][]string{}
		for _, rec := range recs[1:] {
			byName[rec[0]] = rec
		}
		for _, ts := range rep.Tenants {
			dash := func(s string) string {
				if s == "" {
					return "-"
				}
				return s
			}
			// TENANT STATE HEALTH VERSION HOST URL AGE OWNER TIER, where
			// HEALTH is "healthy 2/2" (two fields) or "-".
			want := strings.Fields(strings.Join([]string{ts.Name, string(ts.State), status.HealthSummary(&ts), dash(ts.Version), ts.Host, dash(ts.URL)}, " "))
			want = append(want, status.Age(&ts), dash(ts.Labels["owner"]), dash(ts.Labels["tier"]))
			row := rows[ts.Name]
			if len(row) != len(want) || strings.Join(row[:len(want)-3], " ") != strings.Join(want[:len(want)-3], " ") || strings.Join(row[len(row)-2:], " ") != strings.Join(want[len(want)-2:], " ") {
				t.Errorf("table row %q disagrees with JSON: want %q", row, want)
			}
			rec := byName[ts.Name]
			if len(rec) != 12 || rec[1] != string(ts.State) || rec[2] != ts.Health || rec[5] != ts.Version || rec[7] != ts.URL || rec[11] != ts.Labels["tier"] {
				t.Errorf("CSV record %q disagrees with JSON %+v", rec, ts)
			}
		}
		p.must(exitUnhealthy, "status", "--fail-unhealthy") // gamma is missing
		p.must(0, "status", "--fail-unhealthy", "alpha", "beta")
		if r := p.must(1, "status", "alhpa"); !strings.Contains(r.stderr, `did you mean "alpha"`) {
			t.Errorf("unknown tenant: %s", r)
		}
	})

	t.Run("a stopped app is degraded until apply", func(t *testing.T) {
		docker(t, "stop", p.container("alpha", "app"))
		ts := p.statusJSON(0, "alpha").Tenants[0]
		if ts.State != status.Degraded && ts.State != status.Stopped {
			t.Fatalf("alpha after docker stop of its app: %s %q", ts.State, ts.Reasons)
		}
		if !strings.Contains(strings.Join(ts.Reasons, "\n"), "app: container exited") {
			t.Errorf("reasons %q", ts.Reasons)
		}
		if r := p.must(exitUnhealthy, "status", "--fail-unhealthy", "alpha"); !strings.Contains(r.stdout, "degraded") {
			t.Errorf("table:\n%s", r.stdout)
		}
		p.must(0, "status", "--fail-unhealthy", "beta")
		p.must(0, "apply", "--auto-approve", "alpha")
		if ts := p.statusJSON(0, "alpha").Tenants[0]; ts.State != status.Running {
			t.Fatalf("alpha after apply: %s %q", ts.State, ts.Reasons)
		}
		p.must(0, "status", "--fail-unhealthy", "alpha")
	})

	t.Run("orphaned, missing and drifted", func(t *testing.T) {
		if err := os.Remove(filepath.Join(p.dir, "tenants", "delta.hcl")); err != nil {
			t.Fatal(err)
		}
		changeImageByHand(t, p, "eps", "web", appImage)
		rep := p.statusJSON(0)
		if got := stateList(rep); got != "alpha=running beta=running delta=orphaned eps=drifted gamma=missing" {
			t.Fatalf("states: %s", got)
		}
		if eps := rep.Find("eps"); eps.Version != "1.1.0" || !strings.Contains(strings.Join(eps.Reasons, "\n"), "image changed on the engine: "+appImage+", want tenantctl-example/app:1.0.0") {
			t.Errorf("eps: version %s, reasons %q", eps.Version, eps.Reasons)
		}
		if delta := rep.Find("delta"); delta.Defined || delta.Labels["tier"] != "free" || delta.URL == "" {
			t.Errorf("delta: %+v", delta)
		}
		if rep.Counts[status.Running] != 2 || rep.Counts[status.Orphaned] != 1 || rep.Counts[status.Drifted] != 1 || rep.Counts[status.Missing] != 1 {
			t.Errorf("counts %v", rep.Counts)
		}
		for _, name := range []string{"delta", "eps", "gamma"} {
			p.must(exitUnhealthy, "status", "--fail-unhealthy", name)
		}
		table := p.must(0, "status").stdout
		for _, want := range []string{"orphaned", "drifted", "missing"} {
			if !strings.Contains(table, want) {
				t.Errorf("table lacks %s:\n%s", want, table)
			}
		}
	})
}

// checkAgainstDocker compares one tenant's status with docker inspect.
func checkAgainstDocker(t *testing.T, p *testProject, ts status.TenantStatus) {
	t.Helper()
	ids := lines(docker(t, "ps", "-aq", "--filter", "label=tenantctl.project="+p.name, "--filter", "label=tenantctl.tenant="+ts.Name))
	if !ts.Deployed {
		if len(ids) != 0 {
			t.Errorf("%s is %s but has containers %v", ts.Name, ts.State, ids)
		}
		return
	}
	if len(ids) != len(ts.Services) {
		t.Errorf("%s: %d containers, %d services in status", ts.Name, len(ids), len(ts.Services))
	}
	for _, s := range ts.Services {
		got := strings.Split(docker(t, "inspect", "--format", "{{.State.Status}}|{{.Config.Image}}|{{if .State.Health}}{{.State.Health.Status}}{{end}}|{{.Created}}", s.Container), "|")
		if got[0] != s.State || got[1] != s.Image {
			t.Errorf("%s/%s: docker says %s %s, status says %s %s", ts.Name, s.Name, got[0], got[1], s.State, s.Image)
		}
		if got[2] != "" && got[2] != s.Health {
			t.Errorf("%s/%s: docker health %s, status %s", ts.Name, s.Name, got[2], s.Health)
		}
		if created, err := time.Parse(time.RFC3339Nano, got[3]); err != nil || s.Created == nil || !created.Truncate(time.Second).Equal(*s.Created) {
			t.Errorf("%s/%s: created %s, status %v", ts.Name, s.Name, got[3], s.Created)
		}
		for _, port := range s.Ports {
			bound := docker(t, "port", s.Container, "8080/tcp")
			if !strings.Contains(bound, ":"+strconv.Itoa(port.Host)) || !strings.HasSuffix(port.URL, ":"+strconv.Itoa(port.Host)+"/") {
				t.Errorf("%s/%s: docker port %q, status %+v", ts.Name, s.Name, bound, port)
			}
		}
	}
}

// changeImageByHand recreates a service's container, as someone might,
// with the same name, labels, networks and port but another image.
func changeImageByHand(t *testing.T, p *testProject, tenant, service, image string) {
	t.Helper()
	name := p.container(tenant, service)
	var labels map[string]string
	if err := json.Unmarshal([]byte(docker(t, "inspect", "--format", "{{json .Config.Labels}}", name)), &labels); err != nil {
		t.Fatal(err)
	}
	port := docker(t, "inspect", "--format", `{{(index (index .HostConfig.PortBindings "8080/tcp") 0).HostPort}}`, name)
	docker(t, "rm", "-f", name)
	args := []string{"run", "-d", "--name", name, "--network", p.name + "_" + tenant + "_edge", "-p", port + ":8080",
		"-e", "TENANT_NAME=" + tenant, "-e", "DATABASE_URL=postgres://none@127.0.0.1:1/none"}
	for k, v := range labels {
		args = append(args, "--label", k+"="+v)
	}
	docker(t, append(args, image)...)
	docker(t, "network", "connect", p.name+"_"+tenant+"_internal", name)
}
