package config

import (
	"fmt"
	"math/big"
	"net/netip"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/tenantctl/tenantctl/provisioner/model"
)

// Defaults of the project block.
const (
	defaultNetworkPool = "10.210.0.0/16"
	defaultSubnetBits  = 27
	maxSubnetBits      = 29
	defaultFirstPort   = 20000
	defaultLastPort    = 29999
	defaultHostName    = "local"
)

var (
	rootSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: "project", LabelNames: []string{"name"}},
		{Type: "host", LabelNames: []string{"name"}},
		{Type: "edge"},
	}}
	projectSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "network_pool"}, {Name: "subnet_size"}, {Name: "port_range"},
	}}
	hostSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{{Name: "docker"}, {Name: "docker_socket"}, {Name: "pull"}, {Name: "capacity"}, {Name: "labels"}},
		Blocks:     []hcl.BlockHeaderSchema{{Type: "ssh"}},
	}
)

// staticScope evaluates expressions that may call functions but see no
// variables and cannot use secret(): tenantctl.hcl, variable defaults and the
// attributes of tenant blocks.
func staticScope() *scope {
	return &scope{ctx: &hcl.EvalContext{Functions: staticFunctions()}}
}

// decodeProject decodes tenantctl.hcl into l.project.
func (l *loader) decodeProject() hcl.Diagnostics {
	s := staticScope()
	content, diags := l.body(projectFile).Content(rootSchema)
	s.extend(withPlacementHints(diags))

	dir, err := filepath.Abs(l.dir)
	if err != nil {
		dir = l.dir
	}
	p := &model.Project{Dir: dir}
	var projectBlock, edgeBlock *hcl.Block
	hostNames := nameSet{}
	for _, b := range content.Blocks {
		switch b.Type {
		case "project":
			if projectBlock != nil {
				s.add(errorAt(b.DefRange, "Duplicate project block",
					fmt.Sprintf("tenantctl.hcl must have exactly one project block: remove this one. The previous definition was at %s.", projectBlock.DefRange)))
				continue
			}
			projectBlock = b
			s.decodeProjectBlock(b, p)
		case "edge":
			if edgeBlock != nil {
				s.add(errorAt(b.DefRange, "Duplicate edge block",
					fmt.Sprintf("tenantctl.hcl may have one edge block: remove this one. The previous definition was at %s.", edgeBlock.DefRange)))
				continue
			}
			edgeBlock = b
			p.Edge = s.decodeEdge(b, dir)
		case "host":
			name, r := b.Labels[0], b.LabelRanges[0]
			s.add(checkName("host", name, r))
			if d := hostNames.add("host", name, r); d != nil {
				s.add(d)
				continue
			}
			p.Hosts = append(p.Hosts, s.decodeHost(b))
		}
	}
	if projectBlock == nil && !diags.HasErrors() {
		s.add(errorAt(startOf(projectFile), "Missing project block",
			`tenantctl.hcl must declare the project, e.g. project "acme-saas" {}. Run `+"`tenantctl init`"+` to create a fresh project.`))
	}
	if len(p.Hosts) == 0 {
		p.Hosts = []model.Host{{Name: defaultHostName, Docker: DefaultDockerHost()}}
	}
	if e := p.Edge; e != nil && projectBlock != nil {
		for _, port := range []int{e.HTTPPort, e.HTTPSPort} {
			if port >= p.PortRange.First && port <= p.PortRange.Last {
				s.errorf(edgeBlock.DefRange, "Edge port in port_range", "The edge proxy publishes port %d, which is in the project's port_range [%d, %d] that tenants' host ports are allocated from. Give the edge ports outside it (e.g. 80 and 443, or 8080 and 8443).", port, p.PortRange.First, p.PortRange.Last)
				break
			}
		}
	}
	l.project = p
	return s.diags
}

// startOf is the empty range at the start of file name.
func startOf(name string) hcl.Range {
	pos := hcl.Pos{Line: 1, Column: 1}
	return hcl.Range{Filename: name, Start: pos, End: pos}
}

