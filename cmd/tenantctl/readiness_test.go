package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestIntegrationReadiness applies a fresh tenant 20 times: each time,
// the moment apply returns the app answers from its database, and the app
// never logged "connection refused" — its database was ready before it
// started. The 20 runs are 5 in a row in each of 4 projects, in parallel.
func TestIntegrationReadiness(t *testing.T) {
	t.Parallel()
	requireEngine(t, appImage, dbImage)
	for g := range 4 {
		t.Run(fmt.Sprintf("project %d", g), func(t *testing.T) {
			t.Parallel()
			p := newProject(t, map[string]string{"ready": saasTenant("ready", "1.1.0", false)})
			for i := 0; i < 5; i++ {
				r := p.must(0, "apply", "--auto-approve")
				if code, body := get(t, urls(t, r.stdout)["ready"]); code != 200 || !strings.Contains(body, "visits: 1") {
					appLogs, _ := dockerErr("logs", "--tail", "20", p.container("ready", "app"))
					dbLogs, _ := dockerErr("logs", "--tail", "20", p.container("ready", "db"))
					t.Fatalf("run %d: right after apply the app answers %d:\n%s\n--- apply\n%s--- the app's last log lines\n%s\n--- the database's\n%s", i, code, body, r.stdout, appLogs, dbLogs)
				}
				if logs := docker(t, "logs", p.container("ready", "app")); strings.Contains(logs, "connection refused") {
					t.Fatalf("run %d: the app saw connection refused:\n%s", i, logs)
				}
				p.must(0, "destroy", "ready", "--auto-approve", "--delete-data")
			}
		})
	}
}
