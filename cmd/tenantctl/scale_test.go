package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestIntegrationFortyTenantsOneHost: 40 tenants of the small template fit
// on one host: every tenant network gets its own small subnet from the
// project pool, so Docker's default address pools never run out.
func TestIntegrationFortyTenantsOneHost(t *testing.T) {
	t.Parallel()
	requireEngine(t, "tenantctl-example/app:1.0.0")
	tenants := map[string]string{}
	for i := 0; i < 40; i++ {
		name := fmt.Sprintf("t%02d", i)
		tenants[name] = fmt.Sprintf("tenant %q { template = \"small\" }\n", name)
	}
	p := newProject(t, tenants)
	r := p.must(0, "apply", "--auto-approve", "--parallelism", "8")
	if !strings.Contains(r.stdout, "120 created") {
		t.Fatalf("apply:\n%s", r.stdout)
	}
	containers, networks, _ := p.objects()
	if len(containers) != 40 || len(networks) != 80 {
		t.Fatalf("%d containers and %d networks, want 40 and 80", len(containers), len(networks))
	}
	running := lines(docker(t, "ps", "-q", "--filter", "label=tenantctl.project="+p.name, "--filter", "status=running"))
	if len(running) != 40 {
		t.Fatalf("%d of 40 containers running", len(running))
	}
	p.must(0, "plan", "--detailed-exitcode")
}
