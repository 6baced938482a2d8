package bench

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/docker/go-units"
)

// BenchmarkCapacity50 puts 50 tenants of the example stack (PostgreSQL +
// app) on the local host and reports what each costs in memory, measured
// with docker stats once they are all healthy: what limits a host is its
// memory, not addresses or ports.
func BenchmarkCapacity50(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir, name := project(b, 50, "saas", true)
		b.StartTimer()
		ws := applyAll(b, dir, 8)
		b.StopTimer()
		ws.Close()
		total, containers := memoryOf(b, name)
		if containers != 100 {
			b.Fatalf("%d containers running, want 100", containers)
		}
		b.ReportMetric(total/50/(1<<20), "MiB/tenant")
		removeProject(name)
		b.StartTimer()
	}
}

// memoryOf adds up the memory use docker stats reports for a project.
func memoryOf(b *testing.B, project string) (float64, int) {
	ids, err := exec.Command("docker", "ps", "-q", "--filter", "label=tenantctl.project="+project).Output()
	if err != nil {
		b.Fatal(err)
	}
	args := append([]string{"stats", "--no-stream", "--format", "{{.MemUsage}}"}, strings.Fields(string(ids))...)
	out, err := exec.Command("docker", args...).Output()
	if err != nil {
		b.Fatalf("docker stats: %v", err)
	}
	var total float64
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		used, _, _ := strings.Cut(line, " / ")
		bytes, err := units.RAMInBytes(strings.TrimSpace(used))
		if err != nil {
			b.Fatalf("docker stats line %q: %v", line, err)
		}
		total += float64(bytes)
		n++
	}
	return total, n
}
