// Package plan turns desired state and observed state into a plan: a
// deterministic list of typed operations, each with its resource and its
// causes. Reconcile does no I/O; text and JSON are renderings of the plan.
//
// With an edge block, each host with tenants also gets an EdgePlan
// (edge.go): the proxy's objects, named resource.EdgeName, the tenants'
// edge networks it joins and the routes it must hold, compared with the
// routes the running proxy reported (resource.Edge.Routes).
package plan

import (
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// Action is what an operation does to its resource.
type Action string

// Actions, in the Terraform idiom.
const (
	Create  Action = "create"
	Update  Action = "update" // start a stopped container, in place
	Replace Action = "replace"
	Delete  Action = "delete"
	NoOp    Action = "no-op"
)

// Operation is one step of a plan.
type Operation struct {
	Action Action
	ID     resource.ID
	// Causes say why, e.g. "image: app:1.0.0 → app:1.1.0" or "stopped".
	Causes []string
	// Existing is the observed object's engine ID (or name) for update,
	// replace and delete.
	Existing string
	// The desired spec, for create and replace (and update of a container).
	Network   *resource.NetworkSpec
	Volume    *resource.VolumeSpec
	Container *resource.ContainerSpec
	// DependsOn are the services a container waits for, healthy.
	DependsOn []string
}

// TenantPlan is the plan for one tenant on its host.
type TenantPlan struct {
	Name string
	Host string
	// Orphan tenants have resources on the engine but no definition.
	Orphan bool
	// New tenants have nothing on the engine yet.
	New bool
	// Operations are in execution order: networks, volumes, containers in
	// dependency order, deletions of containers before their networks.
	Operations []Operation
}

// Plan is the whole plan of a project.
type Plan struct {
	Project string
	Tenants []TenantPlan
	// Notes are things the user should know that are not changes, such as
	// orphans left alone without --prune.
	Notes []string
	// Skipped are defined tenants left out of the plan: their host could
	// not be reached, or no host could take them.
	Skipped []Skipped
	// Edges are the plans of the project's edge proxy, one per host that
	// has one or needs one, sorted by host. Empty without an edge block
	// (unless a proxy is left to remove).
	Edges []EdgePlan
}

// Skipped is a tenant left out of a plan, and why.
type Skipped struct {
	Tenant string
	// Host is the tenant's host, or "" when it was not placed.
	Host   string
	Reason string
}

// Counts is the number of operations of each action, no-ops excluded.
type Counts struct {
	Create, Update, Replace, Delete int
}

// Counts adds up the plan's changes.
func (p *Plan) Counts() Counts {
	var c Counts
	var ops []Operation
	for _, t := range p.Tenants {
		ops = append(ops, t.Operations...)
	}
	for _, e := range p.Edges {
		ops = append(ops, e.Operations...)
		for _, n := range e.Networks {
			ops = append(ops, Operation{Action: n.Action})
		}
		for _, r := range e.Routes {
			ops = append(ops, Operation{Action: r.Action})
		}
	}
	for _, op := range ops {
		switch op.Action {
		case Create:
			c.Create++
		case Update:
			c.Update++
		case Replace:
			c.Replace++
		case Delete:
			c.Delete++
		}
	}
	return c
}

// HasChanges reports whether applying the plan would change anything.
func (p *Plan) HasChanges() bool { return p.Counts() != Counts{} }

// Changes reports whether the tenant plan changes anything.
func (t *TenantPlan) Changes() bool {
	for _, op := range t.Operations {
		if op.Action != NoOp {
			return true
		}
	}
	return false
}

// Changed returns the part of the plan that changes something: the tenants
// with changes, in order.
func (p *Plan) Changed() *Plan {
	out := &Plan{Project: p.Project}
	for _, e := range p.Edges {
		if e.Changes() {
			out.Edges = append(out.Edges, e)
		}
	}
	for _, t := range p.Tenants {
		if t.Changes() {
			out.Tenants = append(out.Tenants, t)
		}
	}
	return out
}

// Select returns the part of the plan for the named tenants, with the
// edge plans that change something.
func (p *Plan) Select(names map[string]bool) *Plan {
	out := &Plan{Project: p.Project}
	for _, e := range p.Edges {
		if e.Changes() {
			out.Edges = append(out.Edges, e)
		}
	}
	for _, t := range p.Tenants {
		if names[t.Name] {
			out.Tenants = append(out.Tenants, t)
		}
	}
	return out
}
