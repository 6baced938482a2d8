package config

import (
	"fmt"
	"net/netip"

	"github.com/hashicorp/hcl/v2"

	"github.com/tenantctl/tenantctl/provisioner/model"
)

// fixedPort is a port with a fixed host port, and where that was written.
type fixedPort struct {
	tenant  *tenant
	service string
	port    model.Port
	r       hcl.Range
}

// portConflicts reports fixed host ports that two services would publish
// on the same host, whether of one tenant or of two.
func portConflicts(fixed []fixedPort) hcl.Diagnostics {
	var diags hcl.Diagnostics
	type key struct {
		host     string
		protocol string
		port     int
	}
	seen := map[key][]fixedPort{}
	for _, fp := range fixed {
		k := key{fp.tenant.host, fp.port.Protocol, fp.port.Host}
		for _, prev := range seen[k] {
			if !addressesOverlap(prev.port.HostIP, fp.port.HostIP) {
				continue
			}
			diags = append(diags, errorAt(fp.r,
				fmt.Sprintf("Duplicate host port %d/%s", fp.port.Host, fp.port.Protocol),
				fmt.Sprintf("Service %q of tenant %q (%s) publishes host port %d/%s on host %q, but service %q of tenant %q (%s) already does. Set host = 0 to have a free port allocated, or move one of the tenants to another host.",
					fp.service, fp.tenant.name, fp.tenant.source(), fp.port.Host, fp.port.Protocol, fp.tenant.host,
					prev.service, prev.tenant.name, prev.tenant.source())))
			break
		}
		seen[k] = append(seen[k], fp)
	}
	return diags
}

// addressesOverlap reports whether binding the same port on host
// addresses a and b conflicts: the same address, or either is the
// unspecified address that binds them all.
func addressesOverlap(a, b string) bool {
	aa, errA := netip.ParseAddr(a)
	ba, errB := netip.ParseAddr(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return aa == ba || aa.IsUnspecified() || ba.IsUnspecified()
}
