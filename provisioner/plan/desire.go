package plan

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/model"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// observedTenant is one tenant's objects on its host, indexed for lookup.
type observedTenant struct {
	networks   map[string]resource.Network     // by role
	volumes    map[string]resource.Volume      // by volume id ("db.data")
	containers map[string][]resource.Container // by service
	// pending are replacements an interrupted apply left before switching
	// them in (resource.Container.Pending), by service; never the
	// service's container.
	pending map[string][]resource.Container
}

func (o *observedTenant) empty() bool {
	return len(o.networks) == 0 && len(o.volumes) == 0 && len(o.containers) == 0 && len(o.pending) == 0
}

// indexObserved groups a host's objects by tenant.
func indexObserved(obs *resource.Observed) map[string]*observedTenant {
	idx := map[string]*observedTenant{}
	get := func(labels map[string]string) *observedTenant {
		name := labels[resource.LabelTenant]
		t := idx[name]
		if t == nil {
			t = &observedTenant{networks: map[string]resource.Network{}, volumes: map[string]resource.Volume{}, containers: map[string][]resource.Container{}, pending: map[string][]resource.Container{}}
			idx[name] = t
		}
		return t
	}
	for _, n := range obs.Networks {
		get(n.Labels).networks[n.Labels[resource.LabelRole]] = n
	}
	for _, v := range obs.Volumes {
		get(v.Labels).volumes[v.Labels[resource.LabelRole]] = v
	}
	for _, c := range obs.Containers {
		t := get(c.Labels)
		svc := c.Labels[resource.LabelService]
		if c.Pending() {
			t.pending[svc] = append(t.pending[svc], c)
			continue
		}
		t.containers[svc] = append(t.containers[svc], c)
	}
	delete(idx, "")
	return idx
}

// desiredTenant is a tenant's desired objects.
type desiredTenant struct {
	networks   []resource.NetworkSpec
	volumes    []resource.VolumeSpec
	containers []resource.ContainerSpec // in dependency order
	dependsOn  map[string][]string
}

// volumeID names a service's volume within its tenant.
func volumeID(service, volume string) string { return service + "." + volume }

// baseLabels are the labels every object of a tenant carries.
func baseLabels(project string, t *model.Tenant, kind resource.Kind) map[string]string {
	labels := map[string]string{
		resource.LabelProject: project,
		resource.LabelTenant:  t.Name,
		resource.LabelKind:    string(kind),
	}
	if !t.Expires.IsZero() {
		labels[resource.LabelEphemeral] = "true"
		labels[resource.LabelExpires] = t.Expires.UTC().Format(time.RFC3339)
	}
	return labels
}

// desire computes a tenant's desired objects. Subnets and host ports that
// the tenant already has on the engine are kept; new ones are allocated.
func desire(p *model.Project, t *model.Tenant, obs *observedTenant, alloc *allocator) (*desiredTenant, error) {
	d := &desiredTenant{dependsOn: map[string][]string{}}
	ports, err := desirePorts(p, t, obs, alloc)
	if err != nil {
		return nil, err
	}

	roles := []string{resource.RoleInternal}
	for _, s := range t.Services {
		if !s.Internal {
			roles = append(roles, resource.RoleEdge)
			break
		}
	}
	for _, role := range roles {
		spec := resource.NetworkSpec{
			Name:     resource.Name(p.Name, t.Name, role),
			Tenant:   t.Name,
			Role:     role,
			Internal: role == resource.RoleInternal,
			Labels:   baseLabels(p.Name, t, resource.KindNetwork),
		}
		spec.Labels[resource.LabelRole] = role
		if role == resource.RoleInternal {
			spec.Labels[resource.LabelPorts] = encodePorts(ports)
		}
		if have, ok := obs.networks[role]; ok && len(have.Subnets) > 0 {
			spec.Subnet = have.Subnets[0]
		} else if spec.Subnet, err = alloc.subnet(p.Name + "/" + t.Name + "/" + role); err != nil {
			return nil, err
		}
		spec.Labels[resource.LabelSpecHash] = spec.Hash()
		d.networks = append(d.networks, spec)
	}

	for _, s := range t.Services {
		for _, v := range s.Volumes {
			id := volumeID(s.Name, v.Name)
			spec := resource.VolumeSpec{Name: resource.Name(p.Name, t.Name, id), Tenant: t.Name, Volume: id, Labels: baseLabels(p.Name, t, resource.KindVolume)}
			spec.Labels[resource.LabelService] = s.Name
			spec.Labels[resource.LabelRole] = id
			spec.Labels[resource.LabelSpecHash] = spec.Hash()
			d.volumes = append(d.volumes, spec)
		}
		d.containers = append(d.containers, containerSpec(p, t, edgePorts(p, s), ports))
		d.dependsOn[s.Name] = s.DependsOn
	}
	return d, nil
}

// portKey names a service port within its tenant, e.g. "app.http".
func portKey(service, port string) string { return service + "." + port }

// desirePorts decides every published host port of a tenant: fixed ones as
// written; allocated ones kept from the running container, else from the
// records on its containers and internal network (see recordedPorts) while
// no one else holds them, else newly allocated.
func desirePorts(p *model.Project, t *model.Tenant, obs *observedTenant, alloc *allocator) (map[string]int, error) {
	recorded := recordedPorts(obs)
	ports := map[string]int{}
	for _, s := range t.Services {
		for _, port := range s.Ports {
			key := portKey(s.Name, port.Name)
			switch {
			case port.Host != 0:
				ports[key] = port.Host
			case boundPort(obs.containers[s.Name], port.Container) != 0:
				ports[key] = boundPort(obs.containers[s.Name], port.Container)
			case recorded[key] != 0 && alloc.portFree(recorded[key], t.Name):
				// No running container binds it: whether another
				// project's container took it shows only in the ports of
				// every container on the host.
				alloc.chose()
				ports[key] = recorded[key]
				alloc.usedPorts[recorded[key]] = t.Name
			default:
				n, err := alloc.port(p.Name+"/"+t.Name+"/"+key, t.Name)
				if err != nil {
					return nil, err
				}
				ports[key] = n
			}
		}
	}
	return ports, nil
}

