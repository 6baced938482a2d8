package config

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// template is a decoded template block. Its structure is checked once;
// the expressions inside services and checks are kept for evaluation per
// tenant.
type template struct {
	name      string
	nameRange hcl.Range
	variables []*variable
	varIndex  map[string]*variable
	// services are in file order, order in dependency order.
	services     []*service
	serviceIndex map[string]*service
	order        []*service
	checks       []*check
	used         bool
}

// variable is a declared template variable.
type variable struct {
	name      string
	nameRange hcl.Range
	typ       cty.Type
	// def is the default, converted to typ; meaningful unless required.
	def      cty.Value
	required bool
}

// service is a decoded service block.
type service struct {
	name      string
	nameRange hcl.Range
	attrs     hcl.Attributes
	dependsOn []dependency
	ports     []*block
	volumes   []*block
	health    *block
	resources *block
}

// dependency is one depends_on entry and where it was written.
type dependency struct {
	name string
	r    hcl.Range
}

// block is a decoded nested block: its label, if it has one, and its
// attributes.
type block struct {
	name      string
	nameRange hcl.Range
	defRange  hcl.Range
	attrs     hcl.Attributes
}

// check is a decoded check block; kind is "http" or "exec".
type check struct {
	name      string
	nameRange hcl.Range
	kind      string
	body      *block
}

// variableNames returns the names of t's variables in file order.
func (t *template) variableNames() []string {
	out := make([]string, len(t.variables))
	for i, v := range t.variables {
		out[i] = v.name
	}
	return out
}

// serviceNames returns the names of t's services in file order.
func (t *template) serviceNames() []string {
	out := make([]string, len(t.services))
	for i, s := range t.services {
		out[i] = s.name
	}
	return out
}

// decodeTemplates decodes every templates/*.hcl file into l.templates.
func (l *loader) decodeTemplates(s *scope) {
	for _, name := range l.templateFiles {
		content, diags := l.body(name).Content(templateFileSchema)
		s.extend(withPlacementHints(diags))
		for _, b := range content.Blocks {
			t := s.decodeTemplate(b)
			if prev, ok := l.templates[t.name]; ok {
				s.add(duplicate("template", t.name, prev.nameRange, t.nameRange))
				continue
			}
			l.templates[t.name] = t
			l.templateOrder = append(l.templateOrder, t)
		}
	}
}

// decodeTemplate decodes one template block.
func (s *scope) decodeTemplate(b *hcl.Block) *template {
	t := &template{
		name: b.Labels[0], nameRange: b.LabelRanges[0],
		varIndex: map[string]*variable{}, serviceIndex: map[string]*service{},
	}
	if strings.TrimSpace(t.name) == "" {
		s.errorf(t.nameRange, "Invalid template name", `A template needs a name for tenants to refer to, e.g. template "saas".`)
	}
	content, diags := b.Body.Content(templateSchema)
	s.extend(diags)
	checkNames := nameSet{}
	for _, nb := range content.Blocks {
		switch nb.Type {
		case "variable":
			v := s.decodeVariable(nb)
			if t.varIndex[v.name] != nil {
				s.add(duplicate("variable", v.name, t.varIndex[v.name].nameRange, v.nameRange))
				continue
			}
			t.varIndex[v.name] = v
			t.variables = append(t.variables, v)
		case "service":
			svc := s.decodeService(nb)
			if t.serviceIndex[svc.name] != nil {
				s.add(duplicate("service", svc.name, t.serviceIndex[svc.name].nameRange, svc.nameRange))
				continue
			}
			t.serviceIndex[svc.name] = svc
			t.services = append(t.services, svc)
		case "check":
			c := s.decodeCheck(nb)
			if d := checkNames.add("check", c.name, c.nameRange); d != nil {
				s.add(d)
				continue
			}
			t.checks = append(t.checks, c)
		}
	}
	s.checkDependencies(t)
	t.order = dependencyOrder(t.services)
	return t
}

