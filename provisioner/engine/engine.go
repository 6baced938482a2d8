// Package engine is tenantctl's narrow view of a container engine: observe
// one project's objects with a fixed number of list calls (and, when a
// plan must choose a host port, one more for the ports of everything else
// on the host), and create, start, rename, remove and exec into single
// objects. The Docker implementation lives in docker.go; every request it
// makes is bounded (timeouts.go). Unit tests of pure logic may fake this
// interface.
package engine

import (
	"context"
	"errors"
	"io"

	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// Engine is one host's container engine.
type Engine interface {
	// Observe lists the project's networks, volumes and containers, plus the
	// subnets in use by anything on the host. Its UsedPorts are those of
	// the project's running containers only (AllPorts unset). It costs a
	// fixed number of list calls however many tenants there are, and
	// whatever else is on the host.
	Observe(ctx context.Context, project string) (*resource.Observed, error)
	// HostPorts lists the host ports published by every container on the
	// host, of any project or program, sorted: one list call, whose cost
	// grows with everything on the host. A plan needs it only to choose a
	// host port (see plan.HostPortsError); status never does.
	HostPorts(ctx context.Context) ([]int, error)

	// CreateNetwork creates a network. If its subnet overlaps one in use it
	// returns an error wrapping ErrSubnetTaken.
	CreateNetwork(ctx context.Context, spec resource.NetworkSpec) error
	// RemoveNetwork removes a network by name; a missing one is not an error.
	RemoveNetwork(ctx context.Context, name string) error
	// ConnectNetwork attaches a container to a network (the edge proxy to
	// a tenant's edge network); already attached is not an error.
	ConnectNetwork(ctx context.Context, network, id string) error
	// DisconnectNetwork detaches a container from a network; not
	// attached, or either gone, is not an error.
	DisconnectNetwork(ctx context.Context, network, id string) error

	// CreateVolume creates a named volume and returns its labels. An
	// existing volume of that name is kept as is and its own labels are
	// returned: the engine does this atomically per name, which makes it a
	// test-and-set (see package lock).
	CreateVolume(ctx context.Context, spec resource.VolumeSpec) (map[string]string, error)
	// VolumeLabels returns a volume's labels, and found=false (and no
	// error) when there is no volume of that name.
	VolumeLabels(ctx context.Context, name string) (labels map[string]string, found bool, err error)
	// RemoveVolume removes a volume by name; a missing one is not an error.
	RemoveVolume(ctx context.Context, name string) error

	// CreateContainer creates (but does not start) a container attached to
	// all of spec.Networks and returns its ID. If a host port is taken the
	// error wraps ErrPortTaken.
	CreateContainer(ctx context.Context, spec resource.ContainerSpec) (string, error)
	// StartContainer starts a created or stopped container. If a host port
	// is taken the error wraps ErrPortTaken.
	StartContainer(ctx context.Context, id string) error
	// RemoveContainer stops and removes a container, never its volumes; a
	// missing one is not an error.
	RemoveContainer(ctx context.Context, id string) error
	// RenameContainer gives a container a new name. If another container
	// has that name the error wraps ErrContainerExists.
	RenameContainer(ctx context.Context, id, name string) error

	// ContainerState inspects one container: its state, health and config.
	ContainerState(ctx context.Context, id string) (State, error)
	// Logs returns the last lines of a container's output.
	Logs(ctx context.Context, id string, lines int) (string, error)

	// Exec runs a command in a running container and returns its exit code
	// and combined output (at most 64 KiB).
	Exec(ctx context.Context, id string, command []string) (ExecResult, error)

	// ReadFile returns a regular file of a container (at most 1 MiB),
	// like `docker cp`, needing no program in the container.
	ReadFile(ctx context.Context, id, path string) ([]byte, error)

	// ImageExists reports whether an image reference is present on the host.
	ImageExists(ctx context.Context, ref string) (bool, error)

	// Calls is the number of engine API requests made so far.
	Calls() int64

	io.Closer
}

// State is a container's runtime state.
type State struct {
	// Status is created, running, paused, restarting, removing, exited or dead.
	Status string
	// Health is healthy, unhealthy, starting, or "" without a health check.
	Health   string
	ExitCode int
	// NeverStarted is set for a container the engine has never started.
	NeverStarted bool
	// HealthLog is the output of the last health check, for messages.
	HealthLog string
	// Config is the container's environment, command and limits.
	Config *resource.ContainerConfig
}

// ExecResult is the outcome of Exec.
type ExecResult struct {
	ExitCode int
	Output   string
}

// Errors the executor reacts to.
var (
	ErrSubnetTaken = errors.New("subnet already in use")
	ErrPortTaken   = errors.New("host port already in use")
	// ErrNoSuchContainer means the container does not exist (ContainerState).
	ErrNoSuchContainer = errors.New("no such container")
	// ErrStaleStart means the engine cannot start a container because it
	// still holds the task of a start that an engine restart cut short;
	// such a container never ran and can only be removed and made again.
	ErrStaleStart = errors.New("the engine still holds the task of a start cut short by an engine restart")
)
