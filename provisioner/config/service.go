package config

import (
	"fmt"
	"math"
	"net/netip"
	"path"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/tenantctl/tenantctl/provisioner/model"
)

// Health defaults.
const (
	defaultHealthInterval = 2 * time.Second
	defaultHealthTimeout  = 3 * time.Second
	defaultHealthRetries  = 30
)

// service evaluates one service for the tenant.
func (e *evaluator) service(sd *service) model.Service {
	svc := model.Service{Name: sd.name}
	attrs := sd.attrs

	n := len(e.diags)
	image, r := e.str(attrs, "image", "")
	e.requireSet(attrs, "image", r, n)
	if r != nil {
		switch {
		case strings.TrimSpace(image) == "":
			e.errorf(*r, "Empty image", `image must name a Docker image, e.g. "postgres:16" or "registry.example.com/team/app:1.2".`)
		case strings.ContainsAny(image, " \t\r\n"):
			e.errorf(*r, "Invalid image", "%q contains whitespace, which no image reference has. Write e.g. \"postgres:16\".", image)
		}
	}
	svc.Image = image

	if cmd, _ := e.strList(attrs, "command"); len(cmd) > 0 {
		svc.Command = cmd
	}
	svc.Env = e.env(attrs["env"])
	svc.CapAdd = e.capabilities(attrs)
	svc.Internal, _ = e.boolean(attrs, "internal", false)
	for _, dep := range sd.dependsOn {
		svc.DependsOn = append(svc.DependsOn, dep.name)
	}

	for _, pb := range sd.ports {
		svc.Ports = append(svc.Ports, e.port(sd, pb))
	}
	if svc.Internal && len(sd.ports) > 0 {
		e.errorf(sd.ports[0].defRange, "Internal service with ports",
			"Service %q is internal: it lives only on the tenant's internal network, so it cannot publish ports. Remove its port blocks (other services of the tenant reach it by name), or set internal = false.", sd.name)
	}

	targets := nameSet{}
	for _, vb := range sd.volumes {
		v, r := e.volume(vb)
		if r != nil {
			if d := targets.add("volume target", v.Target, *r); d != nil {
				d.Summary = fmt.Sprintf("Duplicate volume target %q", v.Target)
				d.Detail = fmt.Sprintf("Two volumes of service %q are mounted at %q: mount each at its own directory. The previous definition was at %s.", sd.name, v.Target, targets[v.Target])
				e.add(d)
			}
		}
		svc.Volumes = append(svc.Volumes, v)
	}
	if sd.health != nil {
		svc.Health = e.health(sd.health, &svc)
	}
	if sd.resources != nil {
		svc.Resources = e.resources(sd.resources)
	}
	svc.Resources = withDefaultLimits(svc.Resources)
	return svc
}

// Default limits: no container runs unbounded, so one tenant cannot starve
// the host. A template sets its own in a resources block.
const (
	defaultMemory   = 512 << 20 // bytes
	defaultNanoCPUs = 1e9       // one CPU
	defaultPids     = 512
)

// withDefaultLimits fills the limits a template left unset (or 0).
func withDefaultLimits(r model.Resources) model.Resources {
	if r.MemoryBytes == 0 {
		r.MemoryBytes = defaultMemory
	}
	if r.NanoCPUs == 0 {
		r.NanoCPUs = defaultNanoCPUs
	}
	if r.Pids == 0 {
		r.Pids = defaultPids
	}
	return r
}

// env evaluates a service's env. It is the one place sensitive values are
// accepted: a value derived from secret() becomes a sensitive model.Value.
// A null value leaves the variable out.
func (e *evaluator) env(attr *hcl.Attribute) map[string]model.Value {
	out := map[string]model.Value{}
	entries, _ := e.entries(attr)
	for _, en := range entries {
		if en.key == "" || strings.ContainsAny(en.key, "=\x00") {
			e.errorf(en.keyRange, "Invalid environment variable name", "%q cannot be an environment variable name: names must be non-empty and contain no \"=\". Write e.g. DATABASE_URL.", en.key)
			continue
		}
		v, marks := en.value.UnmarkDeep()
		if !v.IsWhollyKnown() {
			e.errorf(en.valueRange, "Unknown value", "The value of env %q cannot be determined while loading the configuration.", en.key)
			continue
		}
		if v.IsNull() {
			continue
		}
		sv, err := convert.Convert(v, cty.String)
		if err != nil {
			e.errorf(en.valueRange, "Incorrect attribute value type", "Inappropriate value for env %q: %s. Environment values are strings; use jsonencode(...) for structured values.", en.key, err.Error())
			continue
		}
		out[en.key] = model.Value{Text: sv.AsString(), Sensitive: len(marks) > 0}
	}
	return out
}

