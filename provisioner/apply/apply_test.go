package apply

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/engine"
	"github.com/tenantctl/tenantctl/provisioner/plan"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// fakeEngine records the order of changes; containers are healthy as soon
// as they start. Only the methods apply uses are implemented.
type fakeEngine struct {
	engine.Engine
	mu      sync.Mutex
	log     []string
	failOn  string        // a step like "start acme_db" that fails
	started chan struct{} // closed at the first container start, if set
	hold    chan struct{} // if set, starts block until it is closed
	// exists names containers that exist already: creating one fails
	// with ErrContainerExists until it is removed.
	exists map[string]bool
	// hang makes starts block until their context ends, like an engine
	// that accepted the request and never answers.
	hang bool
}

func (f *fakeEngine) record(s string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log = append(f.log, s)
	if s == f.failOn {
		return errors.New("boom")
	}
	return nil
}

func (f *fakeEngine) CreateNetwork(_ context.Context, s resource.NetworkSpec) error {
	return f.record("network " + s.Name)
}
func (f *fakeEngine) CreateVolume(_ context.Context, s resource.VolumeSpec) (map[string]string, error) {
	return s.Labels, f.record("volume " + s.Name)
}
func (f *fakeEngine) CreateContainer(_ context.Context, s resource.ContainerSpec) (string, error) {
	f.mu.Lock()
	taken := f.exists[s.Name]
	f.mu.Unlock()
	if taken {
		return "", fmt.Errorf("create container %s: %w", s.Name, engine.ErrContainerExists)
	}
	return s.Name, f.record("create " + s.Name)
}
func (f *fakeEngine) RenameContainer(_ context.Context, id, name string) error {
	return f.record("rename " + id + " " + name)
}
func (f *fakeEngine) StartContainer(ctx context.Context, id string) error {
	if f.started != nil {
		f.mu.Lock()
		select {
		case <-f.started:
		default:
			close(f.started)
		}
		f.mu.Unlock()
	}
	if f.hold != nil {
		<-f.hold
	}
	if f.hang {
		<-ctx.Done()
		return fmt.Errorf("start container %s: %w", id, ctx.Err())
	}
	return f.record("start " + id)
}
func (f *fakeEngine) RemoveContainer(_ context.Context, id string) error {
	f.mu.Lock()
	delete(f.exists, id)
	f.mu.Unlock()
	return f.record("remove " + id)
}
func (f *fakeEngine) ContainerState(context.Context, string) (engine.State, error) {
	return engine.State{Status: "running", Health: "healthy"}, nil
}
func (f *fakeEngine) Logs(context.Context, string, int) (string, error) { return "", nil }

func (f *fakeEngine) index(s string) int {
	for i, l := range f.log {
		if l == s {
			return i
		}
	}
	return -1
}

// tenantPlan is a fresh tenant: two networks, a volume, db, then app.
func tenantPlan(name string) plan.TenantPlan {
	c := func(svc string, deps ...string) plan.Operation {
		return plan.Operation{Action: plan.Create, ID: resource.ID{Kind: resource.KindContainer, Tenant: name, Name: svc},
			Container: &resource.ContainerSpec{Name: name + "_" + svc, Service: svc, Health: &resource.HealthCheck{}}, DependsOn: deps}
	}
	return plan.TenantPlan{Name: name, Host: "local", New: true, Operations: []plan.Operation{
		{Action: plan.Create, ID: resource.ID{Kind: resource.KindNetwork, Tenant: name, Name: "internal"}, Network: &resource.NetworkSpec{Name: name + "_internal"}},
		{Action: plan.Create, ID: resource.ID{Kind: resource.KindVolume, Tenant: name, Name: "db.data"}, Volume: &resource.VolumeSpec{Name: name + "_db.data"}},
		c("db"), c("app", "db"),
	}}
}

