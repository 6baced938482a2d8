// Package status says, for sales and support, how each tenant is doing:
// running, degraded, stopped, provisioning, missing, orphaned or drifted,
// with its health, version, URL, age and labels. Compute is a pure function
// of what plan already gathers — the desired project, one observation per
// host and the plan reconciled from them — plus the results of tenantctl's
// own HTTP health probes; it does no I/O. `tenantctl status` and the web
// dashboard are renderings of its Report.
//
// A TenantStatus never carries environment values, so no rendering of it
// can show a secret.
package status

import (
	"errors"
	"sort"
	"time"
)

// FormatVersion is the version of the JSON schema; fields are only ever
// added.
const FormatVersion = "1"

// State is a tenant's overall condition.
type State string

// States, from the best to the ones that need a look.
const (
	// Running: every service is up and healthy, and nothing differs from
	// the definition.
	Running State = "running"
	// Drifted: up and healthy, but apply would create, replace or delete
	// something (an image or label changed by hand, a network removed, ...).
	Drifted State = "drifted"
	// Provisioning: services are starting (health check not passed yet,
	// or not created yet while the ones before them start).
	Provisioning State = "provisioning"
	// Degraded: some service is unhealthy, restarting or down.
	Degraded State = "degraded"
	// Stopped: deployed, but no service is running.
	Stopped State = "stopped"
	// Missing: defined in tenants/ but not deployed.
	Missing State = "missing"
	// Orphaned: deployed, but no definition in tenants/.
	Orphaned State = "orphaned"
	// KeyMismatch: its key record names another master key than the one
	// in use, so its secrets are not this key's; nothing is judged until
	// the right key is restored.
	KeyMismatch State = "key-mismatch"
	// Unreachable: its host could not be observed (or no host could
	// take it); nothing is known of it this time.
	Unreachable State = "unreachable"
)

// States lists every state, in the order above.
var States = []State{Running, Drifted, Provisioning, Degraded, Stopped, Missing, Orphaned, KeyMismatch, Unreachable}

// Service health values.
const (
	Healthy   = "healthy"   // running and its check passes
	Unhealthy = "unhealthy" // running and its check fails
	Starting  = "starting"  // running (or created), check not passed yet
	NoCheck   = "none"      // running, no health check defined
	Down      = "down"      // not running or no container
	Unknown   = "unknown"   // tenant level: nothing deployed
)

// ErrNotFound is returned (wrapped) for a tenant that is neither defined
// nor on any engine.
var ErrNotFound = errors.New("no such tenant")

// Report is the status of a project's tenants at one moment. It is the
// document `status --json` prints and GET /api/tenants serves.
type Report struct {
	FormatVersion string `json:"format_version"`
	Project       string `json:"project"`
	// Time is when the engines were observed.
	Time time.Time `json:"time"`
	// Counts has every state as a key, zero included.
	Counts  map[State]int  `json:"counts"`
	Tenants []TenantStatus `json:"tenants"`
	// Edges are the edge proxies, with an edge block only.
	Edges []EdgeStatus `json:"edges,omitempty"`
}

// TenantStatus is one tenant's status.
type TenantStatus struct {
	Name  string `json:"name"`
	Host  string `json:"host"`
	State State  `json:"state"`
	// Reasons explain a state other than running, one line each
	// ("app: container exited", "container app: image changed ...").
	Reasons []string `json:"reasons"`
	// Health sums the services up: healthy, starting, unhealthy, down, or
	// unknown when nothing is deployed.
	Health string `json:"health"`
	// Version is the image tag of the first service with published ports
	// (else of the first service).
	Version string `json:"version"`
	// URL is where the tenant's first published TCP port answers; empty
	// when it is not deployed.
	URL       string            `json:"url"`
	Labels    map[string]string `json:"labels"`
	Protected bool              `json:"protected"`
	Defined   bool              `json:"defined"`
	Deployed  bool              `json:"deployed"`
	// Created and Updated are the creation times of the oldest and the
	// newest container; nil without containers.
	Created    *time.Time `json:"created"`
	Updated    *time.Time `json:"updated"`
	AgeSeconds int64      `json:"age_seconds"`
	// Services are in dependency order for defined tenants, by name for
	// orphans.
	Services []ServiceStatus `json:"services"`
}

// ServiceStatus is one service's container.
type ServiceStatus struct {
	Name string `json:"name"`
	// Container is the container's name; empty when there is none.
	Container string `json:"container"`
	// Image is the image the container runs (the desired one without a
	// container).
	Image string `json:"image"`
	// State is the engine's container state (running, exited, ...) or
	// "missing".
	State string `json:"state"`
	// Health is healthy, unhealthy, starting, none or down.
	Health string `json:"health"`
	// Check is how health is judged: "command" (by the engine), "http"
	// (probed by tenantctl) or "none".
	Check string `json:"check"`
	// HealthOutput is the last health-check output or probe result, when
	// known (the tenant detail view inspects containers for it).
	HealthOutput string     `json:"health_output,omitempty"`
	Created      *time.Time `json:"created"`
	Ports        []Port     `json:"ports"`
}

// Port is a published port.
type Port struct {
	Name      string `json:"name"`
	Container int    `json:"container"`
	Host      int    `json:"host"`
	Protocol  string `json:"protocol"`
	// URL is set for TCP ports of a deployed tenant.
	URL string `json:"url,omitempty"`
}

// Healthy counts the services that are healthy or running without a check.
func (t *TenantStatus) Healthy() int {
	n := 0
	for _, s := range t.Services {
		if s.Health == Healthy || s.Health == NoCheck {
			n++
		}
	}
	return n
}

// OK reports whether the tenant is running as defined.
func (t *TenantStatus) OK() bool { return t.State == Running }

// Find returns the tenant with the given name, or nil.
func (r *Report) Find(name string) *TenantStatus {
	for i := range r.Tenants {
		if r.Tenants[i].Name == name {
			return &r.Tenants[i]
		}
	}
	return nil
}

// AddUnobserved adds a row for each tenant that could not be observed,
// with the reason, and counts the states again.
func (r *Report) AddUnobserved(desired []UnobservedTenant) {
	for _, u := range desired {
		r.Tenants = append(r.Tenants, TenantStatus{
			Name: u.Name, Host: u.Host, State: Unreachable, Reasons: []string{u.Reason},
			Health: Unknown, Labels: nonNil(u.Labels), Protected: u.Protected, Defined: true,
			Services: []ServiceStatus{},
		})
	}
	sort.SliceStable(r.Tenants, func(i, j int) bool { return r.Tenants[i].Name < r.Tenants[j].Name })
	r.Counts = CountStates(r.Tenants)
}

// UnobservedTenant is a defined tenant whose host could not be observed.
type UnobservedTenant struct {
	Name, Host, Reason string
	Labels             map[string]string
	Protected          bool
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// CountStates returns the number of tenants in each state, every state
// present.
func CountStates(tenants []TenantStatus) map[State]int {
	counts := map[State]int{}
	for _, s := range States {
		counts[s] = 0
	}
	for _, t := range tenants {
		counts[t.State]++
	}
	return counts
}
