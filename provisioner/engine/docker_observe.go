package engine

import (
	"cmp"
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"

	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// Observe costs three requests whatever the number of tenants and
// whatever else runs on the host: all networks (every subnet on the host
// matters; networks are few), the project's volumes and the project's
// containers, stopped ones included. The host ports of other projects'
// containers are left to HostPorts.
func (d *Docker) Observe(ctx context.Context, project string) (*resource.Observed, error) {
	networks, err := d.cli.NetworkList(ctx, network.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list networks: %w", err)
	}
	ours := filters.NewArgs(filters.Arg("label", resource.LabelProject+"="+project))
	volumes, err := d.cli.VolumeList(ctx, volume.ListOptions{Filters: ours})
	if err != nil {
		return nil, fmt.Errorf("list volumes: %w", err)
	}
	containers, err := d.cli.ContainerList(ctx, container.ListOptions{All: true, Filters: ours})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	return observed(project, networks, volumes.Volumes, containers), nil
}

// HostPorts costs one request: the running containers of every project
// and program on the host (stopped ones publish nothing).
func (d *Docker) HostPorts(ctx context.Context) ([]int, error) {
	containers, err := d.cli.ContainerList(ctx, container.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	var ports []int
	for _, c := range containers {
		ports = append(ports, publishedPorts(c)...)
	}
	slices.Sort(ports)
	return slices.Compact(ports), nil
}

// publishedPorts are the host ports a listed container publishes.
func publishedPorts(c container.Summary) []int {
	var ports []int
	for _, p := range c.Ports {
		if p.PublicPort != 0 {
			ports = append(ports, int(p.PublicPort))
		}
	}
	return ports
}

// observed turns list results into the project's view of the host. Every
// slice is sorted, so two observations of the same host compare equal.
func observed(project string, networks []network.Summary, volumes []*volume.Volume, containers []container.Summary) *resource.Observed {
	o := &resource.Observed{}
	for _, n := range networks {
		subnets := networkSubnets(n)
		o.UsedSubnets = append(o.UsedSubnets, subnets...)
		if n.Labels[resource.LabelProject] != project {
			continue
		}
		o.AddNetwork(resource.Network{
			ID:       n.ID,
			Name:     n.Name,
			Labels:   n.Labels,
			Internal: n.Internal,
			Subnets:  subnets,
		})
	}
	for _, v := range volumes {
		// The list is filtered by label already; check again so a filter
		// the engine ignores cannot leak other projects in.
		if v == nil || v.Labels[resource.LabelProject] != project {
			continue
		}
		o.AddVolume(resource.Volume{Name: v.Name, Labels: v.Labels})
	}
	for _, c := range containers {
		// The list is the project's (unless an engine ignored the
		// filter): its ports are in use, but not every port on the host
		// is known (AllPorts stays unset).
		o.UsedPorts = append(o.UsedPorts, publishedPorts(c)...)
		if c.Labels[resource.LabelProject] != project {
			continue
		}
		o.AddContainer(observedContainer(c))
	}
	slices.SortFunc(o.Networks, func(a, b resource.Network) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortFunc(o.Volumes, func(a, b resource.Volume) int { return cmp.Compare(a.Name, b.Name) })
	slices.SortFunc(o.Containers, func(a, b resource.Container) int { return cmp.Compare(a.Name, b.Name) })
	o.UsedSubnets = sortPrefixes(o.UsedSubnets)
	slices.Sort(o.UsedPorts)
	o.UsedPorts = slices.Compact(o.UsedPorts)
	return o
}

// networkSubnets parses a network's IPAM subnets, sorted; unparsable ones
// (none in practice) are skipped.
func networkSubnets(n network.Summary) []netip.Prefix {
	var out []netip.Prefix
	for _, c := range n.IPAM.Config {
		if p, err := netip.ParsePrefix(c.Subnet); err == nil {
			out = append(out, p.Masked())
		}
	}
	return sortPrefixes(out)
}

func sortPrefixes(ps []netip.Prefix) []netip.Prefix {
	slices.SortFunc(ps, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return cmp.Compare(a.Bits(), b.Bits())
	})
	return slices.Compact(ps)
}

func observedContainer(c container.Summary) resource.Container {
	oc := resource.Container{
		ID:      c.ID,
		Image:   c.Image,
		Labels:  c.Labels,
		State:   string(c.State),
		Health:  healthFromStatus(c.Status),
		Created: time.Unix(c.Created, 0).UTC(),
	}
	if len(c.Names) > 0 {
		oc.Name = strings.TrimPrefix(c.Names[0], "/")
	}
	for _, p := range c.Ports {
		if p.PublicPort == 0 {
			continue
		}
		oc.Ports = append(oc.Ports, resource.PortBinding{
			Container: int(p.PrivatePort),
			Protocol:  p.Type,
			HostIP:    p.IP,
			HostPort:  int(p.PublicPort),
		})
	}
	slices.SortFunc(oc.Ports, comparePorts)
	oc.Ports = slices.Compact(oc.Ports)
	if c.NetworkSettings != nil {
		for name := range c.NetworkSettings.Networks {
			oc.Networks = append(oc.Networks, name)
		}
		slices.Sort(oc.Networks)
	}
	for _, m := range c.Mounts {
		if m.Type == mount.TypeVolume && m.Name != "" {
			oc.Mounts = append(oc.Mounts, m.Name)
		}
	}
	slices.Sort(oc.Mounts)
	return oc
}

func comparePorts(a, b resource.PortBinding) int {
	return cmp.Or(
		cmp.Compare(a.HostPort, b.HostPort),
		cmp.Compare(a.HostIP, b.HostIP),
		cmp.Compare(a.Container, b.Container),
		cmp.Compare(a.Protocol, b.Protocol),
	)
}

// healthFromStatus reads the health a list call shows only inside the
// status text: "Up 3 minutes (healthy)", "Up 2 seconds (health: starting)".
func healthFromStatus(status string) string {
	switch {
	case strings.Contains(status, "(healthy)"):
		return "healthy"
	case strings.Contains(status, "(unhealthy)"):
		return "unhealthy"
	case strings.Contains(status, "(health: starting)"):
		return "starting"
	}
	return ""
}
