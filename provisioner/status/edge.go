package status

import (
	"fmt"
	"sort"

	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// EdgeStatus is the state of the project's edge proxy on one host.
type EdgeStatus struct {
	Host string `json:"host"`
	// State is the container's state, or "missing".
	State  string `json:"state"`
	Health string `json:"health"`
	// Routes is how many routes the proxy holds, when RoutesKnown.
	Routes      int  `json:"routes"`
	RoutesKnown bool `json:"routes_known"`
	// Summary is the state in words, as the table shows it.
	Summary string `json:"summary"`
}

// edges is the state of the proxy on every host that has one or tenants,
// with an edge block only.
func edges(in Input) []EdgeStatus {
	if in.Desired.Edge == nil {
		return nil
	}
	wanted := map[string]bool{}
	for _, t := range in.Desired.Tenants {
		wanted[t.Host] = true
	}
	hosts := make([]string, 0, len(in.Observed))
	for h := range in.Observed {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	var out []EdgeStatus
	for _, h := range hosts {
		obs := in.Observed[h]
		proxy := edgeProxy(obs, in.Desired.Name)
		if proxy == nil && !wanted[h] {
			continue
		}
		es := EdgeStatus{Host: h, State: "missing", Summary: EdgeSummary(obs, in.Desired.Name)}
		if proxy != nil {
			es.State, es.Health = proxy.State, proxy.Health
			es.Routes, es.RoutesKnown = len(obs.Edge.Routes), obs.Edge.RoutesKnown
		}
		out = append(out, es)
	}
	return out
}

// edgeProxy is the project's proxy container on a host, or nil.
func edgeProxy(obs *resource.Observed, project string) *resource.Container {
	for i, c := range obs.Edge.Containers {
		if c.Name == resource.EdgeName(project) {
			return &obs.Edge.Containers[i]
		}
	}
	return nil
}

// EdgeSummary says how the project's edge proxy on a host is, for
// people: "running, 2 route(s)", "exited", or "missing: run apply".
func EdgeSummary(obs *resource.Observed, project string) string {
	proxy := edgeProxy(obs, project)
	switch {
	case proxy == nil:
		return "missing: run apply"
	case proxy.State != "running":
		return proxy.State
	case !obs.Edge.RoutesKnown:
		return "running, routes unknown (the proxy did not answer)"
	}
	s := fmt.Sprintf("running, %d route(s)", len(obs.Edge.Routes))
	if proxy.Health != "" && proxy.Health != "healthy" {
		s += ", " + proxy.Health
	}
	return s
}
