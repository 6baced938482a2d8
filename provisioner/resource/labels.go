// Package resource describes the Docker objects tenantctl manages — networks,
// volumes and containers — both as desired specs and as observed on an
// engine. It defines the labels that are tenantctl's only state and the one
// function that names every object. It does no I/O.
package resource

// Label keys carried by every network, volume and container tenantctl makes.
// They are a contract: operators filter on them
// (docker ps --filter label=tenantctl.tenant=acme).
const (
	LabelProject  = "tenantctl.project"
	LabelTenant   = "tenantctl.tenant"
	LabelService  = "tenantctl.service"
	LabelSpecHash = "tenantctl.spec-hash"
	// LabelKind is "network", "volume" or "container".
	LabelKind = "tenantctl.kind"
	// LabelRole names a network's role ("internal" or "edge") or a volume's name.
	LabelRole = "tenantctl.role"
	// LabelFields, on a container, holds a short hash per group of spec
	// fields ("env=1a2b3c,image=..."), so a plan can say which fields
	// changed without keeping the old spec anywhere.
	LabelFields = "tenantctl.spec-fields"
	// LabelPorts, on a tenant's internal network, records the host ports
	// allocated at creation ("app.http=20001,..."), so a tenant keeps its
	// URL when a container is removed by hand.
	LabelPorts = "tenantctl.ports"
	// LabelEphemeral is "true" on the objects of an ephemeral tenant (a
	// smoke run), and LabelExpires holds its expiry time (RFC 3339, UTC).
	LabelEphemeral = "tenantctl.ephemeral"
	LabelExpires   = "tenantctl.expires"
	// LabelReplacement, on a container made to replace another, holds the
	// temporary name it was created under (see PendingName). While the
	// container still has that name it is a pending replacement — an apply
	// was interrupted before switching it in — and not the service's
	// container: status ignores it and the next apply removes it. The
	// label stays after the switch; the name is what tells.
	LabelReplacement = "tenantctl.replacement"
	// LabelUserPrefix prefixes a tenant's own labels (tenantctl.label.tier).
	LabelUserPrefix = "tenantctl.label."
)

// Kinds of resource.
const (
	KindNetwork   Kind = "network"
	KindVolume    Kind = "volume"
	KindContainer Kind = "container"
	// KindLock is a tenant's lock: an empty volume whose labels name the
	// holder. It holds no data.
	KindLock Kind = "lock"
)

// Labels of a lock volume.
const (
	LabelLockID        = "tenantctl.lock.id"
	LabelLockHolder    = "tenantctl.lock.holder"
	LabelLockPID       = "tenantctl.lock.pid"
	LabelLockSince     = "tenantctl.lock.since"
	LabelLockOperation = "tenantctl.lock.operation"
)

// Kind is the type of a Docker object.
type Kind string

// Network roles: every tenant has an internal network (no route out) that
// all its services join, and an edge network for services that are not
// internal, which carries published ports and outbound traffic.
const (
	RoleInternal = "internal"
	RoleEdge     = "edge"
)