// decodeProjectBlock fills p from the project block b.
func (s *scope) decodeProjectBlock(b *hcl.Block, p *model.Project) {
	p.Name = b.Labels[0]
	s.add(checkName("project", p.Name, b.LabelRanges[0]))
	content, diags := b.Body.Content(projectSchema)
	s.extend(diags)
	attrs := content.Attributes

	p.NetworkPool = netip.MustParsePrefix(defaultNetworkPool)
	poolText, poolRange := s.str(attrs, "network_pool", defaultNetworkPool)
	if poolRange != nil {
		s.networkPool(poolText, *poolRange, p)
	}

	p.SubnetBits = defaultSubnetBits
	bits, bitsRange := s.integer(attrs, "subnet_size", defaultSubnetBits, 0, 128)
	lo := p.NetworkPool.Bits() + 1
	switch {
	case bitsRange != nil && (bits < lo || bits > maxSubnetBits):
		s.errorf(*bitsRange, "Invalid subnet_size", "subnet_size must be from %d (one more than the network pool's /%d) to %d, not %d. Each tenant gets a /subnet_size network, e.g. 27 gives 32 addresses.", lo, lo-1, maxSubnetBits, bits)
	case bitsRange == nil && poolRange != nil && lo > bits:
		s.errorf(*poolRange, "Network pool too small", "A /%d pool has no room for the /%d tenant subnets. Use a larger pool such as %q, or set subnet_size.", lo-1, bits, defaultNetworkPool)
	default:
		p.SubnetBits = bits
	}

	p.PortRange = model.PortRange{First: defaultFirstPort, Last: defaultLastPort}
	if attr := attrs["port_range"]; attr != nil {
		s.portRange(attr, &p.PortRange)
	}
}

// networkPool parses the network_pool text written at r into p.
func (s *scope) networkPool(text string, r hcl.Range, p *model.Project) {
	const hint = `Write an IPv4 network in CIDR notation, e.g. "10.210.0.0/16".`
	pool, err := netip.ParsePrefix(strings.TrimSpace(text))
	switch {
	case err != nil || !pool.Addr().Is4():
		s.errorf(r, "Invalid network_pool", "%q is not an IPv4 network. %s", text, hint)
	case pool != pool.Masked():
		s.errorf(r, "Invalid network_pool", "%q has host bits set. Did you mean %q?", text, pool.Masked().String())
	case pool.Bits() > maxSubnetBits-1:
		s.errorf(r, "Network pool too small", "A /%d pool has no room for tenant subnets (at most /%d). %s", pool.Bits(), maxSubnetBits, hint)
	default:
		p.NetworkPool = pool
	}
}

// portRange decodes port_range = [first, last] into pr.
func (s *scope) portRange(attr *hcl.Attribute, pr *model.PortRange) {
	r := attr.Expr.Range()
	v, ok := s.value(attr, cty.List(cty.Number))
	if !ok {
		return
	}
	var ports []int
	for it := v.ElementIterator(); it.Next(); {
		_, ev := it.Element()
		n, acc := ev.AsBigFloat().Int64()
		if !ev.AsBigFloat().IsInt() || acc != big.Exact || n < 1024 || n > 65535 {
			ports = nil
			break
		}
		ports = append(ports, int(n))
	}
	if len(ports) != 2 || ports[0] > ports[1] {
		s.errorf(r, "Invalid port_range", "port_range must be two whole numbers [first, last] with 1024 <= first <= last <= 65535, e.g. [%d, %d]. Host ports are allocated from this range.", defaultFirstPort, defaultLastPort)
		return
	}
	*pr = model.PortRange{First: ports[0], Last: ports[1]}
}

// dockerSchemes are the address schemes the Docker client understands.
var dockerSchemes = []string{"unix", "tcp", "ssh", "npipe"}

// decodeHost decodes a host block.
func (s *scope) decodeHost(b *hcl.Block) model.Host {
	h := model.Host{Name: b.Labels[0]}
	content, diags := b.Body.Content(hostSchema)
	s.extend(diags)
	s.decodeHostPlacement(content, &h)
	if s.decodeHostSSH(content, &h) {
		return h
	}
	addr, r := s.str(content.Attributes, "docker", "")
	if r == nil {
		h.Docker = DefaultDockerHost()
		return h
	}
	scheme, rest, found := strings.Cut(addr, "://")
	valid := false
	for _, known := range dockerSchemes {
		valid = valid || scheme == known
	}
	if !found || !valid || rest == "" {
		s.errorf(*r, "Invalid Docker address", "%q is not a Docker engine address. Write e.g. \"unix:///var/run/docker.sock\", \"tcp://10.0.0.5:2376\" or \"ssh://deploy@host\".", addr)
	}
	h.Docker = addr
	return h
}
