package plan

import (
	"encoding/json"
	"io"
)

// FormatVersion is the version of the JSON plan schema. It changes only
// when a field is removed or changes meaning; new fields may be added.
const FormatVersion = "1"

// JSONPlan is the stable JSON form of a plan (`tenantctl plan --json`).
type JSONPlan struct {
	FormatVersion string       `json:"format_version"`
	Project       string       `json:"project"`
	HasChanges    bool         `json:"has_changes"`
	Changes       JSONCounts   `json:"changes"`
	Tenants       []JSONTenant `json:"tenants"`
	Notes         []string     `json:"notes"`
	// Skipped lists tenants not planned (host unreachable, not placed).
	Skipped []JSONSkipped `json:"skipped,omitempty"`
	// Edges are the edge proxies' changes, by host.
	Edges []JSONEdge `json:"edges,omitempty"`
}

// JSONEdge is one host's edge proxy part of the plan.
type JSONEdge struct {
	Host       string          `json:"host"`
	New        bool            `json:"new"`
	Operations []JSONOperation `json:"operations"`
	Networks   []JSONEdgeNet   `json:"networks,omitempty"`
	Routes     []JSONRoute     `json:"routes,omitempty"`
}

// JSONEdgeNet is the proxy joining (create) or leaving (delete) a
// tenant's edge network.
type JSONEdgeNet struct {
	Action  Action `json:"action"`
	Tenant  string `json:"tenant"`
	Network string `json:"network"`
}

// JSONRoute is a tenant's route set (create, update) or removed (delete).
type JSONRoute struct {
	Action  Action   `json:"action"`
	Tenant  string   `json:"tenant"`
	Hosts   []string `json:"hosts,omitempty"`
	Backend string   `json:"backend,omitempty"`
	Causes  []string `json:"causes"`
}

// JSONSkipped is a tenant left out of the plan.
type JSONSkipped struct {
	Tenant string `json:"tenant"`
	Host   string `json:"host,omitempty"`
	Reason string `json:"reason"`
}

// JSONCounts counts the changes by action.
type JSONCounts struct {
	Create  int `json:"create"`
	Update  int `json:"update"`
	Replace int `json:"replace"`
	Delete  int `json:"delete"`
}

// JSONTenant is one tenant's part of the plan.
type JSONTenant struct {
	Name       string          `json:"name"`
	Host       string          `json:"host"`
	New        bool            `json:"new"`
	Orphan     bool            `json:"orphan"`
	Operations []JSONOperation `json:"operations"`
}

// JSONOperation is one operation. Environment values are never included.
type JSONOperation struct {
	Action   Action     `json:"action"`
	Kind     string     `json:"kind"`
	Name     string     `json:"name"`
	Resource string     `json:"resource"`
	Causes   []string   `json:"causes"`
	Image    string     `json:"image,omitempty"`
	Subnet   string     `json:"subnet,omitempty"`
	Ports    []JSONPort `json:"ports,omitempty"`
}

// JSONPort is a published port.
type JSONPort struct {
	Name      string `json:"name"`
	Container int    `json:"container"`
	Host      int    `json:"host"`
}

// ToJSON converts a plan to its JSON form.
func ToJSON(p *Plan) JSONPlan {
	c := p.Counts()
	out := JSONPlan{
		FormatVersion: FormatVersion, Project: p.Project, HasChanges: p.HasChanges(),
		Changes: JSONCounts{c.Create, c.Update, c.Replace, c.Delete},
		Tenants: []JSONTenant{}, Notes: append([]string{}, p.Notes...),
	}
	for _, t := range p.Tenants {
		jt := JSONTenant{Name: t.Name, Host: t.Host, New: t.New, Orphan: t.Orphan, Operations: []JSONOperation{}}
		for _, op := range t.Operations {
			jt.Operations = append(jt.Operations, jsonOperation(op))
		}
		out.Tenants = append(out.Tenants, jt)
	}
	for _, e := range p.Edges {
		je := JSONEdge{Host: e.Host, New: e.New, Operations: []JSONOperation{}}
		for _, op := range e.Operations {
			je.Operations = append(je.Operations, jsonOperation(op))
		}
		for _, n := range e.Networks {
			je.Networks = append(je.Networks, JSONEdgeNet(n))
		}
		for _, r := range e.Routes {
			je.Routes = append(je.Routes, JSONRoute{Action: r.Action, Tenant: r.Tenant, Hosts: r.Hosts, Backend: r.Backend, Causes: append([]string{}, r.Causes...)})
		}
		out.Edges = append(out.Edges, je)
	}
	for _, sk := range p.Skipped {
		out.Skipped = append(out.Skipped, JSONSkipped(sk))
	}
	return out
}

// jsonOperation is the JSON form of one operation.
func jsonOperation(op Operation) JSONOperation {
	jo := JSONOperation{Action: op.Action, Kind: string(op.ID.Kind), Name: op.ID.Name, Resource: op.ID.String(), Causes: append([]string{}, op.Causes...)}
	if op.Network != nil {
		jo.Subnet = op.Network.Subnet.String()
	}
	if op.Container != nil {
		jo.Image = op.Container.Image
		for _, b := range op.Container.Ports {
			jo.Ports = append(jo.Ports, JSONPort{Name: b.Name, Container: b.Container, Host: b.HostPort})
		}
	}
	return jo
}

// WriteJSON writes the plan as indented JSON.
func WriteJSON(w io.Writer, p *Plan) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(ToJSON(p))
}