func TestRunOrdersEachTenantAsAGraph(t *testing.T) {
	f := &fakeEngine{}
	p := &plan.Plan{Tenants: []plan.TenantPlan{tenantPlan("acme"), tenantPlan("globex")}}
	if err := Run(context.Background(), map[string]engine.Engine{"local": f}, p, Options{Parallelism: 2}); err != nil {
		t.Fatal(err)
	}
	for _, tenant := range []string{"acme", "globex"} {
		order := []string{"network " + tenant + "_internal", "volume " + tenant + "_db.data", "create " + tenant + "_db", "start " + tenant + "_db", "create " + tenant + "_app", "start " + tenant + "_app"}
		for i := 1; i < len(order); i++ {
			if a, b := f.index(order[i-1]), f.index(order[i]); a < 0 || b < 0 || a > b {
				t.Fatalf("%q must come before %q: %v", order[i-1], order[i], f.log)
			}
		}
	}
}

func TestFailedDependencySkipsDependentsOnly(t *testing.T) {
	f := &fakeEngine{failOn: "start acme_db"}
	var events []Event
	p := &plan.Plan{Tenants: []plan.TenantPlan{tenantPlan("acme"), tenantPlan("globex")}}
	err := Run(context.Background(), map[string]engine.Engine{"local": f}, p, Options{OnEvent: func(e Event) { events = append(events, e) }})
	if got := FailedTenants(err); len(got) != 1 || got[0] != "acme" {
		t.Fatalf("failed tenants = %v (err %v)", got, err)
	}
	if f.index("create acme_app") >= 0 {
		t.Fatal("acme's app was created although its database failed")
	}
	if f.index("start globex_app") < 0 {
		t.Fatal("globex did not complete although only acme failed")
	}
	skipped := false
	for _, e := range events {
		if e.Tenant == "acme" && e.Status == Skipped && strings.Contains(e.Step, "app") {
			skipped = true
		}
	}
	if !skipped {
		t.Fatal("no skipped event for acme's app")
	}
}

func TestInterruptFinishesInFlightStepsAndStartsNoMore(t *testing.T) {
	f := &fakeEngine{started: make(chan struct{}), hold: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	p := &plan.Plan{Tenants: []plan.TenantPlan{tenantPlan("acme"), tenantPlan("globex")}}
	done := make(chan error)
	go func() { done <- Run(ctx, map[string]engine.Engine{"local": f}, p, Options{Parallelism: 1}) }()
	<-f.started // acme's db start is in flight
	cancel()
	time.Sleep(50 * time.Millisecond)
	close(f.hold)
	err := <-done
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v, want ErrInterrupted", err)
	}
	if f.index("start acme_db") < 0 {
		t.Fatal("the step in flight was not allowed to finish")
	}
	if f.index("create acme_app") >= 0 || f.index("network globex_internal") >= 0 {
		t.Fatalf("new steps started after the interrupt: %v", f.log)
	}
}

// startingDB is a fakeEngine whose running database reports "starting"
// for its first few inspects, as one started by a run that was cut short.
type startingDB struct {
	*fakeEngine
	inspects int
}

func (s *startingDB) ContainerState(_ context.Context, id string) (engine.State, error) {
	if id != "acme_db" {
		return engine.State{Status: "running", Health: "healthy"}, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inspects++; s.inspects <= 3 {
		return engine.State{Status: "running", Health: "starting"}, nil
	}
	s.log = append(s.log, "db healthy")
	return engine.State{Status: "running", Health: "healthy"}, nil
}

// TestUnchangedDependencyIsAwaitedHealthy: the app is created only once
// the database it depends on is healthy, also when the plan leaves the
// database alone because it is already running.
func TestUnchangedDependencyIsAwaitedHealthy(t *testing.T) {
	tp := tenantPlan("acme")
	for i := range tp.Operations {
		switch op := &tp.Operations[i]; {
		case op.ID.Kind != resource.KindContainer:
			op.Action, op.Existing = plan.NoOp, "x"
		case op.ID.Name == "db":
			op.Action, op.Existing = plan.NoOp, op.Container.Name
		}
	}
	tp.New = false
	f := &startingDB{fakeEngine: &fakeEngine{}}
	p := &plan.Plan{Tenants: []plan.TenantPlan{tp}}
	if err := Run(context.Background(), map[string]engine.Engine{"local": f}, p, Options{}); err != nil {
		t.Fatal(err)
	}
	if a, b := f.index("db healthy"), f.index("create acme_app"); a < 0 || b < 0 || a > b {
		t.Fatalf("the app was created before its database was healthy: %v", f.log)
	}
	if f.index("create acme_db") >= 0 {
		t.Fatalf("the unchanged database was touched: %v", f.log)
	}
}
