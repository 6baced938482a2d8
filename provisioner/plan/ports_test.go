package plan

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/tenantctl/tenantctl/provisioner/model"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// withAdminPort adds a second published port to every tenant's app, as a
// template gaining a port after its tenants exist.
func withAdminPort(p *model.Project) *model.Project {
	for i := range p.Tenants {
		app := &p.Tenants[i].Services[1]
		app.Ports = append(slices.Clone(app.Ports), model.Port{Name: "admin", Container: 9090, HostIP: "0.0.0.0", Protocol: "tcp"})
	}
	return p
}

// hostPortOf is the host port a plan gives a tenant's named service port.
func hostPortOf(p *Plan, tenant, service, port string) int {
	for _, t := range p.Tenants {
		for _, op := range t.Operations {
			if t.Name != tenant || op.ID.Name != service || op.Container == nil {
				continue
			}
			for _, b := range op.Container.Ports {
				if b.Name == port {
					return b.HostPort
				}
			}
		}
	}
	return -1
}

// stop makes a tenant's service container exited, as `docker stop` does:
// a list call then shows no ports for it.
func stop(obs *resource.Observed, name string) {
	obs.Containers = slices.Clone(obs.Containers)
	obs.UsedPorts = nil
	for i := range obs.Containers {
		c := &obs.Containers[i]
		if c.Name == name {
			c.State, c.Ports = "exited", nil
		}
		for _, b := range c.Ports {
			obs.UsedPorts = append(obs.UsedPorts, b.HostPort)
		}
	}
}

// opOf is a tenant's operation on a service container.
func opOf(p *Plan, tenant, service string) Operation {
	for _, t := range p.Tenants {
		for _, op := range t.Operations {
			if t.Name == tenant && op.ID.Kind == resource.KindContainer && op.ID.Name == service {
				return op
			}
		}
	}
	return Operation{}
}

// A port added after the tenant's network was made is recorded on the
// container; while that container is stopped the port stays the tenant's,
// even when it was not the allocator's first choice.
func TestPortAddedLaterKeptWhileStopped(t *testing.T) {
	obs := simulate(reconcile(t, project(), base(), Options{}), base())

	// The admin port's first choice is held by another program when the
	// port is added, so acme gets another one.
	firstChoice := hostPortOf(reconcile(t, withAdminPort(project()), obs, Options{}), "acme", "app", "admin")
	busy := *obs
	busy.UsedPorts = append(slices.Clone(obs.UsedPorts), firstChoice)
	grown := reconcile(t, withAdminPort(project()), &busy, Options{})
	admin := hostPortOf(grown, "acme", "app", "admin")
	if admin == firstChoice || admin <= 0 {
		t.Fatalf("admin port %d, want one other than the busy %d", admin, firstChoice)
	}
	obs = simulate(grown, obs)

	// The other program is gone; acme's app is stopped.
	stop(obs, "demo_acme_app")
	again := reconcile(t, withAdminPort(project()), obs, Options{})
	if got := hostPortOf(again, "acme", "app", "admin"); got != admin {
		t.Errorf("stopped acme's admin port moved: %d → %d", admin, got)
	}
	if op := opOf(again, "acme", "app"); op.Action != Update {
		t.Errorf("stopped acme app: %s %v, want update (start it)", op.Action, op.Causes)
	}
	if again.Counts() != (Counts{Update: 1}) {
		t.Errorf("counts = %+v, want only acme's app started", again.Counts())
	}
}

// Ports recorded on a stopped container are never handed to another
// tenant: with every port of the range recorded, a new tenant gets none.
func TestRecordedPortsNeverHandedToAnother(t *testing.T) {
	p := project()
	p.Tenants = p.Tenants[:1]
	p.PortRange = model.PortRange{First: 20000, Last: 20001}
	obs := simulate(reconcile(t, p, base(), Options{}), base())
	grown := reconcile(t, withAdminPort(p), obs, Options{})
	obs = simulate(grown, obs)
	recorded := []int{hostPortOf(grown, "acme", "app", "http"), hostPortOf(grown, "acme", "app", "admin")}
	stop(obs, "demo_acme_app")

	p = project()
	p.PortRange = model.PortRange{First: 20000, Last: 20001}
	withAdminPort(p)
	// The newcomer comes first, so it is planned before acme is.
	newcomer := p.Tenants[1]
	newcomer.Name = "initech"
	newcomer.Services = slices.Clone(newcomer.Services)
	newcomer.Services[1].Ports = newcomer.Services[1].Ports[:1]
	p.Tenants = []model.Tenant{newcomer, p.Tenants[0]}
	pl, err := Reconcile(p, map[string]*resource.Observed{"local": obs}, Options{})
	if err == nil {
		t.Fatalf("acme holds %v; initech was given %d, want no free port", recorded, hostPortOf(pl, "initech", "app", "http"))
	}
	// Not acme's error: acme keeps both its ports, the newcomer gets none.
	if !strings.Contains(err.Error(), "tenant initech: ") || !strings.Contains(err.Error(), "no free port") {
		t.Fatalf("err = %v, want the range to be full for initech", err)
	}
}

// Without every port on the host, a plan that must choose a host port
// says which hosts' ports it needs; one that keeps the bound ports does
// not, and a read-only plan chooses from what it sees.
func TestChoosingPortsNeedsTheHostsPorts(t *testing.T) {
	projectOnly := func(obs *resource.Observed) *resource.Observed {
		o := *obs
		o.AllPorts = false
		return &o
	}
	needs := func(obs *resource.Observed, p *model.Project) []string {
		t.Helper()
		_, err := Reconcile(p, map[string]*resource.Observed{"local": obs}, Options{})
		var hp *HostPortsError
		if errors.As(err, &hp) {
			return hp.Hosts
		}
		if err != nil {
			t.Fatal(err)
		}
		return nil
	}

	if got := needs(projectOnly(base()), project()); !slices.Equal(got, []string{"local"}) {
		t.Errorf("new tenants: needs ports of %v, want [local]", got)
	}
	applied := simulate(reconcile(t, project(), base(), Options{}), base())
	if got := needs(projectOnly(applied), project()); got != nil {
		t.Errorf("applied tenants: needs ports of %v, want none", got)
	}
	if got := needs(projectOnly(applied), withAdminPort(project())); !slices.Equal(got, []string{"local"}) {
		t.Errorf("a port added: needs ports of %v, want [local]", got)
	}
	stopped := projectOnly(applied)
	stop(stopped, "demo_acme_app")
	if got := needs(stopped, project()); !slices.Equal(got, []string{"local"}) {
		t.Errorf("a stopped container's recorded port: needs ports of %v, want [local]", got)
	}

	ro := reconcile(t, project(), stopped, Options{ReadOnly: true})
	if got, want := hostPortOf(ro, "acme", "app", "http"), hostPortOf(reconcile(t, project(), base(), Options{}), "acme", "app", "http"); got != want {
		t.Errorf("read-only plan: acme's stopped app on port %d, want its recorded %d", got, want)
	}
}
