package bench

import (
	"context"
	"fmt"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
)

// BenchmarkEngineListFloor makes the three list calls an observation
// makes, with the Docker client alone and nothing done with the answers:
// the engine's own cost, the floor under BenchmarkNoOpPlan's observe time.
func BenchmarkEngineListFloor(b *testing.B) {
	for _, n := range []int{10, 100, 300} {
		b.Run(fmt.Sprintf("tenants=%d", n), func(b *testing.B) {
			ws := appliedWorkspace(b, n)
			cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
			if err != nil {
				b.Fatal(err)
			}
			defer cli.Close()
			ctx := context.Background()
			byProject := filters.NewArgs(filters.Arg("label", "tenantctl.project="+ws.Project.Name))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := cli.NetworkList(ctx, network.ListOptions{}); err != nil {
					b.Fatal(err)
				}
				if _, err := cli.VolumeList(ctx, volume.ListOptions{Filters: byProject}); err != nil {
					b.Fatal(err)
				}
				if _, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: byProject}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
