package resource

import (
	"net/netip"
	"time"
)

// Observed is what a host's engine holds for one project, gathered by a
// fixed number of list calls.
type Observed struct {
	Networks   []Network
	Volumes    []Volume
	Containers []Container
	// Locks are the tenants' lock volumes (see package lock).
	Locks []Volume
	// Keys are the tenants' key records (KindKey).
	Keys []Volume
	// UsedSubnets are the subnets of every network on the host, tenantctl's
	// or not, so new subnets never overlap them.
	UsedSubnets []netip.Prefix
	// UsedPorts are host ports in use: those published by the project's
	// running containers and, when AllPorts is set, by every container on
	// the host.
	UsedPorts []int
	// AllPorts says UsedPorts covers every container on the host, of any
	// project or program. An observation leaves it unset, for its cost
	// grows with everything on the host; a plan that must allocate a host
	// port asks for it (see plan.HostPortsError).
	AllPorts bool
	// Edge is the project's edge proxy on the host: its containers and
	// volume (KindEdge), filed apart from the tenants' objects.
	Edge Edge
}

// Edge is what a host holds of the project's edge proxy.
type Edge struct {
	Networks   []Network
	Containers []Container
	Volumes    []Volume
	// Routes are the routes the running proxy reports (tenantctl-edge
	// ctl list), when RoutesKnown: the observation asked it and it
	// answered. Unknown routes are all set again.
	Routes      []Route
	RoutesKnown bool
}

// Route is one tenant's route in the edge proxy.
type Route struct {
	Tenant string
	// Hosts are sorted.
	Hosts   []string
	Backend string
	// Maintenance is set while the tenant is in maintenance.
	Maintenance bool
}

// AddNetwork files a listed network: the edge proxy's or a tenant's.
func (o *Observed) AddNetwork(n Network) {
	if Kind(n.Labels[LabelKind]) == KindEdge {
		o.Edge.Networks = append(o.Edge.Networks, n)
		return
	}
	o.Networks = append(o.Networks, n)
}

// AddContainer files a listed container: the edge proxy's or a tenant's.
func (o *Observed) AddContainer(c Container) {
	if Kind(c.Labels[LabelKind]) == KindEdge {
		o.Edge.Containers = append(o.Edge.Containers, c)
		return
	}
	o.Containers = append(o.Containers, c)
}

// Network is an observed network.
type Network struct {
	ID       string
	Name     string
	Labels   map[string]string
	Internal bool
	Subnets  []netip.Prefix
}

// Volume is an observed volume.
type Volume struct {
	Name   string
	Labels map[string]string
}

// Container is an observed container, as a list call shows it.
type Container struct {
	ID     string
	Name   string
	Image  string
	Labels map[string]string
	// State is the engine's state: created, running, paused, restarting,
	// removing, exited or dead.
	State string
	// Health is "healthy", "unhealthy", "starting" or "" (no health check).
	Health   string
	Created  time.Time
	Ports    []PortBinding
	Networks []string
	// Mounts are the names of the volumes mounted.
	Mounts []string
	// Config is set only when the container was inspected (plan --inspect).
	Config *ContainerConfig
}

// Pending reports whether the container is a replacement not switched in
// yet: it still has the temporary name it was created under.
func (c Container) Pending() bool {
	name := c.Labels[LabelReplacement]
	return name != "" && c.Name == name
}

// ContainerConfig is what only an inspect shows of a container. Env
// values may be secrets: compare them, never print them.
type ContainerConfig struct {
	// Env holds the container's environment, image defaults included.
	Env       map[string]string
	Command   []string
	Memory    int64
	NanoCPUs  int64
	PidsLimit int64
}

// AddVolume files a listed volume by its kind label: a lock, a key
// record, or a tenant's data volume.
func (o *Observed) AddVolume(v Volume) {
	switch Kind(v.Labels[LabelKind]) {
	case KindLock:
		o.Locks = append(o.Locks, v)
	case KindKey:
		o.Keys = append(o.Keys, v)
	case KindEdge:
		o.Edge.Volumes = append(o.Edge.Volumes, v)
	default:
		o.Volumes = append(o.Volumes, v)
	}
}

// Tenant returns the tenant label of a labelled object.
func tenantOf(labels map[string]string) string { return labels[LabelTenant] }

// TenantNames returns the sorted, distinct tenants that own something in o.
func (o *Observed) TenantNames() []string {
	seen := map[string]bool{}
	for _, n := range o.Networks {
		seen[tenantOf(n.Labels)] = true
	}
	for _, v := range o.Volumes {
		seen[tenantOf(v.Labels)] = true
	}
	for _, c := range o.Containers {
		seen[tenantOf(c.Labels)] = true
	}
	delete(seen, "")
	return sortedKeys(seen)
}