// decodeVariable decodes a variable block; its type defaults to string.
func (s *scope) decodeVariable(b *hcl.Block) *variable {
	v := &variable{name: b.Labels[0], nameRange: b.LabelRanges[0], typ: cty.String, required: true}
	if !hclsyntax.ValidIdentifier(v.name) {
		s.errorf(v.nameRange, "Invalid variable name", "%q cannot be a variable name: templates refer to variables as var.NAME, so names are made of letters, digits, underscores and dashes and start with a letter, e.g. app_version.", v.name)
	}
	content, diags := b.Body.Content(variableSchema)
	s.extend(diags)
	attrs := content.Attributes
	if attr := attrs["type"]; attr != nil {
		ty, diags := typeexpr.TypeConstraint(attr.Expr)
		s.extend(diags)
		if !diags.HasErrors() {
			v.typ = ty
		}
	}
	if attr := attrs["default"]; attr != nil {
		v.required = false
		v.def = cty.NullVal(v.typ)
		if raw, ok := s.raw(attr); ok {
			if cv, ok := s.variableValue(v, raw, attr.Expr.Range(), "The default of"); ok {
				v.def = cv
			}
		}
	}
	s.str(attrs, "description", "")
	return v
}

// variableValue converts val, written at r, to v's type. what starts the
// message, e.g. "The default of".
func (s *scope) variableValue(v *variable, val cty.Value, r hcl.Range, what string) (cty.Value, bool) {
	if val.ContainsMarked() {
		s.add(errSecretOutsideEnv(r))
		return cty.NilVal, false
	}
	if !val.IsWhollyKnown() {
		s.errorf(r, "Unknown value", "%s variable %q cannot be determined while loading the configuration.", what, v.name)
		return cty.NilVal, false
	}
	cv, err := convert.Convert(val, v.typ)
	if err != nil {
		s.errorf(r, fmt.Sprintf("Invalid value for variable %q", v.name),
			"%s variable %q must be %s: %s. Change the value, or the variable's type.", what, v.name, typeexpr.TypeString(v.typ), err.Error())
		return cty.NilVal, false
	}
	return cv, true
}

// decodeService decodes a service block and the blocks inside it.
func (s *scope) decodeService(b *hcl.Block) *service {
	svc := &service{name: b.Labels[0], nameRange: b.LabelRanges[0]}
	s.add(checkName("service", svc.name, svc.nameRange))
	content, diags := b.Body.Content(serviceSchema)
	s.extend(diags)
	svc.attrs = content.Attributes
	ports, volumes := nameSet{}, nameSet{}
	for _, nb := range content.Blocks {
		switch nb.Type {
		case "port":
			p := s.decodeBlock(nb, portSchema)
			s.add(checkName("port", p.name, p.nameRange))
			if d := ports.add("port", p.name, p.nameRange); d != nil {
				s.add(d)
				continue
			}
			svc.ports = append(svc.ports, p)
		case "volume":
			v := s.decodeBlock(nb, volumeSchema)
			s.add(checkName("volume", v.name, v.nameRange))
			if d := volumes.add("volume", v.name, v.nameRange); d != nil {
				s.add(d)
				continue
			}
			svc.volumes = append(svc.volumes, v)
		case "health":
			svc.health = s.decodeSingle(nb, healthSchema, svc.health)
		case "resources":
			svc.resources = s.decodeSingle(nb, resourcesSchema, svc.resources)
		}
	}
	if svc.health != nil {
		s.checkHealthShape(svc.health)
	}
	svc.dependsOn = s.decodeDependsOn(svc.attrs["depends_on"])
	return svc
}

// decodeBlock decodes a nested block with schema.
func (s *scope) decodeBlock(b *hcl.Block, schema *hcl.BodySchema) *block {
	content, diags := b.Body.Content(schema)
	s.extend(diags)
	out := &block{defRange: b.DefRange, attrs: content.Attributes}
	if len(b.Labels) > 0 {
		out.name, out.nameRange = b.Labels[0], b.LabelRanges[0]
	}
	return out
}

