package engine

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"

	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// createNetworkAttempts bounds how often CreateNetwork retries a pool
// overlap that may be a concurrent create of the same network which the
// engine has not listed yet.
const createNetworkAttempts = 7 // waits 50 ms, doubling: 3.15 s in all

// CreateNetwork creates a bridge network. It is idempotent and tolerates
// races (like kind's ensureNetwork): if a network of that name already
// exists carrying the spec's labels, that is success, whoever created it.
// A same-named network with other labels is an error. A subnet held by any
// other network is an error wrapping ErrSubnetTaken.
func (d *Docker) CreateNetwork(ctx context.Context, spec resource.NetworkSpec) error {
	opts := network.CreateOptions{
		Driver:   "bridge",
		Internal: spec.Internal,
		Labels:   spec.Labels,
	}
	if spec.Subnet.IsValid() {
		// No gateway: the engine picks the subnet's first address.
		opts.IPAM = &network.IPAM{
			Driver: "default",
			Config: []network.IPAMConfig{{Subnet: spec.Subnet.Masked().String()}},
		}
	}
	var err error
	for attempt := range createNetworkAttempts {
		_, err = d.cli.NetworkCreate(ctx, spec.Name, opts)
		if err == nil {
			if !spec.Subnet.IsValid() {
				// Without a fixed subnet nothing stops a racing create
				// from making a second network of the same name.
				return d.removeDuplicateNetworks(ctx, spec.Name)
			}
			return nil
		}
		if !isNameConflict(err) && !isPoolOverlap(err) {
			return fmt.Errorf("create network %s: %w", spec.Name, err)
		}
		existing, lerr := d.networksNamed(ctx, spec.Name)
		if lerr != nil {
			return fmt.Errorf("create network %s: %w (and then: %w)", spec.Name, err, lerr)
		}
		if len(existing) > 0 {
			if !hasLabels(existing[0].Labels, spec.Labels) {
				return fmt.Errorf("create network %s: a network of that name exists with other labels (not made by this spec)", spec.Name)
			}
			return d.removeDuplicateNetworks(ctx, spec.Name)
		}
		if !isPoolOverlap(err) {
			return fmt.Errorf("create network %s: %w", spec.Name, err)
		}
		// The overlap may be a concurrent create of this very network that
		// is not listed yet; look again shortly before blaming the subnet.
		if attempt < createNetworkAttempts-1 {
			if err := sleep(ctx, time.Duration(50<<attempt)*time.Millisecond); err != nil {
				return fmt.Errorf("create network %s: %w", spec.Name, err)
			}
		}
	}
	return fmt.Errorf("create network %s: subnet %s: %w: %w", spec.Name, spec.Subnet, ErrSubnetTaken, err)
}

// networksNamed lists the networks with exactly this name (the engine's
// name filter matches substrings), oldest first, then by ID, so racing
// callers agree to keep the first one made and later creators remove
// their own.
func (d *Docker) networksNamed(ctx context.Context, name string) ([]network.Summary, error) {
	list, err := d.cli.NetworkList(ctx, network.ListOptions{Filters: filters.NewArgs(filters.Arg("name", name))})
	if err != nil {
		return nil, fmt.Errorf("list networks: %w", err)
	}
	list = slices.DeleteFunc(list, func(n network.Summary) bool { return n.Name != name })
	slices.SortFunc(list, func(a, b network.Summary) int {
		return cmp.Or(a.Created.Compare(b.Created), strings.Compare(a.ID, b.ID))
	})
	return list, nil
}

// removeDuplicateNetworks keeps one network of the name, deterministically
// the same one in every racing caller.
func (d *Docker) removeDuplicateNetworks(ctx context.Context, name string) error {
	list, err := d.networksNamed(ctx, name)
	if err != nil {
		return fmt.Errorf("create network %s: %w", name, err)
	}
	for _, n := range list[min(1, len(list)):] {
		if err := d.cli.NetworkRemove(ctx, n.ID); err != nil && !cerrdefs.IsNotFound(err) {
			return fmt.Errorf("create network %s: remove duplicate %s: %w", name, n.ID, err)
		}
	}
	return nil
}

// hasLabels reports whether have carries every label in want.
func hasLabels(have, want map[string]string) bool {
	for k, v := range want {
		if hv, ok := have[k]; !ok || hv != v {
			return false
		}
	}
	return true
}

// RemoveNetwork removes a network by name; a missing one is success.
func (d *Docker) RemoveNetwork(ctx context.Context, name string) error {
	if err := d.cli.NetworkRemove(ctx, name); err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("remove network %s: %w", name, err)
	}
	return nil
}

// CreateVolume creates a local volume; the engine returns an existing
// volume of that name unchanged, which is success. The labels returned are
// the volume's own.
func (d *Docker) CreateVolume(ctx context.Context, spec resource.VolumeSpec) (map[string]string, error) {
	v, err := d.cli.VolumeCreate(ctx, volume.CreateOptions{
		Name:   spec.Name,
		Driver: "local",
		Labels: spec.Labels,
	})
	if err != nil {
		return nil, fmt.Errorf("create volume %s: %w", spec.Name, err)
	}
	return v.Labels, nil
}

// VolumeLabels inspects a volume; a missing one is found=false.
func (d *Docker) VolumeLabels(ctx context.Context, name string) (map[string]string, bool, error) {
	v, err := d.cli.VolumeInspect(ctx, name)
	switch {
	case cerrdefs.IsNotFound(err):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("inspect volume %s: %w", name, err)
	}
	return v.Labels, true, nil
}

// RemoveVolume removes a volume by name; a missing one is success. A volume
// in use is an error.
func (d *Docker) RemoveVolume(ctx context.Context, name string) error {
	if err := d.cli.VolumeRemove(ctx, name, false); err != nil && !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("remove volume %s: %w", name, err)
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ConnectNetwork attaches a container to a network. A container already
// on the network is success, so a repeated apply converges.
func (d *Docker) ConnectNetwork(ctx context.Context, networkName, id string) error {
	err := d.cli.NetworkConnect(ctx, networkName, id, &network.EndpointSettings{})
	if err == nil {
		return nil
	}
	if info, ierr := d.cli.ContainerInspect(ctx, id); ierr == nil && info.NetworkSettings != nil {
		if _, ok := info.NetworkSettings.Networks[networkName]; ok {
			return nil
		}
	}
	return fmt.Errorf("connect %s to network %s: %w", id, networkName, err)
}

// DisconnectNetwork detaches a container from a network; a container or
// network that is gone, or not attached, is not an error.
func (d *Docker) DisconnectNetwork(ctx context.Context, networkName, id string) error {
	err := d.cli.NetworkDisconnect(ctx, networkName, id, true)
	if err == nil || cerrdefs.IsNotFound(err) {
		return nil
	}
	if info, ierr := d.cli.ContainerInspect(ctx, id); ierr == nil && info.NetworkSettings != nil {
		if _, ok := info.NetworkSettings.Networks[networkName]; !ok {
			return nil
		}
	}
	return fmt.Errorf("disconnect %s from network %s: %w", id, networkName, err)
}
