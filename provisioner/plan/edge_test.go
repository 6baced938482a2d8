package plan

import (
	"slices"
	"strings"
	"testing"

	"github.com/tenantctl/tenantctl/provisioner/model"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// edgeProject is project() with an edge and the app's http port public;
// acme also has its own domain.
func edgeProject() *model.Project {
	p := project()
	p.Edge = &model.Edge{Domain: "tenants.localhost", HTTPPort: 8080, HTTPSPort: 8443, HostIP: "0.0.0.0", TLS: model.TLSLocalCA}
	for i := range p.Tenants {
		t := &p.Tenants[i]
		for j := range t.Services {
			for k := range t.Services[j].Ports {
				t.Services[j].Ports[k].Public = true
			}
		}
	}
	p.Tenants[0].Domains = []string{"app.acme.com"}
	return p
}

// simulateEdge adds what the edge plans of p would leave on the engine:
// the proxy, on the networks it joined, and the routes it was given.
func simulateEdge(p *Plan, obs *resource.Observed) *resource.Observed {
	out := simulate(p, obs)
	for _, e := range p.Edges {
		for _, op := range e.Operations {
			switch {
			case op.Action == Create && op.Volume != nil:
				out.Edge.Volumes = append(out.Edge.Volumes, resource.Volume{Name: op.Volume.Name, Labels: op.Volume.Labels})
			case op.Action == Create && op.Network != nil:
				out.Edge.Networks = append(out.Edge.Networks, resource.Network{ID: "net-edge", Name: op.Network.Name, Labels: op.Network.Labels})
			case (op.Action == Create || op.Action == Replace) && op.Container != nil:
				out.Edge.Containers = []resource.Container{{ID: "id-edge", Name: op.Container.Name, Image: op.Container.Image, Labels: op.Container.Labels, State: "running", Ports: op.Container.Ports, Networks: []string{op.Container.Networks[0].Network}, Mounts: []string{op.Container.Mounts[0].Volume}}}
			}
		}
		c := &out.Edge.Containers[0]
		for _, n := range e.Networks {
			if n.Action == Create {
				c.Networks = append(slices.Clone(c.Networks), n.Network)
			} else {
				c.Networks = slices.DeleteFunc(slices.Clone(c.Networks), func(s string) bool { return s == n.Network })
			}
		}
		routes := slices.Clone(out.Edge.Routes)
		for _, r := range e.Routes {
			routes = slices.DeleteFunc(routes, func(x resource.Route) bool { return x.Tenant == r.Tenant })
			if r.Action != Delete {
				routes = append(routes, resource.Route{Tenant: r.Tenant, Hosts: r.Hosts, Backend: r.Backend})
			}
		}
		out.Edge.Routes, out.Edge.RoutesKnown = routes, true
	}
	return out
}

func TestEdgeFreshPlan(t *testing.T) {
	p := reconcile(t, edgeProject(), base(), Options{})
	golden(t, "edge-fresh", p)
	if len(p.Edges) != 1 {
		t.Fatalf("edges = %+v", p.Edges)
	}
	var proxy *resource.ContainerSpec
	for _, op := range p.Edges[0].Operations {
		if op.Container != nil {
			proxy = op.Container
		}
	}
	if proxy == nil || proxy.Name != "demo__edge" || proxy.Labels[resource.LabelKind] != "edge" || proxy.Labels[resource.LabelTenant] != "" || proxy.Labels[resource.LabelSpecHash] == "" {
		t.Fatalf("proxy = %+v", proxy)
	}
	if !proxy.ReadOnlyRootfs || len(proxy.Networks) != 1 || proxy.Networks[0].Network != "demo__edge" || proxy.Memory == 0 || proxy.PidsLimit == 0 || len(proxy.CapAdd) != 0 {
		t.Errorf("proxy is not hardened as planned: %+v", proxy)
	}
	if got := proxy.Ports; len(got) != 2 || got[0].HostPort != 8080 || got[1].HostPort != 8443 || got[0].HostIP != "0.0.0.0" {
		t.Errorf("proxy ports = %+v", got)
	}
	// The public port is published on loopback only.
	for _, tp := range p.Tenants {
		for _, op := range tp.Operations {
			if op.Container != nil && op.Container.Service == "app" && op.Container.Ports[0].HostIP != "127.0.0.1" {
				t.Errorf("%s app port = %+v, want loopback", tp.Name, op.Container.Ports)
			}
		}
	}
	r := p.Edges[0].Routes
	if len(r) != 2 || strings.Join(r[0].Hosts, " ") != "acme.tenants.localhost app.acme.com" || r[0].Backend != "demo_acme_app:8080" {
		t.Errorf("routes = %+v", r)
	}
}

func TestEdgeConvergedPlanIsNoOp(t *testing.T) {
	desired := edgeProject()
	obs := simulateEdge(reconcile(t, desired, base(), Options{}), base())
	p := reconcile(t, desired, obs, Options{})
	if p.HasChanges() {
		var b strings.Builder
		_ = WriteText(&b, p, false)
		t.Fatalf("converged edge plan has changes:\n%s", b.String())
	}
}

func TestEdgeLostRoutesAndNewTenant(t *testing.T) {
	desired := edgeProject()
	two := *desired
	two.Tenants = desired.Tenants[:1] // acme only
	obs := simulateEdge(reconcile(t, &two, base(), Options{}), base())
	// The proxy lost acme's route (a crash before it was set); globex is new.
	obs.Edge.Routes = nil
	p := reconcile(t, desired, obs, Options{})
	golden(t, "edge-converge", p)
	if c := p.Counts(); c.Replace != 0 {
		t.Errorf("a new tenant replaces something: %+v", c)
	}
}

func TestEdgeUnknownRoutesAreSetAgain(t *testing.T) {
	desired := edgeProject()
	obs := simulateEdge(reconcile(t, desired, base(), Options{}), base())
	obs.Edge.RoutesKnown = false
	p := reconcile(t, desired, obs, Options{})
	if len(p.Edges) != 1 || len(p.Edges[0].Routes) != 2 || p.Edges[0].Routes[0].Action != Update {
		t.Fatalf("edges = %+v", p.Edges)
	}
}

func TestEdgeDestroyRemovesRouteAndLeavesNetwork(t *testing.T) {
	desired := edgeProject()
	obs := simulateEdge(reconcile(t, desired, base(), Options{}), base())
	p, err := Destroy("demo", map[string]*resource.Observed{"local": obs}, []string{"globex"}, false)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "edge-destroy", p)
	e := p.Edges[0]
	if len(e.Routes) != 1 || e.Routes[0].Action != Delete || e.Routes[0].Tenant != "globex" || len(e.Networks) != 1 || e.Networks[0].Network != "demo_globex_edge" {
		t.Errorf("edge = %+v", e)
	}
}