// decodeSingle decodes a block that may appear at most once; prev is the
// one seen before, if any, and stays in place if so.
func (s *scope) decodeSingle(b *hcl.Block, schema *hcl.BodySchema, prev *block) *block {
	if prev != nil {
		s.add(errorAt(b.DefRange, fmt.Sprintf("Duplicate %s block", b.Type),
			fmt.Sprintf("A service has at most one %s block: merge the two. The previous definition was at %s.", b.Type, prev.defRange)))
		return prev
	}
	return s.decodeBlock(b, schema)
}

// checkHealthShape checks that a health block has exactly one probe.
func (s *scope) checkHealthShape(h *block) {
	command, http := h.attrs["command"], h.attrs["http"]
	switch {
	case command == nil && http == nil:
		s.errorf(h.defRange, "Missing health probe", `A health block needs exactly one of command, run inside the container (e.g. command = ["pg_isready"]), or http, a path to probe (e.g. http = "/healthz").`)
	case command != nil && http != nil:
		s.errorf(http.NameRange, "Conflicting health probes", "A health block takes either command or http, not both: remove one of them.")
	case command != nil && h.attrs["port"] != nil:
		s.errorf(h.attrs["port"].NameRange, "Unexpected health port", "port selects the port an http probe uses; a command probe runs inside the container and takes no port. Remove port, or probe with http.")
	}
}

// decodeDependsOn reads depends_on, which must be known without any
// tenant: a list of service names.
func (s *scope) decodeDependsOn(attr *hcl.Attribute) []dependency {
	if attr == nil {
		return nil
	}
	var out []dependency
	seen := map[string]bool{}
	addDep := func(name string, r hcl.Range) {
		if !seen[name] {
			seen[name] = true
			out = append(out, dependency{name: name, r: r})
		}
	}
	exprs, diags := hcl.ExprList(attr.Expr)
	if diags.HasErrors() {
		names, r := s.strList(hcl.Attributes{attr.Name: attr}, attr.Name)
		for _, n := range names {
			addDep(n, *r)
		}
		return out
	}
	for _, expr := range exprs {
		r := expr.Range()
		if trav, d := hcl.AbsTraversalForExpr(expr); !d.HasErrors() && len(trav) == 1 {
			s.errorf(r, "Invalid depends_on entry", "Service names in depends_on are quoted strings: write %q instead of %s.", trav.RootName(), trav.RootName())
			continue
		}
		v, diags := expr.Value(s.ctx)
		s.extend(diags)
		if diags.HasErrors() {
			continue
		}
		sv, ok := s.convert(v, r, "depends_on entry", cty.String)
		if !ok {
			if v.IsNull() {
				s.errorf(r, "Invalid depends_on entry", `depends_on lists service names, e.g. depends_on = ["db"]; null is not one.`)
			}
			continue
		}
		addDep(sv.AsString(), r)
	}
	return out
}

// decodeCheck decodes a check block, which holds exactly one http or exec
// block.
func (s *scope) decodeCheck(b *hcl.Block) *check {
	c := &check{name: b.Labels[0], nameRange: b.LabelRanges[0]}
	if strings.TrimSpace(c.name) == "" {
		s.errorf(c.nameRange, "Invalid check name", `A check needs a name to show in reports, e.g. check "home page".`)
	}
	content, diags := b.Body.Content(checkSchema)
	s.extend(diags)
	for _, nb := range content.Blocks {
		if c.body != nil {
			s.errorf(nb.DefRange, "Conflicting check probes", "A check runs exactly one probe, and this one already has %s { ... } at %s: put this %s block in a check of its own.", c.kind, c.body.defRange, nb.Type)
			continue
		}
		schema := httpCheckSchema
		if nb.Type == "exec" {
			schema = execCheckSchema
		}
		c.kind = nb.Type
		c.body = s.decodeBlock(nb, schema)
	}
	if c.body == nil && !diags.HasErrors() {
		s.errorf(b.DefRange, "Missing check probe", `A check needs exactly one http { ... } block (request a path) or exec { ... } block (run a command in a service).`)
	}
	return c
}
