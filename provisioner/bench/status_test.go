package bench

import (
	"context"
	"fmt"
	"testing"

	"github.com/tenantctl/tenantctl/provisioner/status"
)

// BenchmarkStatus is `tenantctl status` of an applied project: one
// observation, the pure planner and the status computation. Engine calls
// per status stay at 3 however many tenants; the time should stay nearly
// flat (target: under 1 s at 100 tenants).
func BenchmarkStatus(b *testing.B) {
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprintf("tenants=%d", n), func(b *testing.B) {
			ws := appliedWorkspace(b, n)
			ctx := context.Background()
			b.ResetTimer()
			start := ws.Calls()
			for i := 0; i < b.N; i++ {
				r, err := ws.Status(ctx, nil)
				if err != nil {
					b.Fatal(err)
				}
				if len(r.Tenants) != n || r.Counts[status.Running] != n {
					b.Fatalf("status right after apply: %v", r.Counts)
				}
			}
			b.ReportMetric(float64(ws.Calls()-start)/float64(b.N), "engine-calls/op")
		})
	}
}
