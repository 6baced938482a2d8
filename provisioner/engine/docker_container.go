package engine

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/pkg/stdcopy"
	"github.com/docker/go-connections/nat"

	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// maxHealthLog bounds the health check output ContainerState returns.
const maxHealthLog = 500

// cleanupTimeout bounds removing a half-made container, which runs even
// when the caller's context is already cancelled.
const cleanupTimeout = 30 * time.Second

// CreateContainer creates a container attached to all of spec.Networks and
// returns its ID. An existing container of that name is an error wrapping
// ErrContainerExists; it is left alone. If a step after the create fails,
// the half-made container is removed, so there is no partial state.
func (d *Docker) CreateContainer(ctx context.Context, spec resource.ContainerSpec) (string, error) {
	extra := spec.Networks[min(1, len(spec.Networks)):]
	// The engine checks the first network at create time, but (20.10)
	// accepts connecting a created container to a network that does not
	// exist and fails only at start. Check the others first: one request
	// each, and nothing to undo.
	for _, a := range extra {
		if _, err := d.cli.NetworkInspect(ctx, a.Network, network.InspectOptions{}); err != nil {
			return "", fmt.Errorf("create container %s: network %s: %w", spec.Name, a.Network, err)
		}
	}
	cfg, host, netCfg := containerConfig(spec)
	resp, err := d.cli.ContainerCreate(ctx, cfg, host, netCfg, nil, spec.Name)
	if err != nil {
		switch {
		case isPortTaken(err):
			return "", fmt.Errorf("create container %s: %w", spec.Name, portTaken(err))
		case isNameConflict(err):
			return "", fmt.Errorf("create container %s: %w: %w", spec.Name, ErrContainerExists, err)
		}
		return "", fmt.Errorf("create container %s: %w", spec.Name, err)
	}
	for _, a := range extra {
		err := d.cli.NetworkConnect(ctx, a.Network, resp.ID, &network.EndpointSettings{Aliases: a.Aliases})
		if err == nil {
			continue
		}
		err = fmt.Errorf("create container %s: connect network %s: %w", spec.Name, a.Network, err)
		return "", d.removeHalfMade(ctx, resp.ID, err)
	}
	return resp.ID, nil
}

// removeHalfMade removes a container whose creation failed part way and
// returns cause, with the removal's error if that failed too. It runs even
// when ctx is cancelled: cancellation is a common cause.
func (d *Docker) removeHalfMade(ctx context.Context, id string, cause error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	if err := d.RemoveContainer(ctx, id); err != nil {
		return fmt.Errorf("%w (and removing the half-made container: %w)", cause, err)
	}
	return cause
}

// containerConfig translates a spec into the engine's create request. Env
// values appear here and nowhere else: they must never reach an error.
func containerConfig(spec resource.ContainerSpec) (*container.Config, *container.HostConfig, *network.NetworkingConfig) {
	cfg := &container.Config{
		Image:  spec.Image,
		Labels: spec.Labels,
	}
	if len(spec.Command) > 0 {
		cfg.Cmd = spec.Command
	}
	for _, e := range spec.Env {
		cfg.Env = append(cfg.Env, e.Name+"="+e.Value)
	}
	if h := spec.Health; h != nil && len(h.Command) > 0 {
		cfg.Healthcheck = &container.HealthConfig{
			Test:        append([]string{"CMD"}, h.Command...),
			Interval:    h.Interval,
			Timeout:     h.Timeout,
			Retries:     h.Retries,
			StartPeriod: h.StartPeriod,
		}
	}

	noInit := false
	host := &container.HostConfig{
		RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyUnlessStopped},
		LogConfig: container.LogConfig{
			Type:   "json-file",
			Config: map[string]string{"max-size": "10m", "max-file": "3"},
		},
		SecurityOpt:    []string{"no-new-privileges:true"},
		CapDrop:        []string{"ALL"},
		CapAdd:         spec.CapAdd,
		ReadonlyRootfs: spec.ReadOnlyRootfs,
		Init:           &noInit,
		Resources: container.Resources{
			Memory:   spec.Memory,
			NanoCPUs: spec.NanoCPUs,
		},
	}
	if spec.PidsLimit > 0 {
		limit := spec.PidsLimit
		host.Resources.PidsLimit = &limit
	}
	for _, p := range spec.Ports {
		port := containerPort(p)
		if cfg.ExposedPorts == nil {
			cfg.ExposedPorts = nat.PortSet{}
			host.PortBindings = nat.PortMap{}
		}
		cfg.ExposedPorts[port] = struct{}{}
		host.PortBindings[port] = append(host.PortBindings[port], nat.PortBinding{
			HostIP:   p.HostIP,
			HostPort: strconv.Itoa(p.HostPort),
		})
	}
	for _, m := range spec.Mounts {
		host.Mounts = append(host.Mounts, mount.Mount{
			Type:     mount.TypeVolume,
			Source:   m.Volume,
			Target:   m.Target,
			ReadOnly: m.ReadOnly,
		})
	}

	var netCfg *network.NetworkingConfig
	if len(spec.Networks) > 0 {
		first := spec.Networks[0]
		// Joining the first network at create time also replaces the
		// default bridge, which the container must never be on.
		host.NetworkMode = container.NetworkMode(first.Network)
		netCfg = &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
			first.Network: {Aliases: first.Aliases},
		}}
	}
	return cfg, host, netCfg
}

