package status

import (
	"net/netip"
	"testing"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/model"
	"github.com/tenantctl/tenantctl/provisioner/plan"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// now is the fixed observation time of the tests.
var now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// created is when the fake containers were made: three days before now.
var created = now.Add(-72 * time.Hour)

const testSecret = "5ec12e7-5ec12e7-5ec12e7-5ec12e7x"

func project(tenants ...model.Tenant) *model.Project {
	return &model.Project{
		Name:        "p",
		Hosts:       []model.Host{{Name: "local"}},
		NetworkPool: netip.MustParsePrefix("10.210.0.0/16"),
		SubnetBits:  27,
		PortRange:   model.PortRange{First: 20000, Last: 29999},
		Tenants:     tenants,
	}
}

// saas is the example stack: a database with a command check and an app
// with an HTTP check and a published port.
func saas(name, version string) model.Tenant {
	return model.Tenant{
		Name: name, Template: "saas", Host: "local",
		Labels: map[string]string{"owner": "dana", "tier": "gold"},
		Services: []model.Service{
			{
				Name: "db", Image: "tenantctl-example/postgres:15", Internal: true,
				Env:     map[string]model.Value{"POSTGRES_PASSWORD": {Text: testSecret, Sensitive: true}},
				Volumes: []model.Volume{{Name: "data", Target: "/var/lib/postgresql/data"}},
				Health:  &model.Health{Command: []string{"pg_isready"}, Interval: time.Second, Timeout: 3 * time.Second, Retries: 60},
			},
			{
				Name: "app", Image: "tenantctl-example/app:" + version, DependsOn: []string{"db"},
				Env:    map[string]model.Value{"DATABASE_URL": {Text: "postgres://app:" + testSecret + "@db/app", Sensitive: true}},
				Ports:  []model.Port{{Name: "http", Container: 8080, HostIP: "0.0.0.0", Protocol: "tcp"}},
				Health: &model.Health{HTTP: "/healthz", Interval: time.Second, Timeout: 3 * time.Second, Retries: 60},
			},
		},
	}
}

// small is one container without a health check.
func small(name string) model.Tenant {
	return model.Tenant{
		Name: name, Template: "small", Host: "local",
		Services: []model.Service{{
			Name: "web", Image: "tenantctl-example/app:1.0.0",
			Ports: []model.Port{{Name: "http", Container: 8080, HostIP: "0.0.0.0", Protocol: "tcp"}},
		}},
	}
}

// deploy returns what an engine holds after applying p: every object the
// plan would create, containers running and, with a check, healthy.
func deploy(t *testing.T, p *model.Project) *resource.Observed {
	t.Helper()
	pl, err := plan.Reconcile(p, map[string]*resource.Observed{"local": {AllPorts: true}}, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	obs := &resource.Observed{}
	for _, tp := range pl.Tenants {
		for _, op := range tp.Operations {
			switch {
			case op.Network != nil:
				s := op.Network
				obs.Networks = append(obs.Networks, resource.Network{ID: "net-" + s.Name, Name: s.Name, Labels: clone(s.Labels), Internal: s.Internal, Subnets: []netip.Prefix{s.Subnet}})
				obs.UsedSubnets = append(obs.UsedSubnets, s.Subnet)
			case op.Volume != nil:
				obs.Volumes = append(obs.Volumes, resource.Volume{Name: op.Volume.Name, Labels: clone(op.Volume.Labels)})
			case op.Container != nil:
				s := op.Container
				c := resource.Container{ID: "id-" + s.Name, Name: s.Name, Image: s.Image, Labels: clone(s.Labels), State: "running", Created: created}
				if s.Health != nil {
					c.Health = Healthy
				}
				for _, b := range s.Ports {
					c.Ports = append(c.Ports, resource.PortBinding{Container: b.Container, Protocol: b.Protocol, HostIP: b.HostIP, HostPort: b.HostPort})
					obs.UsedPorts = append(obs.UsedPorts, b.HostPort)
				}
				for _, a := range s.Networks {
					c.Networks = append(c.Networks, a.Network)
				}
				for _, m := range s.Mounts {
					c.Mounts = append(c.Mounts, m.Volume)
				}
				obs.Containers = append(obs.Containers, c)
			}
		}
	}
	return obs
}

func clone(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// container returns the observed container of a tenant's service.
func container(obs *resource.Observed, tenant, service string) *resource.Container {
	for i := range obs.Containers {
		c := &obs.Containers[i]
		if c.Labels[resource.LabelTenant] == tenant && c.Labels[resource.LabelService] == service {
			return c
		}
	}
	return nil
}

// without removes a tenant's service container from obs.
func without(obs *resource.Observed, tenant, service string) {
	var keep []resource.Container
	for _, c := range obs.Containers {
		if !(c.Labels[resource.LabelTenant] == tenant && c.Labels[resource.LabelService] == service) {
			keep = append(keep, c)
		}
	}
	obs.Containers = keep
}

// compute reconciles and computes like the workspace does, with every
// HTTP probe answering ok unless failing says otherwise.
func compute(t *testing.T, p *model.Project, obs *resource.Observed, failing map[string]bool) *Report {
	t.Helper()
	observed := map[string]*resource.Observed{"local": obs}
	pl, err := plan.Reconcile(p, observed, plan.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	in := Input{Desired: p, Observed: observed, Plan: pl, Now: now, Probes: map[string]Probe{}}
	for _, target := range ProbeTargets(in) {
		if failing[target.Container] {
			in.Probes[target.Container] = Probe{Detail: "GET /healthz: 503 Service Unavailable"}
		} else {
			in.Probes[target.Container] = Probe{OK: true, Detail: "GET /healthz: 200 OK"}
		}
	}
	return Compute(in)
}
