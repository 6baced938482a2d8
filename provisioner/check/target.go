package check

import (
	"net"
	"strconv"

	"github.com/tenantctl/tenantctl/provisioner/plan"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// FromPlan builds the target of a tenant that the plan tp was applied
// for: its containers by service, and its published TCP ports on the
// loopback address (or on the bound address, when that is specific).
func FromPlan(tp *plan.TenantPlan, exec Execer) *Target {
	t := &Target{Addrs: map[string]string{}, Containers: map[string]string{}, Exec: exec}
	for _, op := range tp.Operations {
		spec := op.Container
		if spec == nil || op.Action == plan.Delete || op.ID.Kind != resource.KindContainer {
			continue
		}
		t.Containers[spec.Service] = spec.Name
		for _, b := range spec.Ports {
			if b.Protocol != "" && b.Protocol != "tcp" {
				continue
			}
			host := b.HostIP
			if host == "" || host == "0.0.0.0" || host == "::" {
				host = "127.0.0.1"
			}
			t.Addrs[spec.Service+"."+b.Name] = net.JoinHostPort(host, strconv.Itoa(b.HostPort))
		}
	}
	return t
}
