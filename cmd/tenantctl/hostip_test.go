package main

import (
	"net"
	"os"
	"strings"
	"testing"
)

// TestIntegrationApplyProbesHostIP: a service published on one specific
// loopback address (host_ip = "127.0.0.2", which nothing listens on at
// 127.0.0.1) is probed, checked and shown at that address: apply's HTTP
// health probe reaches it (it once dialled 127.0.0.1 and timed out), the
// URL apply prints answers, and status says healthy.
func TestIntegrationApplyProbesHostIP(t *testing.T) {
	requireEngine(t, appImage, dbImage)
	t.Parallel()
	p := newProject(t, map[string]string{"bound": saasTenant("bound", "1.1.0", false)})
	tmpl, err := os.ReadFile("../../templates/saas.hcl")
	if err != nil {
		t.Fatal(err)
	}
	const port = "container = 8080"
	if !strings.Contains(string(tmpl), port) {
		t.Fatalf("templates/saas.hcl has no %q to bind", port)
	}
	p.write("templates/saas.hcl", strings.Replace(string(tmpl), port, port+"\n      host_ip = \"127.0.0.2\"", 1))

	r := p.must(0, "apply", "--auto-approve", "--health-timeout", "40s")
	bound := docker(t, "port", p.container("bound", "app"), "8080/tcp")
	host, _, err := net.SplitHostPort(bound)
	if err != nil || host != "127.0.0.2" {
		t.Fatalf("the app is published on %q, want 127.0.0.2", bound)
	}
	url := urls(t, r.stdout)["bound"]
	if !strings.HasPrefix(url, "http://127.0.0.2:") {
		t.Fatalf("apply shows %q for the tenant, want an address on 127.0.0.2:\n%s", url, r)
	}
	if code, body := get(t, url); code != 200 || !strings.Contains(body, "tenant: bound") {
		t.Errorf("GET %s: %d\n%s", url, code, body)
	}
	rep := p.statusJSON(0)
	if len(rep.Tenants) != 1 || rep.Tenants[0].Health != "healthy" {
		t.Errorf("status after apply: %s, health %+v", stateList(rep), rep.Tenants)
	}
}
