package engine

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/resource"
)

func TestIntegrationDockerObserve(t *testing.T) {
	t.Parallel()
	d := integrationDocker(t)
	ensureTestImage(t, d)
	ctx := context.Background()
	project := testProject(t, d)
	other := testProject(t, d)
	subnets := freeSubnets(t, d, 3)

	nets := []resource.NetworkSpec{
		{Name: resource.Name(project, "acme", "internal"), Internal: true, Subnet: subnets[0],
			Labels: labels(project, "acme", resource.KindNetwork, resource.LabelRole, resource.RoleInternal)},
		{Name: resource.Name(project, "acme", "edge"), Subnet: subnets[1],
			Labels: labels(project, "acme", resource.KindNetwork, resource.LabelRole, resource.RoleEdge)},
		// Another project's network: its subnet is used, it is not ours.
		{Name: resource.Name(other, "acme", "edge"), Subnet: subnets[2],
			Labels: labels(other, "acme", resource.KindNetwork)},
	}
	for _, n := range nets {
		if err := d.CreateNetwork(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	vol := resource.VolumeSpec{Name: resource.Name(project, "acme", "data"), Labels: labels(project, "acme", resource.KindVolume)}
	otherVol := resource.VolumeSpec{Name: resource.Name(other, "acme", "data"), Labels: labels(other, "acme", resource.KindVolume)}
	for _, v := range []resource.VolumeSpec{vol, otherVol, vol} { // the second create of vol is a no-op
		if _, err := d.CreateVolume(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	port, otherPort := freePort(t), freePort(t)
	mine := resource.ContainerSpec{
		Name: resource.Name(project, "acme", "app"), Image: testImage,
		Labels: labels(project, "acme", resource.KindContainer, resource.LabelService, "app"),
		// Ports are published only through a network that is not internal.
		Networks: []resource.Attachment{{Network: nets[0].Name}, {Network: nets[1].Name}},
		Ports:    []resource.PortBinding{{Container: 8080, HostIP: "127.0.0.1", HostPort: port}},
		Mounts:   []resource.Mount{{Volume: vol.Name, Target: "/data"}},
	}
	theirs := resource.ContainerSpec{
		Name: resource.Name(other, "acme", "app"), Image: testImage,
		Labels:   labels(other, "acme", resource.KindContainer),
		Networks: []resource.Attachment{{Network: nets[2].Name}},
		Ports:    []resource.PortBinding{{Container: 8080, HostIP: "127.0.0.1", HostPort: otherPort}},
	}
	id, err := d.CreateContainer(ctx, mine)
	if err != nil {
		t.Fatal(err)
	}
	otherID, err := d.CreateContainer(ctx, theirs)
	if err != nil {
		t.Fatal(err)
	}
	// Host ports are only published, and listed, once started.
	for _, c := range []string{id, otherID} {
		if err := d.StartContainer(ctx, c); err != nil {
			t.Fatal(err)
		}
	}

	before := d.Calls()
	o, err := d.Observe(ctx, project)
	if err != nil {
		t.Fatal(err)
	}
	if calls := d.Calls() - before; calls != 3 {
		t.Errorf("Observe made %d requests, want 3", calls)
	} else {
		t.Logf("Observe made %d requests", calls)
	}

	var netNames []string
	for _, n := range o.Networks {
		netNames = append(netNames, n.Name)
	}
	if want := []string{nets[1].Name, nets[0].Name}; !slices.Equal(netNames, want) {
		t.Errorf("networks = %v, want %v (sorted, this project only)", netNames, want)
	}
	for _, n := range o.Networks {
		spec := nets[slices.IndexFunc(nets, func(s resource.NetworkSpec) bool { return s.Name == n.Name })]
		if n.Internal != spec.Internal || !slices.Equal(n.Subnets, []netip.Prefix{spec.Subnet}) || !hasLabels(n.Labels, spec.Labels) || n.ID == "" {
			t.Errorf("network %s = %+v, want internal=%v subnet %s labels %v", n.Name, n, spec.Internal, spec.Subnet, spec.Labels)
		}
	}
	for _, s := range subnets {
		if !slices.Contains(o.UsedSubnets, s) {
			t.Errorf("UsedSubnets %v lack %s", o.UsedSubnets, s)
		}
	}
	if len(o.Volumes) != 1 || o.Volumes[0].Name != vol.Name || !hasLabels(o.Volumes[0].Labels, vol.Labels) {
		t.Errorf("volumes = %+v, want only %s", o.Volumes, vol.Name)
	}
	if len(o.Containers) != 1 {
		t.Fatalf("containers = %+v, want only %s", o.Containers, mine.Name)
	}
	c := o.Containers[0]
	if c.ID != id || c.Name != mine.Name || c.Image != testImage || c.State != "running" || c.Health != "" ||
		!hasLabels(c.Labels, mine.Labels) || time.Since(c.Created) > 5*time.Minute {
		t.Errorf("container = %+v", c)
	}
	if want := []resource.PortBinding{{Container: 8080, Protocol: "tcp", HostIP: "127.0.0.1", HostPort: port}}; !slices.Equal(c.Ports, want) {
		t.Errorf("ports = %+v, want %+v", c.Ports, want)
	}
	if !slices.Equal(c.Networks, []string{nets[1].Name, nets[0].Name}) || !slices.Equal(c.Mounts, []string{vol.Name}) {
		t.Errorf("networks %v mounts %v", c.Networks, c.Mounts)
	}
	// Observe sees the ports of this project's containers only; HostPorts
	// those of every container on the host, for one more request.
	if !slices.Contains(o.UsedPorts, port) || slices.Contains(o.UsedPorts, otherPort) || o.AllPorts {
		t.Errorf("UsedPorts %v (all: %v), want %d and not another project's %d", o.UsedPorts, o.AllPorts, port, otherPort)
	}
	before = d.Calls()
	hostPorts, err := d.HostPorts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if calls := d.Calls() - before; calls != 1 {
		t.Errorf("HostPorts made %d requests, want 1", calls)
	}
	for _, p := range []int{port, otherPort} {
		if !slices.Contains(hostPorts, p) {
			t.Errorf("HostPorts %v lack %d", hostPorts, p)
		}
	}

	empty, err := d.Observe(ctx, "enginetest-nothing-here")
	if err != nil {
		t.Fatal(err)
	}
	if len(empty.Networks)+len(empty.Volumes)+len(empty.Containers) != 0 || len(empty.UsedSubnets) == 0 {
		t.Errorf("observe of an unknown project = %+v", empty)
	}
}

// TestIntegrationDockerCalls measures what a fresh client costs: one ping
// for version negotiation, then exactly three requests per Observe.
func TestIntegrationDockerCalls(t *testing.T) {
	t.Parallel()
	integrationDocker(t) // skips without an engine
	d, err := NewDocker("")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ctx := context.Background()
	if _, err := d.Observe(ctx, "enginetest-calls"); err != nil {
		t.Fatal(err)
	}
	first := d.Calls()
	if _, err := d.Observe(ctx, "enginetest-calls"); err != nil {
		t.Fatal(err)
	}
	second := d.Calls() - first
	t.Logf("first Observe: %d requests (negotiated API %s), second: %d", first, d.APIVersion(), second)
	if first != 4 || second != 3 {
		t.Errorf("requests: first Observe %d, want 4 (ping + 3); second %d, want 3", first, second)
	}
}

func TestIntegrationDockerNetworkIdempotent(t *testing.T) {
	t.Parallel()
	d := integrationDocker(t)
	ctx := context.Background()
	project := testProject(t, d)
	subnets := freeSubnets(t, d, 2)

	spec := resource.NetworkSpec{Name: resource.Name(project, "acme", "internal"), Internal: true, Subnet: subnets[0],
		Labels: labels(project, "acme", resource.KindNetwork)}
	for range 2 {
		if err := d.CreateNetwork(ctx, spec); err != nil {
			t.Fatalf("create: %v", err)
		}
	}

	concurrent := func(spec resource.NetworkSpec) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = d.CreateNetwork(ctx, spec)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("%s: goroutine %d: %v", spec.Name, i, err)
			}
		}
		named, err := d.networksNamed(ctx, spec.Name)
		if err != nil {
			t.Fatal(err)
		}
		if len(named) != 1 {
			t.Errorf("%d networks named %s, want 1", len(named), spec.Name)
		}
	}
	concurrent(resource.NetworkSpec{Name: resource.Name(project, "acme", "edge"), Subnet: subnets[1],
		Labels: labels(project, "acme", resource.KindNetwork)})
	// Without a subnet the engine may make duplicates; they are removed.
	concurrent(resource.NetworkSpec{Name: resource.Name(project, "acme", "auto"),
		Labels: labels(project, "acme", resource.KindNetwork)})

	foreign := spec
	foreign.Labels = labels(project, "someone-else", resource.KindNetwork)
	if err := d.CreateNetwork(ctx, foreign); err == nil || !strings.Contains(err.Error(), "other labels") {
		t.Errorf("create over a network with other labels: %v, want an error", err)
	}
}

func TestIntegrationDockerSubnetTaken(t *testing.T) {
	t.Parallel()
	d := integrationDocker(t)
	ctx := context.Background()
	project := testProject(t, d)
	subnet := freeSubnets(t, d, 1)[0]

	if err := d.CreateNetwork(ctx, resource.NetworkSpec{Name: resource.Name(project, "a", "edge"), Subnet: subnet,
		Labels: labels(project, "a", resource.KindNetwork)}); err != nil {
		t.Fatal(err)
	}
	inner := netip.PrefixFrom(subnet.Addr(), 25)
	for _, s := range []netip.Prefix{subnet, inner} {
		start := time.Now()
		err := d.CreateNetwork(ctx, resource.NetworkSpec{Name: resource.Name(project, "b", "edge"), Subnet: s,
			Labels: labels(project, "b", resource.KindNetwork)})
		if !errors.Is(err, ErrSubnetTaken) {
			t.Errorf("create on %s overlapping %s: %v, want ErrSubnetTaken", s, subnet, err)
		} else {
			t.Logf("took %s: %v", time.Since(start).Round(time.Millisecond), err)
		}
	}
}

func TestIntegrationDockerRemoveMissing(t *testing.T) {
	t.Parallel()
	d := integrationDocker(t)
	ctx := context.Background()
	name := "enginetest-missing-" + fmt.Sprint(time.Now().UnixNano())
	if err := d.RemoveContainer(ctx, name); err != nil {
		t.Errorf("remove missing container: %v", err)
	}
	if err := d.RemoveNetwork(ctx, name); err != nil {
		t.Errorf("remove missing network: %v", err)
	}
	if err := d.RemoveVolume(ctx, name); err != nil {
		t.Errorf("remove missing volume: %v", err)
	}
	if _, err := d.ContainerState(ctx, name); err == nil {
		t.Error("state of a missing container: no error")
	}
}

func TestIntegrationDockerRemoveNetworkAndVolume(t *testing.T) {
	t.Parallel()
	d := integrationDocker(t)
	ctx := context.Background()
	project := testProject(t, d)
	subnet := freeSubnets(t, d, 1)[0]
	n := resource.NetworkSpec{Name: resource.Name(project, "acme", "edge"), Subnet: subnet, Labels: labels(project, "acme", resource.KindNetwork)}
	v := resource.VolumeSpec{Name: resource.Name(project, "acme", "data"), Labels: labels(project, "acme", resource.KindVolume)}
	if err := d.CreateNetwork(ctx, n); err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateVolume(ctx, v); err != nil {
		t.Fatal(err)
	}
	if err := d.RemoveNetwork(ctx, n.Name); err != nil {
		t.Fatal(err)
	}
	if err := d.RemoveVolume(ctx, v.Name); err != nil {
		t.Fatal(err)
	}
	o, err := d.Observe(ctx, project)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Networks)+len(o.Volumes) != 0 {
		t.Errorf("after remove: %+v", o)
	}
}

func TestIntegrationDockerVolumeLabels(t *testing.T) {
	t.Parallel()
	d := integrationDocker(t)
	ctx := context.Background()
	project := testProject(t, d)
	v := resource.VolumeSpec{Name: resource.Name(project, "acme", "lock"), Labels: labels(project, "acme", resource.KindLock, resource.LabelLockID, "feed0001")}
	if _, err := d.CreateVolume(ctx, v); err != nil {
		t.Fatal(err)
	}
	got, found, err := d.VolumeLabels(ctx, v.Name)
	if err != nil || !found || got[resource.LabelLockID] != "feed0001" || got[resource.LabelProject] != project {
		t.Fatalf("VolumeLabels = %v, %v, %v; want the volume's labels", got, found, err)
	}
	if err := d.RemoveVolume(ctx, v.Name); err != nil {
		t.Fatal(err)
	}
	got, found, err = d.VolumeLabels(ctx, v.Name)
	if err != nil || found || got != nil {
		t.Fatalf("VolumeLabels of a removed volume = %v, %v, %v; want not found and no error", got, found, err)
	}
}
