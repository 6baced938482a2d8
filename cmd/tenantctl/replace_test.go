package main

import (
	"fmt"
	"strings"
	"testing"
)

// cpuTemplate is the small template (no database, no health check) with
// a CPU limit to change.
func cpuTemplate(cpus string) string {
	return fmt.Sprintf(`template "cpu" {
  service "web" {
    image = "tenantctl-example/app:1.0.0"
    env   = { TENANT_NAME = tenant.name, DATABASE_URL = "postgres://none@127.0.0.1:1/none" }
    port "http" { container = 8080 }
    resources {
      memory = "32MiB"
      cpus   = %s
    }
  }
}
`, cpus)
}

// TestIntegrationReplaceRefusedKeepsTheOldContainer: a changed spec that
// the engine refuses at create time (more CPUs than the host has) fails
// the apply, and the old container is untouched: same ID, still running
// since the same moment, still answering, and nothing left beside it. Once
// the definition is fixed, apply converges.
func TestIntegrationReplaceRefusedKeepsTheOldContainer(t *testing.T) {
	requireEngine(t, "tenantctl-example/app:1.0.0")
	t.Parallel()
	p := newProject(t, map[string]string{"rr": `tenant "rr" { template = "cpu" }`})
	p.write("templates/cpu.hcl", cpuTemplate("0.5"))
	url := urls(t, p.must(0, "apply", "--auto-approve").stdout)["rr"]
	name := p.container("rr", "web")
	state := func() string {
		return docker(t, "inspect", "-f", "{{.Id}} {{.State.Status}} {{.State.StartedAt}}", name)
	}
	before := state()

	p.write("templates/cpu.hcl", cpuTemplate("1024"))
	r := p.must(1, "apply", "--auto-approve")
	if !strings.Contains(r.stderr, "the old container is untouched and keeps running") || !strings.Contains(r.stderr, "CPUs") {
		t.Fatalf("the error does not say the old container is kept, or why the create failed:\n%s", r)
	}
	if after := state(); after != before || !strings.Contains(after, " running ") {
		t.Fatalf("old container %q, now %q: it was touched", before, after)
	}
	// The app answers (503 without its database): it is still serving.
	if code, _ := get(t, strings.TrimSuffix(url, "/")+"/healthz"); code == 0 {
		t.Fatal("the service stopped answering")
	}
	if c, _, _ := p.objects(); len(c) != 1 {
		t.Fatalf("%d containers after the refused replace, want the old one only", len(c))
	}

	p.write("templates/cpu.hcl", cpuTemplate("0.25"))
	p.must(0, "apply", "--auto-approve")
	p.must(0, "plan", "--detailed-exitcode")
	if c, _, _ := p.objects(); len(c) != 1 || state() == before {
		t.Fatalf("after the fixed apply: %d containers, state %s", len(c), state())
	}
}