// port evaluates a port block of service sd.
func (e *evaluator) port(sd *service, pb *block) model.Port {
	p := model.Port{Name: pb.name, HostIP: "0.0.0.0", Protocol: "tcp"}
	n := len(e.diags)
	var r *hcl.Range
	p.Container, r = e.integer(pb.attrs, "container", 0, 1, 65535)
	e.requireSet(pb.attrs, "container", r, n)
	host, hostRange := e.integer(pb.attrs, "host", 0, 0, 65535)
	p.Host = host
	if ip, r := e.str(pb.attrs, "host_ip", ""); r != nil {
		if addr, err := netip.ParseAddr(ip); err != nil || addr.Zone() != "" {
			e.errorf(*r, "Invalid host_ip", "%q is not an IP address. Write e.g. \"127.0.0.1\" to publish on the host's loopback only, or leave host_ip out to publish on all addresses (\"0.0.0.0\").", ip)
		} else {
			p.HostIP = addr.String()
		}
	}
	if proto, r := e.str(pb.attrs, "protocol", ""); r != nil {
		if proto != "tcp" && proto != "udp" {
			e.errorf(*r, "Invalid protocol", "protocol must be \"tcp\" or \"udp\", not %q.", proto)
		} else {
			p.Protocol = proto
		}
	}
	if public, r := e.boolean(pb.attrs, "public", false); public {
		e.publicPort(sd, p, *r)
		p.Public = true
	}
	if hostRange != nil && host != 0 {
		e.fixed = append(e.fixed, fixedPort{tenant: e.t, service: sd.name, port: p, r: *hostRange})
	}
	return p
}

// volume evaluates a volume block; r is the range of a valid target.
func (e *evaluator) volume(vb *block) (model.Volume, *hcl.Range) {
	v := model.Volume{Name: vb.name}
	n := len(e.diags)
	target, r := e.str(vb.attrs, "target", "")
	e.requireSet(vb.attrs, "target", r, n)
	v.ReadOnly, _ = e.boolean(vb.attrs, "read_only", false)
	if r == nil {
		return v, nil
	}
	switch {
	case !strings.HasPrefix(target, "/"):
		e.errorf(*r, "Invalid volume target", "%q is not an absolute path. Write the directory inside the container to mount the volume at, e.g. \"/var/lib/postgresql/data\".", target)
		return v, nil
	case path.Clean(target) == "/":
		e.errorf(*r, "Invalid volume target", "A volume cannot be mounted over the container's root directory. Write a directory such as \"/data\".")
		return v, nil
	}
	v.Target = target
	return v, r
}

// health evaluates a health block of svc, whose ports are evaluated.
func (e *evaluator) health(b *block, svc *model.Service) *model.Health {
	h := &model.Health{}
	cmd, cmdRange := e.strList(b.attrs, "command")
	if cmdRange != nil && len(cmd) == 0 {
		e.errorf(*cmdRange, "Empty health command", `command must hold the program to run and its arguments, e.g. ["pg_isready", "-h", "127.0.0.1"].`)
	}
	h.Command = cmd
	if probe, r := e.str(b.attrs, "http", ""); r != nil {
		h.HTTP = probe
		if !strings.HasPrefix(probe, "/") {
			e.errorf(*r, "Invalid health check path", "%q is not a path. Write the path to probe, starting with \"/\", e.g. \"/healthz\".", probe)
		}
		switch {
		case svc.Internal:
			e.errorf(*r, "HTTP health check on an internal service", "Service %q is internal, so it publishes no port to probe. Use command = [...] to check it from inside its container.", svc.Name)
		case len(svc.Ports) == 0:
			e.errorf(*r, "HTTP health check without a port", "Service %q has no port to probe. Add a port block to it, or use command = [...] instead of http.", svc.Name)
		default:
			h.Port = e.portName(b.attrs, svc, "The health check")
		}
	}
	h.Interval = e.duration(b.attrs, "interval", defaultHealthInterval, false)
	h.Timeout = e.duration(b.attrs, "timeout", defaultHealthTimeout, false)
	h.Retries, _ = e.integer(b.attrs, "retries", defaultHealthRetries, 1, 1_000_000)
	h.StartPeriod = e.duration(b.attrs, "start_period", 0, true)
	return h
}

// portName resolves the optional port attribute naming one of svc's
// ports; it defaults to the first port. who starts messages.
func (e *evaluator) portName(attrs hcl.Attributes, svc *model.Service, who string) string {
	var names []string
	for _, p := range svc.Ports {
		names = append(names, p.Name)
	}
	name, r := e.str(attrs, "port", "")
	if r == nil {
		return names[0]
	}
	for _, n := range names {
		if n == name {
			return name
		}
	}
	detail := fmt.Sprintf("%s names port %q, but service %q has no port of that name.", who, name, svc.Name)
	if hint := didYouMean(name, names); hint != "" {
		detail += hint
	} else {
		detail += fmt.Sprintf(" Its ports are %s.", quotedList(names))
	}
	e.errorf(*r, fmt.Sprintf("Unknown port %q", name), "%s", detail)
	return names[0]
}

// resources evaluates a resources block.
func (e *evaluator) resources(b *block) model.Resources {
	var res model.Resources
	res.MemoryBytes = e.memory(b.attrs, "memory")
	if cpus, r := e.float(b.attrs, "cpus", 0, 1024); r != nil {
		res.NanoCPUs = int64(math.Round(cpus * 1e9))
	}
	pids, _ := e.integer(b.attrs, "pids", 0, 0, math.MaxInt32)
	res.Pids = int64(pids)
	return res
}