func containerPort(p resource.PortBinding) nat.Port {
	proto := p.Protocol
	if proto == "" {
		proto = "tcp"
	}
	return nat.Port(strconv.Itoa(p.Container) + "/" + proto)
}

// StartContainer starts a created or stopped container.
func (d *Docker) StartContainer(ctx context.Context, id string) error {
	if err := d.cli.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
		if isPortTaken(err) {
			err = portTaken(err)
		}
		if isStaleTask(err) {
			err = fmt.Errorf("%w: %w", ErrStaleStart, err)
		}
		return fmt.Errorf("start container %s: %w", id, err)
	}
	return nil
}

// RemoveContainer kills and removes a container. Named volumes are never
// removed; a missing container, or one already being removed, is success.
func (d *Docker) RemoveContainer(ctx context.Context, id string) error {
	err := d.cli.ContainerRemove(ctx, id, container.RemoveOptions{Force: true, RemoveVolumes: false})
	if err == nil || cerrdefs.IsNotFound(err) || strings.Contains(err.Error(), "already in progress") {
		return nil
	}
	return fmt.Errorf("remove container %s: %w", id, err)
}

// RenameContainer gives a container a new name; the engine does it at
// once, running or not. A name held by another container is an error
// wrapping ErrContainerExists.
func (d *Docker) RenameContainer(ctx context.Context, id, name string) error {
	if err := d.cli.ContainerRename(ctx, id, name); err != nil {
		if isNameConflict(err) {
			return fmt.Errorf("rename container %s to %s: %w: %w", id, name, ErrContainerExists, err)
		}
		return fmt.Errorf("rename container %s to %s: %w", id, name, err)
	}
	return nil
}

// ContainerState inspects one container.
func (d *Docker) ContainerState(ctx context.Context, id string) (State, error) {
	info, err := d.cli.ContainerInspect(ctx, id)
	if cerrdefs.IsNotFound(err) {
		return State{}, fmt.Errorf("inspect container %s: %w: %w", id, ErrNoSuchContainer, err)
	}
	if err != nil {
		return State{}, fmt.Errorf("inspect container %s: %w", id, err)
	}
	if info.ContainerJSONBase == nil || info.State == nil {
		return State{}, fmt.Errorf("inspect container %s: engine returned no state", id)
	}
	st := State{Status: string(info.State.Status), ExitCode: info.State.ExitCode,
		NeverStarted: info.State.StartedAt == "" || strings.HasPrefix(info.State.StartedAt, "0001-01-01")}
	if h := info.State.Health; h != nil {
		st.Health = string(h.Status)
		if n := len(h.Log); n > 0 && h.Log[n-1] != nil {
			st.HealthLog = truncate(strings.TrimSpace(h.Log[n-1].Output), maxHealthLog)
		}
	}
	if info.Config != nil && info.HostConfig != nil {
		cfg := &resource.ContainerConfig{Env: map[string]string{}, Command: info.Config.Cmd,
			Memory: info.HostConfig.Memory, NanoCPUs: info.HostConfig.NanoCPUs}
		if info.HostConfig.PidsLimit != nil {
			cfg.PidsLimit = *info.HostConfig.PidsLimit
		}
		for _, kv := range info.Config.Env {
			k, v, _ := strings.Cut(kv, "=")
			cfg.Env[k] = v
		}
		st.Config = cfg
	}
	return st, nil
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// Logs returns the last lines of a container's stdout and stderr,
// interleaved as written. lines <= 0 means all.
func (d *Docker) Logs(ctx context.Context, id string, lines int) (string, error) {
	tail := "all"
	if lines > 0 {
		tail = strconv.Itoa(lines)
	}
	rc, err := d.cli.ContainerLogs(ctx, id, container.LogsOptions{ShowStdout: true, ShowStderr: true, Tail: tail})
	if err != nil {
		return "", fmt.Errorf("logs of container %s: %w", id, err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	// Containers without a TTY (all of ours) multiplex both streams.
	if _, err := stdcopy.StdCopy(&buf, &buf, rc); err != nil {
		return buf.String(), fmt.Errorf("logs of container %s: %w", id, err)
	}
	return buf.String(), nil
}

// ImageExists reports whether an image reference is present on the host.
func (d *Docker) ImageExists(ctx context.Context, ref string) (bool, error) {
	if _, err := d.cli.ImageInspect(ctx, ref); err != nil {
		if cerrdefs.IsNotFound(err) {
			return false, nil
		}
		return false, fmt.Errorf("inspect image %s: %w", ref, err)
	}
	return true, nil
}
