package config

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/tenantctl/tenantctl/provisioner/model"
)

// Defaults of the edge block.
const (
	defaultEdgeHTTPPort  = 8080
	defaultEdgeHTTPSPort = 8443
)

var (
	edgeSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{
			{Name: "domain", Required: true}, {Name: "http_port"}, {Name: "https_port"},
			{Name: "host_ip"}, {Name: "tls"}, {Name: "hsts"},
		},
		Blocks: []hcl.BlockHeaderSchema{{Type: "acme"}, {Type: "certificate"}},
	}
	edgeACMESchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "directory"}, {Name: "email"}, {Name: "ca_file"},
	}}
	edgeCertificateSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "cert_file", Required: true}, {Name: "key_file", Required: true},
	}}
)

// dnsLabelRE is one label of a DNS name, lower case.
var dnsLabelRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// validDNSName reports whether name is a lower-case DNS name of at least
// two labels, without a trailing dot, such as "tenants.example.com".
func validDNSName(name string) bool {
	labels := strings.Split(name, ".")
	if len(name) > 253 || len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if !dnsLabelRE.MatchString(l) {
			return false
		}
	}
	return true
}

// decodeEdge decodes the edge block b of tenantctl.hcl.
func (s *scope) decodeEdge(b *hcl.Block, dir string) *model.Edge {
	content, diags := b.Body.Content(edgeSchema)
	s.extend(diags)
	attrs := content.Attributes
	e := &model.Edge{HTTPPort: defaultEdgeHTTPPort, HTTPSPort: defaultEdgeHTTPSPort, HostIP: "0.0.0.0", TLS: model.TLSLocalCA}

	if domain, r := s.str(attrs, "domain", ""); r != nil {
		if !validDNSName(domain) {
			s.errorf(*r, "Invalid edge domain", "%q is not a DNS name. Write the lower-case name tenants are served under, e.g. \"tenants.example.com\" (a tenant acme is then https://acme.tenants.example.com/) or \"tenants.localhost\" on a workstation.", domain)
		}
		e.Domain = domain
	}
	var httpRange, httpsRange *hcl.Range
	e.HTTPPort, httpRange = s.integer(attrs, "http_port", defaultEdgeHTTPPort, 1, 65535)
	e.HTTPSPort, httpsRange = s.integer(attrs, "https_port", defaultEdgeHTTPSPort, 1, 65535)
	if e.HTTPPort == e.HTTPSPort {
		r := b.DefRange
		if httpsRange != nil {
			r = *httpsRange
		} else if httpRange != nil {
			r = *httpRange
		}
		s.errorf(r, "Same edge ports", "http_port and https_port are both %d: give the proxy two different host ports, e.g. 80 and 443.", e.HTTPPort)
	}
	if ip, r := s.str(attrs, "host_ip", ""); r != nil {
		if addr, ok := parseHostIP(ip); !ok {
			s.errorf(*r, "Invalid host_ip", "%q is not an IP address. Write e.g. \"127.0.0.1\" to serve on the host's loopback only, or leave host_ip out to serve on all addresses.", ip)
		} else {
			e.HostIP = addr
		}
	}
	mode, modeRange := s.str(attrs, "tls", model.TLSLocalCA)
	switch mode {
	case model.TLSLocalCA, model.TLSACME, model.TLSFiles:
		e.TLS = mode
	default:
		s.errorf(*modeRange, "Invalid tls", "tls must be %q (a per-project local CA, for development), %q (certificates from Let's Encrypt or another ACME CA) or %q (certificate blocks), not %q.", model.TLSLocalCA, model.TLSACME, model.TLSFiles, mode)
	}
	e.HSTS = s.duration(attrs, "hsts", 0, true)

	for _, blk := range content.Blocks {
		switch blk.Type {
		case "acme":
			if e.TLS != model.TLSACME {
				s.errorf(blk.DefRange, "acme block without tls = \"acme\"", "The acme block configures ACME certificates, but tls is %q. Set tls = \"acme\", or remove the block.", e.TLS)
			}
			c, d := blk.Body.Content(edgeACMESchema)
			s.extend(d)
			e.ACME.Directory, _ = s.str(c.Attributes, "directory", "")
			if r := c.Attributes["directory"]; r != nil && !strings.HasPrefix(e.ACME.Directory, "https://") {
				s.errorf(r.Expr.Range(), "Invalid ACME directory", "%q is not an https URL. Write the CA's ACME directory, e.g. \"https://acme-v02.api.letsencrypt.org/directory\", or leave it out for Let's Encrypt.", e.ACME.Directory)
			}
			e.ACME.Email, _ = s.str(c.Attributes, "email", "")
			if f, r := s.str(c.Attributes, "ca_file", ""); r != nil {
				e.ACME.CAFile = absPath(dir, f)
			}
		case "certificate":
			if e.TLS != model.TLSFiles {
				s.errorf(blk.DefRange, "certificate block without tls = \"files\"", "A certificate block gives the proxy a certificate file, but tls is %q. Set tls = \"files\", or remove the block.", e.TLS)
			}
			c, d := blk.Body.Content(edgeCertificateSchema)
			s.extend(d)
			cert, _ := s.str(c.Attributes, "cert_file", "")
			key, _ := s.str(c.Attributes, "key_file", "")
			e.Certificates = append(e.Certificates, model.EdgeCertificate{CertFile: absPath(dir, cert), KeyFile: absPath(dir, key)})
		}
	}
	if e.TLS == model.TLSFiles && len(e.Certificates) == 0 {
		s.errorf(*modeRange, "No certificate", "tls = \"files\" needs at least one certificate { cert_file = \"...\"  key_file = \"...\" } block, e.g. a wildcard certificate for *.%s.", e.Domain)
	}
	return e
}

