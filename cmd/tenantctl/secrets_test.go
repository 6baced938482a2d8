package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tenantctl/tenantctl/provisioner/secret"
)

// leakyTemplate is a service that prints its derived secret in its logs
// and in its health check's output, and never becomes healthy.
const leakyTemplate = `template "leaky" {
  service "svc" {
    image   = "tenantctl-example/postgres:15"
    command = ["sh", "-c", "echo connecting with password=$PW; sleep 3600"]
    env     = { PW = secret("pw") }
    health {
      command  = ["sh", "-c", "echo auth failed for $PW; exit 1"]
      interval = "1s"
      retries  = 1
    }
  }
}
`

// TestIntegrationSecretsNeverPrinted is issue 10's acceptance 3: a
// service prints its secret in its logs and health-check output and fails
// its health check; no output of apply (text and JSON), status (table,
// JSON, detail), serve, smoke (text, JSON, JUnit) or destroy contains it.
func TestIntegrationSecretsNeverPrinted(t *testing.T) {
	requireEngine(t, dbImage)
	t.Parallel()
	p := newProject(t, map[string]string{"leak": `tenant "leak" { template = "leaky" }`})
	p.write("templates/leaky.hcl", leakyTemplate)
	var key string
	for _, kv := range p.env {
		if v, ok := strings.CutPrefix(kv, secret.EnvVar+"="); ok {
			key = v
		}
	}
	k, err := secret.Load(p.dir, func(string) string { return key })
	if err != nil {
		t.Fatal(err)
	}
	pw := k.Derive("leak", "pw")

	var outputs []string
	record := func(what string, r result) {
		outputs = append(outputs, what+"\n"+r.stdout+r.stderr)
	}
	r := p.must(1, "apply", "--auto-approve", "--health-timeout", "20s")
	record("apply", r)
	if !strings.Contains(r.stdout+r.stderr, "auth failed for (sensitive)") || !strings.Contains(r.stdout+r.stderr, "password=(sensitive)") {
		t.Errorf("apply does not show the masked health output and log lines:\n%s", r)
	}
	// The container really printed it: the test would see a leak.
	if logs := docker(t, "logs", p.container("leak", "svc")); !strings.Contains(logs, pw) {
		t.Fatalf("the container did not print its secret; the test proves nothing:\n%s", logs)
	}
	// A second apply finds the (unhealthy) container as defined: start again.
	record("destroy", p.must(0, "destroy", "leak", "--auto-approve", "--delete-data"))
	r = p.must(1, "apply", "--auto-approve", "--json", "--health-timeout", "20s")
	record("apply --json", r)
	if !strings.Contains(r.stdout, `auth failed for (sensitive)`) {
		t.Errorf("apply --json does not show the masked health output:\n%s", r)
	}
	record("status", p.tenantctl("status"))
	record("status --json", p.tenantctl("status", "--json"))
	record("status leak", p.tenantctl("status", "leak", "--json"))
	base := startServe(t, p)
	for _, path := range []string{"/", "/tenants/leak", "/api/tenants", "/api/tenants/leak", "/metrics"} {
		code, body := fetch(t, "GET", base+path, "")
		outputs = append(outputs, "serve "+path+"\n"+body)
		if code != 200 {
			t.Errorf("GET %s: %d", path, code)
		}
		if path == "/api/tenants/leak" && !strings.Contains(body, "auth failed for (sensitive)") {
			t.Errorf("the tenant's health output is not shown masked:\n%s", body)
		}
	}

	junit := filepath.Join(t.TempDir(), "smoke.xml")
	r = p.must(4, "smoke", "--template", "leaky", "--json", "--junit", junit, "--timeout", "20s")
	record("smoke --json", r)
	b, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, "smoke JUnit\n"+string(b))
	record("smoke", p.must(4, "smoke", "--template", "leaky", "--timeout", "20s"))
	record("destroy", p.must(0, "destroy", "leak", "--auto-approve", "--delete-data"))

	for _, out := range outputs {
		if strings.Contains(out, pw) {
			t.Errorf("the secret is printed by %s", out)
		}
	}
}
