package config

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/tenantctl/tenantctl/provisioner/model"
)

// evaluator evaluates one tenant's template.
type evaluator struct {
	scope
	t *tenant
	// fixed collects the ports with a fixed host port, to find conflicts
	// across tenants.
	fixed []fixedPort
	// public is where the first port { public = true } was written.
	public *hcl.Range
}

// evaluateTenants is the fourth phase: every tenant's template evaluated
// into services and checks, then the fixed host ports checked across
// tenants.
func (l *loader) evaluateTenants() hcl.Diagnostics {
	groups := newDiagGroups()
	var fixed []fixedPort
	for _, t := range l.tenants {
		e := l.newEvaluator(t)
		l.project.Tenants = append(l.project.Tenants, e.evaluate())
		groups.add(t, e.diags)
		fixed = append(fixed, e.fixed...)
	}
	return append(groups.diagnostics(), portConflicts(fixed)...)
}

// newEvaluator builds the evaluation context of tenant t: var, tenant and
// project objects, the function table and secret() bound to t.
func (l *loader) newEvaluator(t *tenant) *evaluator {
	vars := cty.EmptyObjectVal
	if len(t.vars) > 0 {
		vars = cty.ObjectVal(t.vars)
	}
	labels := cty.MapValEmpty(cty.String)
	if len(t.labels) > 0 {
		m := make(map[string]cty.Value, len(t.labels))
		for k, v := range t.labels {
			m[k] = cty.StringVal(v)
		}
		labels = cty.MapVal(m)
	}
	funcs := baseFunctions()
	funcs["secret"] = l.secrets.function(t.name)
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"var":     vars,
			"tenant":  cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal(t.name), "labels": labels}),
			"project": cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal(l.project.Name)}),
		},
		Functions: funcs,
	}
	return &evaluator{scope: scope{ctx: ctx}, t: t}
}

// evaluate evaluates the tenant's services and checks.
func (e *evaluator) evaluate() model.Tenant {
	t := e.t
	mt := model.Tenant{
		Name: t.name, Template: t.template.name, Host: t.host,
		Labels: t.labels, Protect: t.protect, Source: t.source(),
		HostPinned: t.pinned, PlacementLabels: t.placement, Domains: t.domains,
	}
	for _, sd := range t.template.order {
		mt.Services = append(mt.Services, e.service(sd))
	}
	services := map[string]*model.Service{}
	for i := range mt.Services {
		services[mt.Services[i].Name] = &mt.Services[i]
	}
	for _, cd := range t.template.checks {
		mt.Checks = append(mt.Checks, e.check(cd, services))
	}
	return mt
}

// diagGroups merges the diagnostics of the tenants: a mistake in a
// template shows up once, naming the tenants it was evaluated for.
type diagGroups struct {
	order []*diagGroup
	index map[string]*diagGroup
}

type diagGroup struct {
	diag    *hcl.Diagnostic
	tenants []*tenant
}

func newDiagGroups() *diagGroups { return &diagGroups{index: map[string]*diagGroup{}} }

func (g *diagGroups) add(t *tenant, diags hcl.Diagnostics) {
	for _, d := range diags {
		subject := ""
		if d.Subject != nil {
			subject = d.Subject.String()
		}
		key := fmt.Sprintf("%d\x00%s\x00%s\x00%s", d.Severity, d.Summary, d.Detail, subject)
		grp := g.index[key]
		if grp == nil {
			grp = &diagGroup{diag: d}
			g.index[key] = grp
			g.order = append(g.order, grp)
		}
		grp.tenants = append(grp.tenants, t)
	}
}

// diagnostics returns one diagnostic per group, in first-seen order.
func (g *diagGroups) diagnostics() hcl.Diagnostics {
	var out hcl.Diagnostics
	for _, grp := range g.order {
		d := *grp.diag
		if len(grp.tenants) > 1 {
			// The values hcl would show are those of one tenant only.
			d.Expression, d.EvalContext = nil, nil
		}
		note := evaluatedFor(grp.tenants)
		if d.Detail != "" {
			note = "\n\n" + note
		}
		d.Detail += note
		out = append(out, &d)
	}
	return out
}

// evaluatedFor says which tenants a diagnostic comes from.
func evaluatedFor(tenants []*tenant) string {
	t := tenants[0]
	if len(tenants) == 1 {
		return fmt.Sprintf("While evaluating template %q for tenant %q (%s).", t.template.name, t.name, t.source())
	}
	const shown = 3
	var names []string
	for i, t := range tenants {
		if i == shown {
			names = append(names, fmt.Sprintf("%d more", len(tenants)-shown))
			break
		}
		names = append(names, fmt.Sprintf("%q", t.name))
	}
	list := names[0]
	for i, n := range names[1:] {
		if i == len(names)-2 {
			list += " and " + n
		} else {
			list += ", " + n
		}
	}
	return fmt.Sprintf("While evaluating template %q for tenants %s.", t.template.name, list)
}
