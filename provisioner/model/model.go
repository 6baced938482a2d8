// Package model holds the desired state of a project as loaded from HCL:
// the project, its hosts and every tenant with its template already
// evaluated into concrete services. It is plain data: no I/O, no HCL types,
// so the planner and the executor can use it without knowing about files.
package model

import (
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/hostaddr"
)

// Project is everything a project directory declares.
type Project struct {
	Name string
	// Dir is the project directory the configuration was loaded from.
	Dir   string
	Hosts []Host
	// NetworkPool is the address range tenant subnets are carved from.
	NetworkPool netip.Prefix
	// SubnetBits is the prefix length of each tenant network (e.g. 27).
	SubnetBits int
	// PortRange is the inclusive range host ports are allocated from.
	PortRange PortRange
	// Tenants are sorted by name.
	Tenants []Tenant
	// Edge is the project's edge proxy (the edge block), or nil: then
	// tenants are reached at their published host ports only.
	Edge *Edge
}

// TLS modes of the edge proxy: where its certificates come from.
const (
	TLSLocalCA = "local-ca"
	TLSACME    = "acme"
	TLSFiles   = "files"
)

// Edge is the edge proxy every host with tenants runs: it serves each
// tenant at <tenant>.<Domain> and its own domains, by Host and SNI.
type Edge struct {
	// Domain is the DNS name tenants are served under.
	Domain string
	// HTTPPort and HTTPSPort are published on every host with tenants.
	HTTPPort, HTTPSPort int
	// HostIP is the address they are published on ("0.0.0.0" by default).
	HostIP string
	// TLS is TLSLocalCA, TLSACME or TLSFiles.
	TLS string
	// HSTS is the Strict-Transport-Security max-age; 0 sends none.
	HSTS time.Duration
	// ACME configures TLSACME.
	ACME EdgeACME
	// Certificates are the key pairs of TLSFiles (paths absolute).
	Certificates []EdgeCertificate
}

// EdgeACME is the ACME account of the edge proxy.
type EdgeACME struct {
	// Directory is the ACME directory URL; "" for Let's Encrypt.
	Directory string
	Email     string
	// CAFile is a PEM file trusted for the ACME server's own TLS.
	CAFile string
}

// EdgeCertificate is a certificate file and its key file.
type EdgeCertificate struct {
	CertFile, KeyFile string
}

// Hosts returns the host names the edge serves tenant t at: its
// <tenant>.<domain> first, then its own domains.
func (e *Edge) Hosts(t *Tenant) []string {
	return append([]string{t.Name + "." + e.Domain}, t.Domains...)
}

// URL is the address tenant t is served at through the edge, e.g.
// "https://acme.tenants.example.com/" or, on another port than 443,
// "https://acme.tenants.localhost:8443/".
func (e *Edge) URL(t *Tenant) string {
	host := t.Name + "." + e.Domain
	if e.HTTPSPort != 443 {
		host += ":" + strconv.Itoa(e.HTTPSPort)
	}
	return "https://" + host + "/"
}

// PublicPort returns the tenant's public service and port (port { public
// = true }), or ok=false when its template has none.
func (t *Tenant) PublicPort() (svc *Service, port *Port, ok bool) {
	for i := range t.Services {
		s := &t.Services[i]
		for j := range s.Ports {
			if s.Ports[j].Public {
				return s, &s.Ports[j], true
			}
		}
	}
	return nil, nil, false
}

// Host is a Docker engine tenants can live on.
type Host struct {
	Name string
	// Docker is the engine address, e.g. unix:///var/run/docker.sock.
	// Empty for an SSH host.
	Docker string
	// SSH, when set, reaches the host's engine through an SSH connection
	// to DockerSocket on that host.
	SSH *SSH
	// DockerSocket is the engine's unix socket on an SSH host.
	DockerSocket string
	// Pull lets an SSH host pull the images it needs from their registry
	// before the local engine's are copied to it. Without it, only images
	// pinned by digest (name@sha256:…) are ever pulled.
	Pull bool
	// Capacity is how many tenants automatic placement puts on the host;
	// 0 means no limit. Pinned tenants are not refused by it.
	Capacity int
	// Labels are matched by tenants' placement constraints.
	Labels map[string]string
}

// URLHost is the address people reach a port published on the host at,
// given the address it is bound to: a specific bind address as it is;
// otherwise the SSH address's host for a remote host and the loopback
// address (see hostaddr.Dial) for a local one.
func (h *Host) URLHost(bindIP string) string {
	if !hostaddr.Wildcard(bindIP) {
		return bindIP
	}
	if h != nil && h.SSH != nil {
		if host, _, err := net.SplitHostPort(h.SSH.Address); err == nil {
			return host
		}
		return h.SSH.Address
	}
	return hostaddr.Dial(bindIP)
}

// URL is the URL people open for a port published on the host on bindIP
// and port, e.g. "http://203.0.113.10:20001/" or "http://[::1]:20001/".
func (h *Host) URL(bindIP string, port int) string {
	return hostaddr.URL(h.URLHost(bindIP), port, "/")
}

