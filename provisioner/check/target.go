package check

import (
	"github.com/tenantctl/tenantctl/provisioner/hostaddr"
	"github.com/tenantctl/tenantctl/provisioner/plan"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// FromPlan builds the target of a tenant that the plan tp was applied
// for: its containers by service, and its published TCP ports on the
// address that reaches them from the host itself (see hostaddr.Dial).
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
			t.Addrs[spec.Service+"."+b.Name] = hostaddr.DialAddr(b.HostIP, b.HostPort)
		}
	}
	return t
}
