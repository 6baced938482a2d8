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
			jt.Operations = append(jt.Operations, jo)
		}
		out.Tenants = append(out.Tenants, jt)
	}
	for _, sk := range p.Skipped {
		out.Skipped = append(out.Skipped, JSONSkipped(sk))
	}
	return out
}

// WriteJSON writes the plan as indented JSON.
func WriteJSON(w io.Writer, p *Plan) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(ToJSON(p))
}
