package apply

import (
	"context"
	"strings"
	"testing"

	"github.com/tenantctl/tenantctl/provisioner/engine"
	"github.com/tenantctl/tenantctl/provisioner/plan"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// edgeFake is fakeEngine with the network and exec calls the edge uses.
type edgeFake struct{ fakeEngine }

func (f *edgeFake) ConnectNetwork(_ context.Context, network, id string) error {
	return f.record("join " + id + " " + network)
}
func (f *edgeFake) DisconnectNetwork(_ context.Context, network, id string) error {
	return f.record("leave " + id + " " + network)
}
func (f *edgeFake) Exec(_ context.Context, id string, cmd []string) (engine.ExecResult, error) {
	return engine.ExecResult{Output: "{}"}, f.record("exec " + id + " " + strings.Join(cmd[1:4], " "))
}

// edgePlan is a new proxy for acme and globex, and the removal of
// initech's route and network.
func edgePlan() plan.EdgePlan {
	proxy := &resource.ContainerSpec{Name: "p__edge", Service: "edge", Health: &resource.HealthCheck{}}
	return plan.EdgePlan{Host: "local", Container: "", Operations: []plan.Operation{
		{Action: plan.Create, ID: resource.ID{Kind: resource.KindVolume, Name: "edge"}, Volume: &resource.VolumeSpec{Name: "p__edge"}},
		{Action: plan.Create, ID: resource.ID{Kind: resource.KindNetwork, Name: "edge"}, Network: &resource.NetworkSpec{Name: "p__edge"}},
		{Action: plan.Create, ID: resource.ID{Kind: resource.KindContainer, Name: "edge"}, Container: proxy},
	}, Networks: []plan.EdgeNetwork{
		{Action: plan.Create, Tenant: "acme", Network: "acme_edge"},
		{Action: plan.Create, Tenant: "globex", Network: "globex_edge"},
		{Action: plan.Delete, Tenant: "initech", Network: "initech_edge"},
	}, Routes: []plan.RouteOp{
		{Action: plan.Create, Tenant: "acme", Hosts: []string{"acme.t.example"}, Backend: "acme_app:8080"},
		{Action: plan.Create, Tenant: "globex", Hosts: []string{"globex.t.example"}, Backend: "globex_app:8080"},
		{Action: plan.Delete, Tenant: "initech"},
	}}
}

func TestRunEdgeProxyFirstRoutesAfterHealthy(t *testing.T) {
	f := &edgeFake{}
	p := &plan.Plan{Tenants: []plan.TenantPlan{tenantPlan("acme"), tenantPlan("globex")}, Edges: []plan.EdgePlan{edgePlan()}}
	if err := Run(context.Background(), map[string]engine.Engine{"local": f}, p, Options{}); err != nil {
		t.Fatal(err)
	}
	order := []string{"volume p__edge", "network p__edge", "create p__edge", "start p__edge",
		"exec p__edge ctl remove initech", "leave p__edge initech_edge",
		"network acme_internal", "start acme_app", "join p__edge acme_edge", "exec p__edge ctl set acme"}
	for i := 1; i < len(order); i++ {
		if a, b := f.index(order[i-1]), f.index(order[i]); a < 0 || b < 0 || a > b {
			t.Fatalf("%q must come before %q: %v", order[i-1], order[i], f.log)
		}
	}
	if f.index("exec p__edge ctl set globex") < f.index("start globex_app") {
		t.Fatalf("globex's route set before its app is healthy: %v", f.log)
	}
}

func TestRunEdgeNoRouteForFailedTenant(t *testing.T) {
	f := &edgeFake{fakeEngine{failOn: "start acme_db"}}
	p := &plan.Plan{Tenants: []plan.TenantPlan{tenantPlan("acme"), tenantPlan("globex")}, Edges: []plan.EdgePlan{edgePlan()}}
	err := Run(context.Background(), map[string]engine.Engine{"local": f}, p, Options{})
	if got := FailedTenants(err); len(got) != 1 || got[0] != "acme" {
		t.Fatalf("failed = %v (%v)", got, err)
	}
	if f.index("exec p__edge ctl set acme") >= 0 || f.index("join p__edge acme_edge") >= 0 {
		t.Fatalf("acme failed but got a route: %v", f.log)
	}
	if f.index("exec p__edge ctl set globex") < 0 {
		t.Fatalf("globex converged but got no route: %v", f.log)
	}
}

func TestRunEdgeFailureIsReported(t *testing.T) {
	f := &edgeFake{fakeEngine{failOn: "start p__edge"}}
	p := &plan.Plan{Tenants: []plan.TenantPlan{tenantPlan("acme")}, Edges: []plan.EdgePlan{edgePlan()}}
	err := Run(context.Background(), map[string]engine.Engine{"local": f}, p, Options{})
	if err == nil || !strings.Contains(Summary(err), "the edge proxy failed on host local") {
		t.Fatalf("err = %v (%s)", err, Summary(err))
	}
	if f.index("start acme_app") < 0 {
		t.Fatalf("a failed proxy stopped the tenants: %v", f.log)
	}
}

func TestRunEdgeProxyMadeByAnotherRunIsUsed(t *testing.T) {
	f := &edgeFake{fakeEngine{exists: map[string]bool{"p__edge": true}}}
	p := &plan.Plan{Tenants: []plan.TenantPlan{tenantPlan("acme")}, Edges: []plan.EdgePlan{edgePlan()}}
	if err := Run(context.Background(), map[string]engine.Engine{"local": f}, p, Options{}); err != nil {
		t.Fatal(err)
	}
	if f.index("start p__edge") < 0 || f.index("exec p__edge ctl set acme") < 0 {
		t.Fatalf("the existing proxy was not started and routed: %v", f.log)
	}
}

// TestRunEdgeNoRouteWithoutTheNetwork: a tenant whose network the proxy
// could not join gets no route, which would point at a backend the proxy
// cannot reach; the others get theirs.
func TestRunEdgeNoRouteWithoutTheNetwork(t *testing.T) {
	f := &edgeFake{fakeEngine{failOn: "join p__edge acme_edge"}}
	p := &plan.Plan{Tenants: []plan.TenantPlan{tenantPlan("acme"), tenantPlan("globex")}, Edges: []plan.EdgePlan{edgePlan()}}
	if err := Run(context.Background(), map[string]engine.Engine{"local": f}, p, Options{}); err == nil {
		t.Fatal("a failed join was not reported")
	}
	if f.index("exec p__edge ctl set acme") >= 0 {
		t.Fatalf("acme got a route although the proxy is not on its network: %v", f.log)
	}
	if f.index("exec p__edge ctl set globex") < 0 {
		t.Fatalf("globex got no route: %v", f.log)
	}
}