// SSH says how to reach a remote host.
type SSH struct {
	// Address is host:port.
	Address string
	User    string
	// IdentityFile is a private key file ("" means ssh-agent only).
	IdentityFile string
	// KnownHostsFile verifies the host key (default ~/.ssh/known_hosts).
	KnownHostsFile string
	// ConnectTimeout and KeepAlive: 0 means the transport's defaults.
	ConnectTimeout time.Duration
	KeepAlive      time.Duration
}

// PortRange is an inclusive range of host ports.
type PortRange struct{ First, Last int }

// Tenant is one customer with its template evaluated.
type Tenant struct {
	Name     string
	Template string
	// Host names the host the tenant lives on: the pinned host, else the
	// first host until placement (plan.Place) chooses one.
	Host string
	// HostPinned is true when the tenant file names its host.
	HostPinned bool
	// PlacementLabels are the labels a host must have for automatic
	// placement to choose it (placement { labels = {...} }).
	PlacementLabels map[string]string
	Labels          map[string]string
	Protect         bool
	// Domains are the tenant's own host names (domains = [...]), served
	// by the edge proxy beside <tenant>.<edge domain>.
	Domains []string
	// Source is "file:line" of the tenant block, for messages.
	Source string
	// Services are in dependency order: every service comes after the
	// services it depends on; ties are broken by name.
	Services []Service
	Checks   []Check
	// Expires, when set, marks an ephemeral tenant (a smoke run) that
	// `tenantctl gc` may remove once the time has passed.
	Expires time.Time
}

// Service is one container of a tenant's stack.
type Service struct {
	Name string
	// Image is an image reference that must exist on the host.
	Image string
	// Command overrides the image's command when non-empty.
	Command []string
	// Env maps variable names to values; sensitive values come from secret().
	Env       map[string]Value
	Ports     []Port
	Volumes   []Volume
	Health    *Health
	DependsOn []string
	Resources Resources
	// CapAdd are the Linux capabilities added back to the empty set the
	// container starts with (names without CAP_, sorted).
	CapAdd []string
	// Internal keeps the service on the tenant's internal network only:
	// no published ports and no route out.
	Internal bool
}

// Value is a string that may be sensitive (derived from a secret).
// Sensitive values are never printed.
type Value struct {
	Text      string
	Sensitive bool
}

// String returns the text, or a placeholder for sensitive values, so that a
// Value printed by accident shows no secret.
func (v Value) String() string {
	if v.Sensitive {
		return "(sensitive)"
	}
	return v.Text
}

// Port is a container port published on the host.
type Port struct {
	Name      string
	Container int
	// Host is the fixed host port, or 0 to allocate one once per tenant.
	Host int
	// HostIP is the address to bind on the host ("0.0.0.0" by default).
	HostIP string
	// Protocol is "tcp" or "udp".
	Protocol string
	// Public marks the port the edge proxy routes the tenant's host
	// names to (at most one per template).
	Public bool
}

// Volume is a named persistent volume mounted into a service.
type Volume struct {
	Name     string
	Target   string
	ReadOnly bool
}

// Health says how to know that a service is ready. Exactly one of Command
// and HTTP is set.
type Health struct {
	// Command runs inside the container; exit 0 means healthy.
	Command []string
	// HTTP is a path probed over HTTP on the service's port named Port
	// (or its first port); a 2xx or 3xx answer means healthy.
	HTTP        string
	Port        string
	Interval    time.Duration
	Timeout     time.Duration
	Retries     int
	StartPeriod time.Duration
}

// Resources limit a service's container; zero means the engine default.
type Resources struct {
	MemoryBytes int64
	// NanoCPUs is CPUs × 1e9.
	NanoCPUs int64
	Pids     int64
}

// Check is a smoke test run against a healthy tenant.
type Check struct {
	Name string
	HTTP *HTTPCheck
	Exec *ExecCheck
}

// HTTPCheck requests a path on a service and checks the answer.
type HTTPCheck struct {
	Service      string
	Port         string
	Method       string
	Path         string
	Status       int
	BodyContains string
	BodyMatches  string
	Timeout      time.Duration
	Retries      int
	Interval     time.Duration
}

// ExecCheck runs a command in a service's container.
type ExecCheck struct {
	Service        string
	Command        []string
	ExitCode       int
	OutputContains string
	Timeout        time.Duration
}

// Tenant returns the tenant with the given name, or nil.
func (p *Project) Tenant(name string) *Tenant {
	for i := range p.Tenants {
		if p.Tenants[i].Name == name {
			return &p.Tenants[i]
		}
	}
	return nil
}

// Host returns the host with the given name, or nil.
func (p *Project) Host(name string) *Host {
	for i := range p.Hosts {
		if p.Hosts[i].Name == name {
			return &p.Hosts[i]
		}
	}
	return nil
}
