package config

import (
	"fmt"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// tenant is a decoded tenant block with its static attributes evaluated.
type tenant struct {
	name      string
	nameRange hcl.Range
	defRange  hcl.Range
	// template is nil when the block names no known template.
	template *template
	// vars holds every variable of the template: the tenant's value or
	// the default.
	vars    map[string]cty.Value
	labels  map[string]string
	protect bool
	host    string
	// pinned is set when the block names its host; placement holds the
	// labels of its placement block.
	pinned    bool
	placement map[string]string
	// domains are the tenant's own host names, written at domainsRange.
	domains      []string
	domainsRange hcl.Range
}

// source is the tenant's "file:line", for messages.
func (t *tenant) source() string {
	return fmt.Sprintf("%s:%d", t.defRange.Filename, t.defRange.Start.Line)
}

// decodeDeclarations is the third phase: the structure of templates and
// tenants and the static tenant attributes.
func (l *loader) decodeDeclarations() hcl.Diagnostics {
	s := staticScope()
	l.decodeTemplates(s)
	l.decodeTenants(s)
	l.checkDomains(s)
	if !s.diags.HasErrors() {
		for _, t := range l.templateOrder {
			if !t.used {
				s.add(warningAt(t.nameRange, fmt.Sprintf("Unused template %q", t.name),
					fmt.Sprintf("No tenant uses template %q, so its expressions are not evaluated or checked. Add a tenant with template = %q, or remove the template.", t.name, t.name)))
			}
		}
	}
	return s.diags
}

// decodeTenants decodes every tenants/*.hcl file into l.tenants, sorted by
// name.
func (l *loader) decodeTenants(s *scope) {
	seen := nameSet{}
	for _, name := range l.tenantFiles {
		content, diags := l.body(name).Content(tenantFileSchema)
		s.extend(withPlacementHints(diags))
		for _, b := range content.Blocks {
			t := l.decodeTenant(s, b)
			if d := seen.add("tenant", t.name, t.nameRange); d != nil {
				s.add(d)
				continue
			}
			l.tenants = append(l.tenants, t)
		}
	}
	sort.Slice(l.tenants, func(i, j int) bool { return l.tenants[i].name < l.tenants[j].name })
}

// decodeTenant decodes one tenant block.
func (l *loader) decodeTenant(s *scope, b *hcl.Block) *tenant {
	t := &tenant{name: b.Labels[0], nameRange: b.LabelRanges[0], defRange: b.DefRange, host: l.project.Hosts[0].Name}
	s.add(checkName("tenant", t.name, t.nameRange))
	content, diags := b.Body.Content(tenantSchema)
	s.extend(diags)
	attrs := content.Attributes

	if name, r := s.str(attrs, "template", ""); r != nil {
		t.template = l.templates[name]
		if t.template == nil {
			s.errorf(*r, fmt.Sprintf("Unknown template %q", name), "%s", l.unknownTemplateDetail(name))
		} else {
			t.template.used = true
		}
	}
	if name, r := s.str(attrs, "host", ""); r != nil {
		if l.project.Host(name) == nil {
			s.errorf(*r, fmt.Sprintf("Unknown host %q", name), "%s", l.unknownHostDetail(name))
		} else {
			t.host = name
			t.pinned = true
		}
	}
	if labels, r := s.decodePlacement(content.Blocks); r != nil {
		t.placement = labels
		if attr := attrs["host"]; attr != nil {
			s.errorf(*r, "Both host and placement", "%s", placementConflict(t.host))
		}
	}
	t.protect, _ = s.boolean(attrs, "protect", false)
	if domains, r := s.strList(attrs, "domains"); r != nil {
		t.domains, t.domainsRange = domains, *r
	}
	t.labels = s.labels(attrs["labels"])
	if t.template != nil {
		t.vars = s.tenantVars(t, attrs["vars"])
	}
	return t
}

func (l *loader) unknownTemplateDetail(name string) string {
	var known []string
	for _, t := range l.templateOrder {
		known = append(known, t.name)
	}
	detail := fmt.Sprintf("No template named %q is defined in templates/*.hcl.", name)
	switch {
	case didYouMean(name, known) != "":
		return detail + didYouMean(name, known)
	case len(known) == 0:
		return detail + ` Add one, e.g. templates/` + safeFileName(name) + `.hcl with template "` + name + `" { ... }.`
	}
	return detail + fmt.Sprintf(" The templates are %s.", quotedList(known))
}

func (l *loader) unknownHostDetail(name string) string {
	var known []string
	for _, h := range l.project.Hosts {
		known = append(known, h.Name)
	}
	detail := fmt.Sprintf("tenantctl.hcl declares no host %q.", name)
	if hint := didYouMean(name, known); hint != "" {
		return detail + hint
	}
	return detail + fmt.Sprintf(" Add a host block for it to tenantctl.hcl, or use one of %s.", quotedList(known))
}

// safeFileName returns name if it makes a plain file name, else "NAME".
func safeFileName(name string) string {
	if nameRE.MatchString(name) {
		return name
	}
	return "NAME"
}

// labels decodes a tenant's labels attribute.
func (s *scope) labels(attr *hcl.Attribute) map[string]string {
	out := map[string]string{}
	entries, _ := s.entries(attr)
	for _, e := range entries {
		if !labelKeyRE.MatchString(e.key) {
			s.errorf(e.keyRange, "Invalid label key", "%q is not a valid label key. Label keys are 1 to 63 characters of lowercase letters, digits, \"_\", \".\" and \"-\", starting with a letter, e.g. tier or billing.plan.", e.key)
			continue
		}
		if v, ok := s.convert(e.value, e.valueRange, fmt.Sprintf("label %q", e.key), cty.String); ok {
			out[e.key] = v.AsString()
		}
	}
	return out
}

// tenantVars decodes a tenant's vars against its template's variables and
// fills in the defaults.
func (s *scope) tenantVars(t *tenant, attr *hcl.Attribute) map[string]cty.Value {
	tpl := t.template
	vars := map[string]cty.Value{}
	entries, _ := s.entries(attr)
	for _, e := range entries {
		v := tpl.varIndex[e.key]
		if v == nil {
			s.errorf(e.keyRange, fmt.Sprintf("Unknown variable %q", e.key), "%s", unknownVariableDetail(tpl, e.key))
			continue
		}
		if e.value.IsNull() {
			continue // null means "use the default"
		}
		if cv, ok := s.variableValue(v, e.value, e.valueRange, "The value of"); ok {
			vars[v.name] = cv
		} else {
			vars[v.name] = cty.NullVal(v.typ)
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
		r := t.defRange
		if attr != nil {
			r = attr.Expr.Range()
		}
		s.errorf(r, fmt.Sprintf("Missing variable %q", v.name),
			"Template %q requires variable %q (it has no default), so tenant %q must set it, e.g. vars = { %s = ... }. The variable is declared at %s.",
			tpl.name, v.name, t.name, v.name, v.nameRange)
		vars[v.name] = cty.NullVal(v.typ)
	}
	return vars
}

func unknownVariableDetail(tpl *template, name string) string {
	known := tpl.variableNames()
	detail := fmt.Sprintf("Template %q has no variable %q.", tpl.name, name)
	switch {
	case didYouMean(name, known) != "":
		return detail + didYouMean(name, known)
	case len(known) == 0:
		return detail + " It declares no variables: remove vars, or declare the variable in the template."
	}
	return detail + fmt.Sprintf(" It declares %s.", quotedList(known))
}
