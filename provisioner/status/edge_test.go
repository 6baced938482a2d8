package status

import (
	"strings"
	"testing"

	"github.com/tenantctl/tenantctl/provisioner/model"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

func TestEdgeURLAndProxyState(t *testing.T) {
	acme := saas("acme", "1.1.0")
	acme.Services[1].Ports[0].Public = true
	p := project(acme, small("globex"))
	p.Edge = &model.Edge{Domain: "tenants.example.com", HTTPPort: 80, HTTPSPort: 443, HostIP: "0.0.0.0", TLS: model.TLSACME}
	obs := deploy(t, p)

	r := compute(t, p, obs, nil)
	if got := r.Find("acme").URL; got != "https://acme.tenants.example.com/" {
		t.Errorf("acme URL = %q, want its https name", got)
	}
	if got := r.Find("globex").URL; !strings.HasPrefix(got, "http://127.0.0.1:") {
		t.Errorf("globex (no public port) URL = %q, want its host port", got)
	}
	if len(r.Edges) != 1 || r.Edges[0].State != "missing" || r.Edges[0].Summary != "missing: run apply" {
		t.Fatalf("edges = %+v", r.Edges)
	}

	obs.Edge.Containers = []resource.Container{{ID: "e", Name: resource.EdgeName(p.Name), State: "running", Health: "healthy", Labels: map[string]string{resource.LabelKind: "edge"}}}
	obs.Edge.Routes, obs.Edge.RoutesKnown = []resource.Route{{Tenant: "acme"}}, true
	r = compute(t, p, obs, nil)
	if e := r.Edges[0]; e.State != "running" || e.Routes != 1 || e.Summary != "running, 1 route(s)" {
		t.Fatalf("edge = %+v", e)
	}
	var b strings.Builder
	if err := WriteTable(&b, r, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "edge proxy on host local: running, 1 route(s)\n") {
		t.Errorf("table:\n%s", b.String())
	}
}

func TestNoEdgeNoEdgeStatus(t *testing.T) {
	p := project(saas("acme", "1.1.0"))
	if r := compute(t, p, deploy(t, p), nil); r.Edges != nil {
		t.Errorf("edges = %+v without an edge block", r.Edges)
	}
}
