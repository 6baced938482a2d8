package config

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/tenantctl/tenantctl/provisioner/model"
)

// Extra is a tenant that has no file in tenants/: the caller defines it,
// e.g. the ephemeral tenant of `tenantctl smoke`. LoadExtra evaluates it
// from its template exactly like a tenant of a file.
type Extra struct {
	// Name is the tenant name; the usual rule for tenant names applies.
	Name string
	// Template names the template. Empty picks the project's only
	// template; with several it is an error that lists them.
	Template string
	// Vars are variable values as text, as given on a command line
	// (k=v). For a variable of type string the text is the value; for
	// any other type it is read as an HCL expression (3, true,
	// ["a", "b"], { k = "v" }) and converted to the variable's type.
	Vars map[string]string
	// Labels are the tenant's own labels, as in a tenant block.
	Labels map[string]string
	// Host names the host; empty means the project's first host.
	Host string
	// Expires marks the tenant ephemeral (see model.Tenant.Expires).
	Expires time.Time
	// Origin says where the tenant comes from, in messages and in
	// model.Tenant.Source, e.g. "tenantctl smoke". Default "command line".
	Origin string
	// VarFlag, when set, is the command-line flag that sets a variable
	// ("--var"), named in the hint of a missing variable.
	VarFlag string
}

// LoadExtra loads the project in dir like Load and adds the extra tenant
// to project.Tenants (kept sorted by name). Its problems — an unknown
// template, host or variable (with "did you mean"), a missing required
// variable, a value of the wrong type, a name taken by a tenant in
// tenants/ — are diagnostics without a source location, since the tenant
// has no file; problems inside the template point at the template.
// Fixed host ports of the extra tenant are not checked against those of
// other tenants: the engine refuses a taken port when it is applied.
// Load's "Unused template" warnings are left out: a project may well keep
// templates that only extra tenants use.
func LoadExtra(dir string, secret SecretFunc, extra Extra) (*model.Project, map[string]*hcl.File, hcl.Diagnostics) {
	p, files, diags := load(dir, secret, func(l *loader) hcl.Diagnostics { return l.evaluateExtra(extra) })
	kept := diags[:0]
	for _, d := range diags {
		if d.Severity != hcl.DiagWarning || !strings.HasPrefix(d.Summary, "Unused template ") {
			kept = append(kept, d)
		}
	}
	return p, files, kept
}

// evaluateExtra is LoadExtra's last phase.
func (l *loader) evaluateExtra(x Extra) hcl.Diagnostics {
	if x.Origin == "" {
		x.Origin = "command line"
	}
	var d diagList
	fail := func(summary, format string, args ...any) {
		d.add(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...)})
	}
	if diag := checkName("tenant", x.Name, hcl.Range{}); diag != nil {
		diag.Subject = nil
		d.add(diag)
	}
	if l.project.Tenant(x.Name) != nil {
		fail(fmt.Sprintf("Duplicate tenant %q", x.Name), "A tenant named %q is already defined in tenants/, so the tenant of %s needs another name.", x.Name, x.Origin)
	}
	t := &tenant{name: x.Name, defRange: hcl.Range{Filename: x.Origin}, host: l.project.Hosts[0].Name, labels: map[string]string{}}
	t.template = l.extraTemplate(x, fail)
	if x.Host != "" {
		if l.project.Host(x.Host) == nil {
			fail(fmt.Sprintf("Unknown host %q", x.Host), "%s", l.unknownHostDetail(x.Host))
		} else {
			t.host = x.Host
		}
	}
	for k, v := range x.Labels {
		if !labelKeyRE.MatchString(k) {
			fail("Invalid label key", "%q is not a valid label key. Label keys are 1 to 63 characters of lowercase letters, digits, \"_\", \".\" and \"-\", starting with a letter, e.g. tier or billing.plan.", k)
			continue
		}
		t.labels[k] = v
	}
	if t.template != nil {
		t.vars = extraVars(t, x, &d)
	}
	if d.diags.HasErrors() {
		return d.diags
	}

	e := l.newEvaluator(t)
	mt := e.evaluate()
	mt.Source, mt.Expires = x.Origin, x.Expires
	for _, diag := range e.diags {
		note := fmt.Sprintf("While evaluating template %q for tenant %q (%s).", t.template.name, t.name, x.Origin)
		if diag.Detail != "" {
			note = "\n\n" + note
		}
		diag.Detail += note
		d.add(diag)
	}
	if d.diags.HasErrors() {
		return d.diags
	}
	l.project.Tenants = append(l.project.Tenants, mt)
	sort.Slice(l.project.Tenants, func(i, j int) bool { return l.project.Tenants[i].Name < l.project.Tenants[j].Name })
	return d.diags
}