// recordedPorts are the host ports recorded for a tenant, by port key: on
// its internal network when it was made, overridden by what its
// containers, stopped ones too, record of their own service's ports.
func recordedPorts(obs *observedTenant) map[string]int {
	recorded := decodePorts(obs.networks[resource.RoleInternal].Labels[resource.LabelPorts])
	for _, svc := range sortedKeys(obs.containers) {
		for _, c := range obs.containers[svc] {
			for name, port := range decodePorts(c.Labels[resource.LabelPorts]) {
				recorded[portKey(svc, name)] = port
			}
		}
	}
	return recorded
}

// boundPort is the host port a container of the service publishes for a
// container port, or 0.
func boundPort(containers []resource.Container, containerPort int) int {
	for _, c := range containers {
		for _, b := range c.Ports {
			if b.Container == containerPort && b.HostPort != 0 {
				return b.HostPort
			}
		}
	}
	return 0
}

func encodePorts(ports map[string]int) string {
	keys := make([]string, 0, len(ports))
	for k := range ports {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + strconv.Itoa(ports[k])
	}
	return strings.Join(parts, ",")
}

func decodePorts(label string) map[string]int {
	ports := map[string]int{}
	for _, kv := range strings.Split(label, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			if n, err := strconv.Atoi(v); err == nil {
				ports[k] = n
			}
		}
	}
	return ports
}

// containerSpec builds the container for one service.
func containerSpec(p *model.Project, t *model.Tenant, s model.Service, ports map[string]int) resource.ContainerSpec {
	spec := resource.ContainerSpec{
		Name:      resource.Name(p.Name, t.Name, s.Name),
		Tenant:    t.Name,
		Service:   s.Name,
		Image:     s.Image,
		Command:   s.Command,
		Memory:    s.Resources.MemoryBytes,
		NanoCPUs:  s.Resources.NanoCPUs,
		PidsLimit: s.Resources.Pids,
		CapAdd:    s.CapAdd,
	}
	for name, v := range s.Env {
		spec.Env = append(spec.Env, resource.EnvVar{Name: name, Value: v.Text, Sensitive: v.Sensitive})
	}
	sort.Slice(spec.Env, func(i, j int) bool { return spec.Env[i].Name < spec.Env[j].Name })

	aliases := []string{s.Name}
	spec.Networks = []resource.Attachment{{Network: resource.Name(p.Name, t.Name, resource.RoleInternal), Aliases: aliases}}
	if !s.Internal {
		// The edge network goes first: it carries the published ports and
		// the default route.
		edge := resource.Attachment{Network: resource.Name(p.Name, t.Name, resource.RoleEdge), Aliases: aliases}
		spec.Networks = append([]resource.Attachment{edge}, spec.Networks...)
	}
	allocated := map[string]int{}
	for _, port := range s.Ports {
		hostPort := ports[portKey(s.Name, port.Name)]
		spec.Ports = append(spec.Ports, resource.PortBinding{
			Name: port.Name, Container: port.Container, Protocol: port.Protocol,
			HostIP: port.HostIP, HostPort: hostPort,
		})
		if port.Host == 0 {
			allocated[port.Name] = hostPort
		}
	}
	for _, v := range s.Volumes {
		spec.Mounts = append(spec.Mounts, resource.Mount{Volume: resource.Name(p.Name, t.Name, volumeID(s.Name, v.Name)), Target: v.Target, ReadOnly: v.ReadOnly})
	}
	if h := s.Health; h != nil {
		if len(h.Command) > 0 {
			spec.Health = &resource.HealthCheck{Command: h.Command, Interval: h.Interval, Timeout: h.Timeout, Retries: h.Retries, StartPeriod: h.StartPeriod}
		} else if h.HTTP != "" {
			spec.Probe = &resource.HTTPProbe{Path: h.HTTP, HostPort: probePort(s, spec.Ports, h.Port), Interval: h.Interval, Timeout: h.Timeout, Retries: h.Retries}
		}
	}

	spec.Labels = baseLabels(p.Name, t, resource.KindContainer)
	spec.Labels[resource.LabelService] = s.Name
	for k, v := range t.Labels {
		spec.Labels[resource.LabelUserPrefix+k] = v
	}
	// The container records its allocated ports, as the tenant's network
	// cannot once made; the spec hash, which covers the ports, leaves
	// labels out.
	if len(allocated) > 0 {
		spec.Labels[resource.LabelPorts] = encodePorts(allocated)
	}
	spec.Labels[resource.LabelSpecHash] = spec.Hash()
	spec.Labels[resource.LabelFields] = resource.EncodeFields(spec.FieldHashes())
	return spec
}

// probePort is the host port of the named port, or of the first one.
func probePort(s model.Service, bindings []resource.PortBinding, name string) int {
	for _, b := range bindings {
		if name == "" || b.Name == name {
			return b.HostPort
		}
	}
	return 0
}

// errUnknownTenant is returned for a tenant named on the command line that
// is neither defined nor on the engine.
func errUnknownTenant(name string, known []string) error {
	if s := suggest(name, known); s != "" {
		return fmt.Errorf("no tenant named %q; did you mean %q?", name, s)
	}
	return fmt.Errorf("no tenant named %q is defined in tenants/ or found on the engine", name)
}