func TestEdgeRemovedBlockRemovesProxyKeepsVolume(t *testing.T) {
	obs := simulateEdge(reconcile(t, edgeProject(), base(), Options{}), base())
	p := reconcile(t, project(), obs, Options{})
	if len(p.Edges) != 1 || len(p.Edges[0].Operations) != 2 || p.Edges[0].Operations[0].Action != Delete || p.Edges[0].Operations[0].ID.Kind != resource.KindContainer || p.Edges[0].Operations[1].ID.Kind != resource.KindNetwork {
		t.Fatalf("edges = %+v", p.Edges)
	}
}

func TestNoEdgeBlockNoEdgePlan(t *testing.T) {
	p := reconcile(t, project(), base(), Options{})
	if len(p.Edges) != 0 {
		t.Fatalf("edges = %+v without an edge block", p.Edges)
	}
}

func TestEdgeChangedSpecReplacesProxy(t *testing.T) {
	desired := edgeProject()
	obs := simulateEdge(reconcile(t, desired, base(), Options{}), base())
	desired.Edge.HTTPSPort = 9443
	p := reconcile(t, desired, obs, Options{})
	e := p.Edges[0]
	var replaced bool
	for _, op := range e.Operations {
		replaced = replaced || (op.Action == Replace && op.ID.Kind == resource.KindContainer)
	}
	if !replaced || len(e.Networks) != 2 {
		t.Fatalf("edge = %+v: want the proxy replaced and joined to both tenants' networks again", e)
	}
}

func TestEdgeFreshProxyJoinsOnlyExistingNetworksOutsideSelection(t *testing.T) {
	p := reconcile(t, edgeProject(), base(), Options{Tenants: []string{"acme"}})
	e := p.Edges[0]
	if len(e.Networks) != 1 || e.Networks[0].Tenant != "acme" || len(e.Routes) != 1 || e.Routes[0].Tenant != "acme" {
		t.Fatalf("edge = %+v: want only acme joined and routed (globex has no network yet)", e)
	}
}

func TestEdgeSavedPlanAndDigest(t *testing.T) {
	desired := edgeProject()
	p := reconcile(t, desired, base(), Options{})
	path := t.TempDir() + "/plan.json"
	if err := Save(path, p, Options{}); err != nil {
		t.Fatal(err)
	}
	saved, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Digest != Digest(p) || len(saved.Plan.Edges) != 1 || len(saved.Plan.Edges[0].Routes) != 2 {
		t.Fatalf("saved plan: %+v", saved.Plan.Edges)
	}
	// A route that changes changes the digest: a saved plan is stale.
	desired.Tenants[0].Domains = []string{"shop.acme.com"}
	if Digest(reconcile(t, desired, base(), Options{})) == saved.Digest {
		t.Error("a changed route leaves the digest unchanged")
	}
}
