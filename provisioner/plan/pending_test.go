package plan

import (
	"strings"
	"testing"

	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// withPending adds to obs the replacement an interrupted apply leaves
// beside a service's container: a created, never started copy under the
// temporary name, labelled as a replacement.
func withPending(obs *resource.Observed, tenant, service string) resource.Container {
	for _, c := range obs.Containers {
		if c.Labels[resource.LabelTenant] != tenant || c.Labels[resource.LabelService] != service {
			continue
		}
		labels := map[string]string{}
		for k, v := range c.Labels {
			labels[k] = v
		}
		c.Name = resource.PendingName(c.Name)
		c.ID = "id-" + c.Name
		labels[resource.LabelReplacement] = c.Name
		c.Labels, c.State, c.Ports = labels, "created", nil
		obs.Containers = append(obs.Containers, c)
		return c
	}
	panic("no container of " + tenant + "/" + service)
}

// withoutID removes one container from obs.
func withoutID(obs *resource.Observed, id string) {
	var keep []resource.Container
	for _, c := range obs.Containers {
		if c.ID != id {
			keep = append(keep, c)
		}
	}
	obs.Containers = keep
}

// containerOps returns the tenant's container operations on a service.
func containerOps(p *Plan, tenant, service string) []Operation {
	var out []Operation
	for _, t := range p.Tenants {
		for _, op := range t.Operations {
			if t.Name == tenant && op.ID.Kind == resource.KindContainer && op.ID.Name == service {
				out = append(out, op)
			}
		}
	}
	return out
}

// A kill after the replacement was created beside the old container: the
// old one is still the service's; the leftover is removed, never adopted.
func TestLeftoverReplacementBesideOldIsRemoved(t *testing.T) {
	pr := project()
	obs := simulate(reconcile(t, pr, base(), Options{}), base())
	pending := withPending(obs, "acme", "app")

	p := reconcile(t, pr, obs, Options{})
	ops := containerOps(p, "acme", "app")
	if len(ops) != 2 || ops[0].Action != NoOp || ops[0].Existing != "id-demo_acme_app" ||
		ops[1].Action != Delete || ops[1].Existing != pending.ID || !strings.Contains(ops[1].Causes[0], "interrupted apply") {
		t.Fatalf("ops = %+v", ops)
	}
	if c := p.Counts(); c != (Counts{Delete: 1}) {
		t.Fatalf("counts = %+v", c)
	}
	// After the removal the plan is empty.
	withoutID(obs, pending.ID)
	if p := reconcile(t, pr, obs, Options{}); p.HasChanges() {
		t.Fatalf("plan after removing the leftover: %+v", p.Counts())
	}
}

// A kill after the old container was removed, before the rename: only the
// replacement is left, which is not the service's container.
func TestLeftoverReplacementAloneIsRemovedAndServiceCreated(t *testing.T) {
	pr := project()
	obs := simulate(reconcile(t, pr, base(), Options{}), base())
	pending := withPending(obs, "acme", "app")
	var port int
	for _, c := range obs.Containers {
		if c.ID == "id-demo_acme_app" {
			port = c.Ports[0].HostPort
		}
	}
	withoutID(obs, "id-demo_acme_app")
	var used []int
	for _, u := range obs.UsedPorts {
		if u != port {
			used = append(used, u)
		}
	}
	obs.UsedPorts = used

	p := reconcile(t, pr, obs, Options{})
	ops := containerOps(p, "acme", "app")
	if len(ops) != 2 || ops[0].Action != Create || !strings.Contains(ops[0].Causes[0], "interrupted while replacing") ||
		ops[1].Action != Delete || ops[1].Existing != pending.ID {
		t.Fatalf("ops = %+v", ops)
	}
	// The port stays the tenant's: recorded on its network.
	if got := ops[0].Container.Ports[0].HostPort; got != port || port == 0 {
		t.Fatalf("port %d, want %d", got, port)
	}
}

// After the switch the container keeps its replacement label, but under
// its final name it is the service's container.
func TestRenamedReplacementIsTheService(t *testing.T) {
	pr := project()
	obs := simulate(reconcile(t, pr, base(), Options{}), base())
	for i := range obs.Containers {
		c := &obs.Containers[i]
		if c.Name == "demo_acme_app" {
			c.Labels[resource.LabelReplacement] = resource.PendingName(c.Name)
		}
	}
	if p := reconcile(t, pr, obs, Options{}); p.HasChanges() {
		t.Fatalf("a switched-in replacement is planned again: %+v", p.Tenants)
	}
}

// Destroy and prune remove leftovers too.
func TestDestroyRemovesLeftoverReplacement(t *testing.T) {
	pr := project()
	obs := simulate(reconcile(t, pr, base(), Options{}), base())
	pending := withPending(obs, "acme", "db")
	p, err := Destroy("demo", map[string]*resource.Observed{"local": obs}, []string{"acme"}, false)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, op := range containerOps(p, "acme", "db") {
		found = found || (op.Action == Delete && op.Existing == pending.ID)
	}
	if !found {
		t.Fatalf("destroy leaves the leftover: %+v", p.Tenants)
	}
}
