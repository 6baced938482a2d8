package workspace

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/engine"
	"github.com/tenantctl/tenantctl/provisioner/model"
	"github.com/tenantctl/tenantctl/provisioner/plan"
	"github.com/tenantctl/tenantctl/provisioner/resource"
	"github.com/tenantctl/tenantctl/provisioner/status"
)

// fakeEngine serves a fixed observation and counts the calls made.
type fakeEngine struct {
	engine.Engine
	obs       *resource.Observed
	observes  atomic.Int64
	inspects  atomic.Int64
	healthLog string
	// hostPorts is what HostPorts answers: other programs' ports.
	hostPorts      []int
	hostPortsCalls atomic.Int64
}

func (f *fakeEngine) HostPorts(context.Context) ([]int, error) {
	f.hostPortsCalls.Add(1)
	return f.hostPorts, nil
}

func (f *fakeEngine) Observe(context.Context, string) (*resource.Observed, error) {
	f.observes.Add(1)
	return f.obs, nil
}

func (f *fakeEngine) ContainerState(context.Context, string) (engine.State, error) {
	f.inspects.Add(1)
	return engine.State{Status: "running", Health: "healthy", HealthLog: f.healthLog}, nil
}

func (f *fakeEngine) Calls() int64 {
	return f.observes.Load()*3 + f.inspects.Load() + f.hostPortsCalls.Load()
}
func (f *fakeEngine) Close() error { return nil }

// probedProject has n tenants whose one service is probed over HTTP on
// the port of srv.
func probedProject(n, port int) *model.Project {
	p := &model.Project{Name: "p", Hosts: []model.Host{{Name: "local"}}, NetworkPool: netip.MustParsePrefix("10.210.0.0/16"), SubnetBits: 27, PortRange: model.PortRange{First: 20000, Last: 29999}}
	for i := 0; i < n; i++ {
		p.Tenants = append(p.Tenants, model.Tenant{Name: fmt.Sprintf("t%03d", i), Host: "local", Services: []model.Service{{
			Name: "web", Image: "app:1",
			Env:    map[string]model.Value{"PASSWORD": {Text: "pw-of-t" + strconv.Itoa(i), Sensitive: true}},
			Ports:  []model.Port{{Name: "http", Container: 8080, Host: port, Protocol: "tcp"}},
			Health: &model.Health{HTTP: "/healthz", Interval: time.Second, Timeout: time.Second, Retries: 3},
		}}})
	}
	return p
}

// applied is what the engine holds after applying p.
func applied(t *testing.T, p *model.Project) *resource.Observed {
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
				obs.Networks = append(obs.Networks, resource.Network{ID: op.Network.Name, Name: op.Network.Name, Labels: op.Network.Labels, Internal: op.Network.Internal})
			case op.Container != nil:
				c := resource.Container{ID: "id-" + op.Container.Name, Name: op.Container.Name, Image: op.Container.Image, Labels: op.Container.Labels, State: "running", Created: time.Now().Add(-time.Hour)}
				for _, b := range op.Container.Ports {
					c.Ports = append(c.Ports, resource.PortBinding{Container: b.Container, Protocol: b.Protocol, HostPort: b.HostPort})
				}
				for _, a := range op.Container.Networks {
					c.Networks = append(c.Networks, a.Network)
				}
				obs.Containers = append(obs.Containers, c)
			}
		}
	}
	return obs
}

func fakeWorkspace(p *model.Project, e engine.Engine) *Workspace {
	return &Workspace{Project: p, Connect: func(model.Host) (engine.Engine, error) { return e, nil }}
}

