package resource

import (
	"net/netip"
	"time"
)

// NetworkSpec is a desired tenant network.
type NetworkSpec struct {
	Name   string
	Tenant string
	Role   string
	// Internal networks have no route out.
	Internal bool
	// Subnet is allocated from the project's pool.
	Subnet netip.Prefix
	Labels map[string]string
}

// VolumeSpec is a desired named volume.
type VolumeSpec struct {
	Name   string
	Tenant string
	// Volume is the volume's name in the template.
	Volume string
	Labels map[string]string
}

// ContainerSpec is a desired container, complete enough to create it.
type ContainerSpec struct {
	Name    string
	Tenant  string
	Service string
	Image   string
	Command []string
	// Env is sorted by name.
	Env    []EnvVar
	Labels map[string]string
	// Networks are joined in order; the first is used at create time.
	Networks []Attachment
	Ports    []PortBinding
	Mounts   []Mount
	// Health is the engine-side health check (a command), if any.
	Health *HealthCheck
	// Probe is an HTTP readiness probe run by tenantctl, if any.
	Probe     *HTTPProbe
	Memory    int64
	NanoCPUs  int64
	PidsLimit int64
	// CapAdd are capabilities added back after dropping all. omitempty
	// keeps the spec hash of containers without any unchanged.
	CapAdd []string `json:",omitempty"`
	// ReadOnlyRootfs mounts the container's root file system read-only
	// (the edge proxy; it writes to its volume only). omitempty keeps
	// the spec hash of tenant containers unchanged.
	ReadOnlyRootfs bool `json:",omitempty"`
}

// EnvVar is one environment variable; sensitive values are never printed
// and enter the spec hash only hashed.
type EnvVar struct {
	Name      string
	Value     string
	Sensitive bool
}

// Attachment joins a container to a network with DNS aliases.
type Attachment struct {
	Network string
	Aliases []string
}

// PortBinding publishes a container port on the host.
type PortBinding struct {
	// Name is the port's name in the template.
	Name      string
	Container int
	Protocol  string
	HostIP    string
	HostPort  int
}

// Mount mounts a named volume.
type Mount struct {
	Volume   string
	Target   string
	ReadOnly bool
}

// HealthCheck is a command the engine runs to judge health.
type HealthCheck struct {
	Command     []string
	Interval    time.Duration
	Timeout     time.Duration
	Retries     int
	StartPeriod time.Duration
}

// HTTPProbe is a readiness probe tenantctl runs itself against a published
// port, for images (FROM scratch) that have no shell or curl.
type HTTPProbe struct {
	Path     string
	HostPort int
	Interval time.Duration
	Timeout  time.Duration
	Retries  int
}
