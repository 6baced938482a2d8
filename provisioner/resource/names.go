package resource

// Name is the one function that names tenantctl's Docker objects:
// "<project>_<tenant>_<part>". Project, tenant and part are DNS labels, which
// never contain "_", so the result is a valid container, network and volume
// name that cannot collide between projects, tenants or parts.
func Name(project, tenant, part string) string {
	return project + "_" + tenant + "_" + part
}

// EdgeName names the edge proxy's container, network and volume on a host:
// "<project>__edge". Name never makes it: a tenant name is at least two
// characters, so "<project>_<tenant>_<part>" never has "__" after the
// project, and no other project's objects start with "<project>_" (a
// project name has no "_").
func EdgeName(project string) string { return project + "__edge" }

// PendingName is the temporary name of a replacement for the container
// called name: it is created beside the old one under this name, and
// renamed to name once the old one is removed. No part of a container's
// name contains ".", so it cannot collide with a name Name makes.
func PendingName(name string) string { return name + ".next" }

// ID identifies a resource in a plan, e.g. "container acme/app".
type ID struct {
	Kind   Kind
	Tenant string
	// Name is the service, the network role or the volume name.
	Name string
}

// String renders the id as "kind tenant/name".
func (id ID) String() string { return string(id.Kind) + " " + id.Tenant + "/" + id.Name }
