package workspace

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/tenantctl/tenantctl/provisioner/edge"
	"github.com/tenantctl/tenantctl/provisioner/engine"
	"github.com/tenantctl/tenantctl/provisioner/plan"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// observeRoutes asks the host's running edge proxy for its routes
// (`tenantctl-edge ctl list`, one exec) and records them in obs. A proxy
// that is not running or does not answer leaves them unknown: the plan
// then sets every route again, which is harmless.
func observeRoutes(ctx context.Context, e engine.Engine, project string, obs *resource.Observed) {
	var proxy *resource.Container
	for i, c := range obs.Edge.Containers {
		if c.Name == resource.EdgeName(project) && c.State == "running" {
			proxy = &obs.Edge.Containers[i]
		}
	}
	if proxy == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, engine.DefaultTimeouts.Call)
	defer cancel()
	res, err := e.Exec(ctx, proxy.ID, plan.EdgeCommandList())
	if err != nil || res.ExitCode != 0 {
		return
	}
	var list edge.RoutesResult
	if err := json.Unmarshal([]byte(res.Output), &list); err != nil {
		return
	}
	obs.Edge.Routes = make([]resource.Route, 0, len(list.Routes))
	for _, r := range list.Routes {
		hosts := slices.Clone(r.Hosts)
		slices.Sort(hosts)
		obs.Edge.Routes = append(obs.Edge.Routes, resource.Route{Tenant: r.Tenant, Hosts: hosts, Backend: r.Backend, Maintenance: r.Maintenance != nil})
	}
	obs.Edge.RoutesKnown = true
}
