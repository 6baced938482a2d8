// Package bench measures tenantctl against the real engine: the cost of a
// no-op plan as tenants grow, and a fresh tenant's apply next to a plain
// docker CLI script doing the same steps (the floor). Run with `make bench`.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/apply"
	"github.com/tenantctl/tenantctl/provisioner/plan"
	"github.com/tenantctl/tenantctl/provisioner/testenv"
	"github.com/tenantctl/tenantctl/provisioner/workspace"
)

// project writes a throwaway project with n tenants of template tmpl and
// returns its directory and name. With cleanup, its objects are removed by
// label when the benchmark ends.
func project(b *testing.B, n int, tmpl string, cleanup bool) (string, string) {
	b.Helper()
	testenv.Docker(b)
	raw := make([]byte, 3)
	rand.Read(raw)
	name := "bench-" + hex.EncodeToString(raw)
	dir := b.TempDir()
	write := func(rel, text string) {
		path := filepath.Join(dir, rel)
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	write("tenantctl.hcl", fmt.Sprintf("project %q {}\nhost \"local\" {}\n", name))
	write("templates/small.hcl", smallTemplate)
	saas, err := os.ReadFile("../../templates/saas.hcl")
	if err != nil {
		b.Fatal(err)
	}
	write("templates/saas.hcl", string(saas))
	for i := 0; i < n; i++ {
		write(fmt.Sprintf("tenants/t%03d.hcl", i), fmt.Sprintf("tenant \"t%03d\" { template = %q }\n", i, tmpl))
	}
	os.Setenv("TENANTCTL_MASTER_KEY", strings.Repeat("b", 40))
	if cleanup {
		b.Cleanup(func() { removeProject(name) })
	}
	return dir, name
}

// smallTemplate is one tiny container per tenant, with its networks.
const smallTemplate = `template "small" {
  service "web" {
    image = "tenantctl-example/app:1.0.0"
    env   = { TENANT_NAME = tenant.name, DATABASE_URL = "postgres://none@127.0.0.1:1/none" }
    port "http" { container = 8080 }
    resources { memory = "32MiB" }
  }
}
`

// removeProject removes every object labelled with the project.
func removeProject(name string) {
	filter := "label=tenantctl.project=" + name
	sh := fmt.Sprintf(`docker ps -aq --filter %[1]s | xargs -r docker rm -f >/dev/null
docker network ls -q --filter %[1]s | xargs -r docker network rm >/dev/null
docker volume ls -q --filter %[1]s | xargs -r docker volume rm -f >/dev/null`, filter)
	exec.Command("bash", "-c", sh).Run()
}

// applyAll applies the whole project in dir, as `apply` does.
func applyAll(b *testing.B, dir string, parallelism int) *workspace.Workspace {
	b.Helper()
	ws, err := workspace.Load(dir, true)
	if err != nil {
		b.Fatal(err)
	}
	_, err = ws.Run(context.Background(), workspace.Change{
		Operation: "apply", RecordKeys: true,
		Plan:  func(ctx context.Context) (*plan.Plan, error) { return ws.Plan(ctx, plan.Options{}) },
		Apply: apply.Options{Parallelism: parallelism},
	})
	if err != nil {
		b.Fatal(err)
	}
	return ws
}

// applied holds the projects applied for BenchmarkNoOpPlan, by tenant
// count, so repeated runs (-count) apply each only once; TestMain removes
// them at the end.
var applied = map[int]*workspace.Workspace{}

var appliedNames []string

func TestMain(m *testing.M) {
	code := m.Run()
	for _, ws := range applied {
		ws.Close()
	}
	for _, name := range appliedNames {
		removeProject(name)
	}
	os.Exit(code)
}

// appliedWorkspace returns the project of n small tenants that
// BenchmarkNoOpPlan uses, applying it first when no benchmark has yet.
func appliedWorkspace(b *testing.B, n int) *workspace.Workspace {
	b.Helper()
	if ws := applied[n]; ws != nil {
		return ws
	}
	dir, name := project(b, n, "small", false)
	appliedNames = append(appliedNames, name)
	ws := applyAll(b, dir, 8)
	applied[n] = ws
	return ws
}

// BenchmarkNoOpPlan plans a project that is already applied: the cost is
// observation plus the pure planner, and should stay nearly flat.
func BenchmarkNoOpPlan(b *testing.B) {
	for _, n := range []int{10, 100, 300} {
		b.Run(fmt.Sprintf("tenants=%d", n), func(b *testing.B) {
			ws := appliedWorkspace(b, n)
			ctx := context.Background()
			b.ResetTimer()
			start := ws.Calls()
			var observing, reconciling time.Duration
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				observed, err := ws.Observe(ctx)
				if err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				p, err := plan.Reconcile(ws.Project, observed, plan.Options{})
				if err != nil {
					b.Fatal(err)
				}
				observing, reconciling = observing+t1.Sub(t0), reconciling+time.Since(t1)
				if p.HasChanges() {
					b.Fatal("a plan right after apply has changes")
				}
			}
			b.ReportMetric(float64(ws.Calls()-start)/float64(b.N), "engine-calls/op")
			b.ReportMetric(float64(observing.Microseconds())/float64(b.N), "observe-µs/op")
			b.ReportMetric(float64(reconciling.Microseconds())/float64(b.N), "reconcile-µs/op")
		})
	}
}

// BenchmarkFreshTenant brings one example tenant (PostgreSQL + app) from
// nothing to healthy: tenantctl's apply, and a docker CLI script doing the
// same steps, which is the floor.
func BenchmarkFreshTenant(b *testing.B) {
	b.Run("tenantctl", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			dir, name := project(b, 1, "saas", true)
			b.StartTimer()
			ws := applyAll(b, dir, 1)
			b.StopTimer()
			ws.Close()
			removeProject(name)
			b.StartTimer()
		}
	})
	b.Run("docker-script", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			_, name := project(b, 0, "saas", true)
			b.StartTimer()
			out, err := exec.Command("bash", "plain-script.sh", name).CombinedOutput()
			if err != nil {
				b.Fatalf("plain script: %v\n%s", err, out)
			}
			b.StopTimer()
			removeProject(name)
			b.StartTimer()
		}
	})
}
