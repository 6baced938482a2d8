package plan

import (
	"fmt"
	"sort"

	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// Destroy plans the removal of the named tenants' containers and networks
// from every host that holds them. Volumes are deleted only when deleteData
// is set; otherwise they are listed as kept. Tenants with nothing on any
// engine are an error, so a typo never reads as success.
func Destroy(project string, observed map[string]*resource.Observed, tenants []string, deleteData bool) (*Plan, error) {
	p := &Plan{Project: project}
	hosts := make([]string, 0, len(observed))
	for h := range observed {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	for _, name := range tenants {
		found := false
		for _, h := range hosts {
			obs := indexObserved(observed[h])[name]
			if obs == nil {
				continue
			}
			found = true
			tp := orphanPlan(name, h, obs, true)
			tp.Orphan = false
			for i := range tp.Operations {
				op := &tp.Operations[i]
				switch {
				case op.ID.Kind != resource.KindVolume:
					op.Causes = []string{"destroy"}
				case deleteData:
					op.Action, op.Causes = Delete, []string{"destroy --delete-data"}
				default:
					op.Causes = []string{"kept: destroy keeps data unless --delete-data"}
				}
			}
			p.Tenants = append(p.Tenants, tp)
		}
		if !found {
			return nil, fmt.Errorf("tenant %q has nothing on any engine to destroy", name)
		}
	}
	sort.SliceStable(p.Tenants, func(i, j int) bool { return p.Tenants[i].Name < p.Tenants[j].Name })
	names := map[string]bool{}
	for _, n := range tenants {
		names[n] = true
	}
	for _, h := range hosts {
		if ep := destroyEdge(project, h, observed[h], names); ep != nil {
			p.Edges = append(p.Edges, *ep)
		}
	}
	return p, nil
}
