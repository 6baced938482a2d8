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
	// LabelPorts records allocated host ports, so a tenant keeps its URLs
	// while a container is stopped or after it was removed by hand (a list
	// call shows the ports of running containers only). On a tenant's
	// internal network it holds every host port of the tenant when the
	// network was created ("app.http=20001,db.admin=20002"); Docker labels
	// cannot change, so ports added later are recorded only on the
	// containers. On a container it holds its service's allocated host
	// ports by port name ("http=20001,admin=20002"); the container is
	// re-created whenever they change, so it is always current.
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
	// KindKey is a tenant's key record: an empty volume named
	// PROJECT_TENANT_key whose LabelKeyID names the master key that made
	// the tenant. It holds no data.
	KindKey Kind = "key"
	// KindEdge marks the objects of a host's edge proxy: its container
	// and its volume (routes and certificates). They belong to the
	// project, not to a tenant: they carry no LabelTenant.
	KindEdge Kind = "edge"
)

// LabelKeyID, on a key record, is the master key's public fingerprint
// (secret.Key.ID), never the key or a secret.
const LabelKeyID = "tenantctl.key-id"

// Labels of a lock volume.
const (
	LabelLockID        = "tenantctl.lock.id"
	LabelLockHolder    = "tenantctl.lock.holder"
	LabelLockPID       = "tenantctl.lock.pid"
	LabelLockSince     = "tenantctl.lock.since"
	LabelLockOperation = "tenantctl.lock.operation"
	// The holder's process beyond its PID (see package lock): the boot
	// id of its machine, the inode of its PID namespace and its start
	// time in clock ticks after boot. A holder is judged dead only by a
	// run with the same boot id and PID namespace.
	LabelLockBootID       = "tenantctl.lock.boot-id"
	LabelLockPIDNamespace = "tenantctl.lock.pid-ns"
	LabelLockStartTime    = "tenantctl.lock.start-time"
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
