package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/config"
	"github.com/tenantctl/tenantctl/provisioner/plan"
	"github.com/tenantctl/tenantctl/provisioner/workspace"
)

// ephemeralTemplate is the small template with a volume, so gc is seen to
// remove data too.
const ephemeralTemplate = `template "eph" {
  service "web" {
    image = "tenantctl-example/app:1.0.0"
    env   = { TENANT_NAME = tenant.name, DATABASE_URL = "postgres://none@127.0.0.1:1/none" }
    port "http" { container = 8080 }
    volume "data" { target = "/data" }
    resources { memory = "32MiB" }
  }
}
`

// applyEphemeral makes an ephemeral tenant with the given expiry through
// the library, the way a smoke run whose runner then died leaves one.
func (p *testProject) applyEphemeral(name string, expires time.Time) {
	p.t.Helper()
	p.applyEphemeralOf(name, "eph", expires)
}

// applyEphemeralOf is applyEphemeral with a template of the caller's.
func (p *testProject) applyEphemeralOf(name, template string, expires time.Time) {
	p.t.Helper()
	ws, err := workspace.LoadExtra(p.dir, p.getenv, config.Extra{Name: name, Template: template, Expires: expires})
	if err != nil {
		p.t.Fatal(err)
	}
	defer ws.Close()
	_, err = ws.Run(context.Background(), workspace.Change{
		Operation: "smoke", RecordKeys: true,
		Plan: func(ctx context.Context) (*plan.Plan, error) {
			return ws.Plan(ctx, plan.Options{Tenants: []string{name}})
		},
	})
	if err != nil {
		p.t.Fatal(err)
	}
}

// tenantObjects counts the containers, networks and volumes of a tenant.
func (p *testProject) tenantObjects(tenant string) int {
	p.t.Helper()
	filter := "label=tenantctl.tenant=" + tenant
	n := len(lines(docker(p.t, "ps", "-aq", "--filter", filter, "--filter", "label=tenantctl.project="+p.name)))
	n += len(lines(docker(p.t, "network", "ls", "-q", "--filter", filter, "--filter", "label=tenantctl.project="+p.name)))
	n += len(lines(docker(p.t, "volume", "ls", "-q", "--filter", filter, "--filter", "label=tenantctl.project="+p.name)))
	return n
}

// TestIntegrationGCRemovesOnlyExpired is acceptance 6: an ephemeral tenant
// past its expiry is removed, data included; a live ephemeral one, a
// defined tenant and an orphaned (non-ephemeral) one are left alone;
// --dry-run changes nothing.
func TestIntegrationGCRemovesOnlyExpired(t *testing.T) {
	t.Parallel()
	requireEngine(t, "tenantctl-example/app:1.0.0")
	p := newProject(t, map[string]string{
		"keep":   `tenant "keep" { template = "small" }`,
		"orphan": `tenant "orphan" { template = "small" }`,
	})
	p.write("templates/eph.hcl", ephemeralTemplate)
	p.must(0, "apply", "--auto-approve")
	if err := os.Remove(p.dir + "/tenants/orphan.hcl"); err != nil {
		t.Fatal(err)
	}
	p.applyEphemeral("smoke-dead01", time.Now().Add(-time.Hour))
	p.applyEphemeral("smoke-live01", time.Now().Add(time.Hour))
	// Each with its key record.
	want := map[string]int{"keep": 4, "orphan": 4, "smoke-dead01": 5, "smoke-live01": 5}
	for tenant, n := range want {
		if got := p.tenantObjects(tenant); got != n {
			t.Fatalf("%s has %d objects before gc, want %d", tenant, got, n)
		}
	}

	r := p.must(0, "gc", "--dry-run")
	if !strings.Contains(r.stdout, "expired  smoke-dead01") || !strings.Contains(r.stdout, "live     smoke-live01") || !strings.Contains(r.stdout, "nothing was changed") {
		t.Errorf("dry run output:\n%s", r.stdout)
	}
	for _, other := range []string{"keep", "orphan"} {
		if strings.Contains(r.stdout, other) {
			t.Errorf("gc mentions non-ephemeral tenant %s:\n%s", other, r.stdout)
		}
	}
	for tenant, n := range want {
		if got := p.tenantObjects(tenant); got != n {
			t.Fatalf("dry run changed %s: %d objects, want %d", tenant, got, n)
		}
	}

	r = p.must(0, "gc")
	if !strings.Contains(r.stdout, "Removed 1 expired tenant(s)") {
		t.Errorf("gc output:\n%s", r.stdout)
	}
	want["smoke-dead01"] = 0
	for tenant, n := range want {
		if got := p.tenantObjects(tenant); got != n {
			t.Errorf("after gc %s has %d objects, want %d", tenant, got, n)
		}
	}
	r = p.must(0, "gc")
	if !strings.Contains(r.stdout, "No expired ephemeral tenants.") {
		t.Errorf("second gc:\n%s", r.stdout)
	}
}