// extraTemplate resolves the extra tenant's template, or reports why not.
func (l *loader) extraTemplate(x Extra, fail func(summary, format string, args ...any)) *template {
	if x.Template != "" {
		tpl := l.templates[x.Template]
		if tpl == nil {
			fail(fmt.Sprintf("Unknown template %q", x.Template), "%s", l.unknownTemplateDetail(x.Template))
		}
		return tpl
	}
	switch len(l.templateOrder) {
	case 0:
		fail("No template", "The tenant of %s needs a template, and templates/*.hcl defines none. Add one, e.g. templates/saas.hcl with template \"saas\" { ... }.", x.Origin)
	case 1:
		return l.templateOrder[0]
	default:
		var names []string
		for _, tpl := range l.templateOrder {
			names = append(names, tpl.name)
		}
		fail("Which template?", "The project has several templates (%s), so the tenant of %s must name one.", quotedList(names), x.Origin)
	}
	return nil
}

// extraVars converts the extra tenant's variable texts to the template's
// variable types and fills in the defaults.
func extraVars(t *tenant, x Extra, d *diagList) map[string]cty.Value {
	tpl := t.template
	vars := map[string]cty.Value{}
	keys := make([]string, 0, len(x.Vars))
	for k := range x.Vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := tpl.varIndex[k]
		if v == nil {
			d.add(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: fmt.Sprintf("Unknown variable %q", k), Detail: unknownVariableDetail(tpl, k)})
			continue
		}
		if cv, ok := extraValue(v, x.Vars[k], d); ok {
			vars[k] = cv
		}
	}
	for _, v := range tpl.variables {
		if _, ok := vars[v.name]; ok {
			continue
		}
		if !v.required {
			vars[v.name] = v.def
			continue
		}
		if _, given := x.Vars[v.name]; !given {
			d.add(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: fmt.Sprintf("Missing variable %q", v.name),
				Detail: fmt.Sprintf("Template %q requires variable %q (it has no default), so the tenant of %s must be given a value for it%s. The variable is declared at %s.", tpl.name, v.name, x.Origin, x.varHint(v.name), v.nameRange)})
		}
		vars[v.name] = cty.NullVal(v.typ)
	}
	return vars
}

// extraValue converts the text of variable v (see Extra.Vars).
func extraValue(v *variable, text string, d *diagList) (cty.Value, bool) {
	if v.typ == cty.String {
		return cty.StringVal(text), true
	}
	val := cty.StringVal(text)
	if expr, diags := hclsyntax.ParseExpression([]byte(text), "", hcl.InitialPos); !diags.HasErrors() {
		if ev, diags := expr.Value(staticScope().ctx); !diags.HasErrors() {
			val = ev
		}
	}
	s := staticScope()
	cv, ok := s.variableValue(v, val, hcl.Range{}, "The value of")
	for _, diag := range s.diags {
		diag.Subject = nil
		diag.Detail += fmt.Sprintf(" It was given as %q; write a value of type %s.", text, typeexpr.TypeString(v.typ))
	}
	d.extend(s.diags)
	return cv, ok
}

// varHint tells how to set a variable on the command line, if known.
func (x Extra) varHint(name string) string {
	if x.VarFlag == "" {
		return ""
	}
	return fmt.Sprintf(": pass %s %s=VALUE", x.VarFlag, name)
}
