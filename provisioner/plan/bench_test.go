package plan

import (
	"fmt"
	"net/netip"
	"runtime"
	"testing"

	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// BenchmarkReconcile10000 plans 10,000 tenants of the example stack against
// a synthetic engine that already holds them all: the pure planner alone,
// with the heap it needs reported as peak-MB.
func BenchmarkReconcile10000(b *testing.B) {
	p := project()
	p.NetworkPool = netip.MustParsePrefix("10.0.0.0/8") // room for 20,000 /27s
	stack := p.Tenants[0]
	p.Tenants = nil
	for i := 0; i < 10000; i++ {
		t := stack
		t.Name = fmt.Sprintf("t%05d", i)
		p.Tenants = append(p.Tenants, t)
	}
	p.PortRange.Last = 60000
	first, err := Reconcile(p, map[string]*resource.Observed{"local": base()}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	obs := simulate(first, base())
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	b.ReportAllocs()
	var peak uint64
	for i := 0; i < b.N; i++ {
		pl, err := Reconcile(p, map[string]*resource.Observed{"local": obs}, Options{})
		if err != nil {
			b.Fatal(err)
		}
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		peak = max(peak, m.HeapInuse)
		if pl.HasChanges() {
			b.Fatal("no-op plan has changes")
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}