// TestStatusCallsAndProbes: one observation per status whatever the
// number of tenants, no inspect, and every HTTP probe made, concurrently.
func TestStatusCallsAndProbes(t *testing.T) {
	var probes atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		probes.Add(1)
		time.Sleep(50 * time.Millisecond)
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	port, _ := strconv.Atoi(srv.URL[strings.LastIndexByte(srv.URL, ':')+1:])
	for _, n := range []int{3, 60} {
		p := probedProject(n, port)
		e := &fakeEngine{obs: applied(t, p)}
		ws := fakeWorkspace(p, e)
		probes.Store(0)
		start := time.Now()
		r, err := ws.Status(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if e.observes.Load() != 1 || e.inspects.Load() != 0 {
			t.Errorf("%d tenants: %d observations, %d inspects; want 1 and 0", n, e.observes.Load(), e.inspects.Load())
		}
		if probes.Load() != int64(n) || r.Counts[status.Running] != n {
			t.Errorf("%d tenants: %d probes, counts %v", n, probes.Load(), r.Counts)
		}
		// Sequential probes would take n × 50 ms.
		if elapsed := time.Since(start); n == 60 && elapsed > 1500*time.Millisecond {
			t.Errorf("60 probes took %s: not concurrent", elapsed)
		}
	}
}

func TestTenantStatusInspectsAndRedacts(t *testing.T) {
	p := probedProject(2, 1)
	for i := range p.Tenants {
		p.Tenants[i].Services[0].Health = &model.Health{Command: []string{"check"}, Interval: time.Second, Retries: 3}
	}
	obs := applied(t, p)
	for i := range obs.Containers {
		obs.Containers[i].Health = "healthy"
	}
	e := &fakeEngine{obs: obs, healthLog: "login as admin with pw-of-t1 ok"}
	ws := fakeWorkspace(p, e)
	ts, err := ws.TenantStatus(context.Background(), "t001")
	if err != nil {
		t.Fatal(err)
	}
	if e.observes.Load() != 1 || e.inspects.Load() != 1 {
		t.Errorf("%d observations, %d inspects; want 1 and 1", e.observes.Load(), e.inspects.Load())
	}
	if out := ts.Services[0].HealthOutput; out != "login as admin with (sensitive) ok" {
		t.Errorf("health output shows a secret: %q", out)
	}
	if _, err := ws.TenantStatus(context.Background(), "nobody"); !errors.Is(err, status.ErrNotFound) {
		t.Errorf("unknown tenant: %v", err)
	}
}

// TestHostPortsListedOnlyToChoose: a plan that must choose a host port
// lists the host's ports once and never hands out one another program
// holds; a plan that keeps its ports, and status, never list them.
func TestHostPortsListedOnlyToChoose(t *testing.T) {
	p := probedProject(1, 0) // the port is allocated
	p.PortRange = model.PortRange{First: 20000, Last: 20001}
	fresh := &fakeEngine{obs: &resource.Observed{}, hostPorts: []int{20000}}
	pl, err := fakeWorkspace(p, fresh).Plan(context.Background(), plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	urls := URLs(pl, p)
	if len(urls) != 1 || !strings.HasSuffix(urls[0].URL, ":20001/") {
		t.Errorf("new tenant's URLs %v, want port 20001: 20000 is another program's", urls)
	}
	if fresh.observes.Load() != 1 || fresh.hostPortsCalls.Load() != 1 {
		t.Errorf("new tenant: %d observations, %d host port lists; want 1 and 1", fresh.observes.Load(), fresh.hostPortsCalls.Load())
	}

	steady := &fakeEngine{obs: applied(t, p), hostPorts: []int{20000}}
	pl, err = fakeWorkspace(p, steady).Plan(context.Background(), plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if pl.HasChanges() || steady.hostPortsCalls.Load() != 0 {
		t.Errorf("applied tenant: changes %v, %d host port lists; want none and 0", pl.HasChanges(), steady.hostPortsCalls.Load())
	}

	unapplied := &fakeEngine{obs: &resource.Observed{}, hostPorts: []int{20000}}
	if _, err := fakeWorkspace(p, unapplied).Status(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if unapplied.hostPortsCalls.Load() != 0 {
		t.Errorf("status listed the host's ports %d times, want never", unapplied.hostPortsCalls.Load())
	}
}