// absPath resolves a path written in tenantctl.hcl against the project
// directory.
func absPath(dir, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// checkDomains checks the tenants' own domains: DNS names, none twice,
// none another tenant's <tenant>.<edge domain>, and only with an edge.
func (l *loader) checkDomains(s *scope) {
	edge := l.project.Edge
	owner := map[string]*tenant{}
	if edge != nil {
		for _, t := range l.tenants {
			owner[t.name+"."+edge.Domain] = t
		}
	}
	for _, t := range l.tenants {
		if len(t.domains) == 0 {
			continue
		}
		if edge == nil {
			s.add(warningAt(t.domainsRange, "Domains without an edge",
				fmt.Sprintf("Tenant %q lists domains, but tenantctl.hcl has no edge block, so nothing serves them. Add edge { domain = \"...\" } to tenantctl.hcl.", t.name)))
			continue
		}
		for _, d := range t.domains {
			if !validDNSName(d) {
				s.errorf(t.domainsRange, "Invalid domain", "%q is not a DNS name. Write lower-case host names such as \"app.customer.com\", without scheme or port.", d)
				continue
			}
			if prev := owner[d]; prev != nil && prev != t {
				s.errorf(t.domainsRange, fmt.Sprintf("Duplicate domain %q", d), "Tenant %q lists %q, but it is already tenant %q's (%s). A host name can reach one tenant only.", t.name, d, prev.name, prev.source())
				continue
			}
			owner[d] = t
		}
	}
}

// parseHostIP parses an IP address to bind on, without a zone.
func parseHostIP(ip string) (string, bool) {
	addr, err := netip.ParseAddr(ip)
	if err != nil || addr.Zone() != "" {
		return "", false
	}
	return addr.String(), true
}

// publicPort checks a port { public = true } of service sd, written at r:
// one per template, a TCP port of a service the proxy can reach.
func (e *evaluator) publicPort(sd *service, p model.Port, r hcl.Range) {
	internal, _ := e.boolean(sd.attrs, "internal", false)
	switch {
	case e.public != nil:
		e.errorf(r, "Second public port", "A template has at most one public port: the edge proxy routes each tenant's host names to one service port. The first is at %s; set public = false on one of them.", *e.public)
	case internal:
		e.errorf(r, "Public port of an internal service", "Service %q is internal, so the edge proxy cannot reach it. Mark a port of a service that is not internal as public.", sd.name)
	case p.Protocol != "tcp":
		e.errorf(r, "Public UDP port", "The edge proxy serves HTTP: a public port must be a tcp port of an HTTP server, not %s.", p.Protocol)
	default:
		e.public = &r
	}
}
