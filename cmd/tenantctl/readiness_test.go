package main

import (
	"strings"
	"testing"
)

// TestIntegrationReadiness applies a fresh tenant 20 times in a row: each
// time, the moment apply returns the app answers from its database, and
// the app never logged "connection refused" — its database was ready
// before it started.
func TestIntegrationReadiness(t *testing.T) {
	requireEngine(t, appImage, dbImage)
	p := newProject(t, map[string]string{"ready": saasTenant("ready", "1.1.0", false)})
	for i := 0; i < 20; i++ {
		r := p.must(0, "apply", "--auto-approve")
		if code, body := get(t, urls(t, r.stdout)["ready"]); code != 200 || !strings.Contains(body, "visits: 1") {
			t.Fatalf("run %d: right after apply the app answers %d:\n%s", i, code, body)
		}
		if logs := docker(t, "logs", p.container("ready", "app")); strings.Contains(logs, "connection refused") {
			t.Fatalf("run %d: the app saw connection refused:\n%s", i, logs)
		}
		p.must(0, "destroy", "ready", "--auto-approve", "--delete-data")
	}
}
