package apply

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/engine"
	"github.com/tenantctl/tenantctl/provisioner/plan"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// replacePlan replaces acme's app, whose old container is "old-acme_app".
func replacePlan() *plan.Plan {
	op := plan.Operation{Action: plan.Replace, ID: resource.ID{Kind: resource.KindContainer, Tenant: "acme", Name: "app"}, Existing: "old-acme_app",
		Container: &resource.ContainerSpec{Name: "acme_app", Service: "app", Labels: map[string]string{resource.LabelService: "app"}, Health: &resource.HealthCheck{}}}
	return &plan.Plan{Tenants: []plan.TenantPlan{{Name: "acme", Host: "local", Operations: []plan.Operation{op}}}}
}

func (f *fakeEngine) requireOrder(t *testing.T, order ...string) {
	t.Helper()
	for i, s := range order {
		if f.index(s) < 0 || (i > 0 && f.index(order[i-1]) > f.index(s)) {
			t.Fatalf("want %q in order, got %v", order, f.log)
		}
	}
}

func TestReplaceCreatesBesideTheOldOneFirst(t *testing.T) {
	f := &fakeEngine{}
	p := replacePlan()
	if err := Run(context.Background(), map[string]engine.Engine{"local": f}, p, Options{}); err != nil {
		t.Fatal(err)
	}
	f.requireOrder(t, "create acme_app.next", "remove old-acme_app", "rename acme_app.next acme_app", "start acme_app.next")
	if p.Tenants[0].Operations[0].Container.Labels[resource.LabelReplacement] != "" {
		t.Fatal("the plan's spec was changed")
	}
}

func TestReplaceRefusedByTheEngineKeepsTheOldContainer(t *testing.T) {
	f := &fakeEngine{failOn: "create acme_app.next"}
	err := Run(context.Background(), map[string]engine.Engine{"local": f}, replacePlan(), Options{})
	if err == nil || !strings.Contains(err.Error(), "the old container is untouched and keeps running") {
		t.Fatalf("err = %v", err)
	}
	if f.index("remove old-acme_app") >= 0 || f.index("start acme_app.next") >= 0 {
		t.Fatalf("the old container was touched: %v", f.log)
	}
}

func TestReplaceRemovesTheNewOneWhenTheOldOneStays(t *testing.T) {
	f := &fakeEngine{failOn: "remove old-acme_app"}
	if err := Run(context.Background(), map[string]engine.Engine{"local": f}, replacePlan(), Options{}); err == nil {
		t.Fatal("no error")
	}
	f.requireOrder(t, "create acme_app.next", "remove old-acme_app", "remove acme_app.next")
	if f.index("rename acme_app.next acme_app") >= 0 {
		t.Fatalf("renamed although the old one stays: %v", f.log)
	}
}

// A replacement an interrupted apply left holds the temporary name: it is
// removed and the create tried again.
func TestReplaceClearsALeftoverReplacement(t *testing.T) {
	f := &fakeEngine{exists: map[string]bool{"acme_app.next": true}}
	if err := Run(context.Background(), map[string]engine.Engine{"local": f}, replacePlan(), Options{}); err != nil {
		t.Fatal(err)
	}
	f.requireOrder(t, "remove acme_app.next", "create acme_app.next", "remove old-acme_app", "rename acme_app.next acme_app")
}

// Containers on a replaced network are removed before it, then created
// under their own name: nothing is left to keep running.
func TestNetworkReplacementStillRemovesContainersFirst(t *testing.T) {
	f := &fakeEngine{}
	p := replacePlan()
	tp := &p.Tenants[0]
	tp.Operations = append([]plan.Operation{{Action: plan.Replace, ID: resource.ID{Kind: resource.KindNetwork, Tenant: "acme", Name: "internal"}, Existing: "net", Network: &resource.NetworkSpec{Name: "acme_internal"}}}, tp.Operations...)
	f2 := &networkFake{fakeEngine: f}
	if err := Run(context.Background(), map[string]engine.Engine{"local": f2}, p, Options{}); err != nil {
		t.Fatal(err)
	}
	f.requireOrder(t, "remove old-acme_app", "remove network acme_internal", "network acme_internal", "create acme_app", "start acme_app")
}

type networkFake struct{ *fakeEngine }

func (f *networkFake) RemoveNetwork(_ context.Context, name string) error {
	return f.record("remove network " + name)
}

// A step whose engine call never answers fails after its bound, with an
// error that says so, although the run itself was never cancelled.
func TestHungEngineCallFailsAfterItsBound(t *testing.T) {
	f := &fakeEngine{hang: true}
	p := &plan.Plan{Tenants: []plan.TenantPlan{tenantPlan("acme")}}
	start := time.Now()
	err := Run(context.Background(), map[string]engine.Engine{"local": f}, p, Options{CallTimeout: 200 * time.Millisecond})
	took := time.Since(start)
	if !errors.Is(err, engine.ErrTimeout) || !strings.Contains(err.Error(), "start container db") || !strings.Contains(err.Error(), "did not answer within 200ms") {
		t.Fatalf("err = %v", err)
	}
	if took > 2*time.Second {
		t.Fatalf("the hung call took %s to fail, bound 200ms", took)
	}
}

// The same against the Docker implementation: an engine address that
// accepts connections and never answers.
func TestStepOnAHungDockerEngineFailsAfterItsBound(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
			go io.Copy(io.Discard, c)
		}
	}()
	d, err := engine.NewDocker("tcp://" + l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	p := &plan.Plan{Tenants: []plan.TenantPlan{tenantPlan("acme")}}
	start := time.Now()
	err = Run(context.Background(), map[string]engine.Engine{"local": d}, p, Options{CallTimeout: 300 * time.Millisecond})
	if !errors.Is(err, engine.ErrTimeout) || !strings.Contains(err.Error(), "create network internal") || !strings.Contains(err.Error(), "did not answer within 300ms") {
		t.Fatalf("err = %v", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("took %s, bound 300ms", took)
	}
}

// lateRemove is a fakeEngine whose remove of the old container fails
// (its answer was lost) although the container is gone.
type lateRemove struct{ *fakeEngine }

func (l lateRemove) ContainerState(ctx context.Context, id string) (engine.State, error) {
	if id == "old-acme_app" {
		return engine.State{}, engine.ErrNoSuchContainer
	}
	return l.fakeEngine.ContainerState(ctx, id)
}

// TestReplaceGoesOnWhenTheOldOneIsGoneAnyway: a remove that reports a
// failure but did remove the old container must not discard the
// replacement too, which would leave the service with no container.
func TestReplaceGoesOnWhenTheOldOneIsGoneAnyway(t *testing.T) {
	f := &fakeEngine{failOn: "remove old-acme_app"}
	if err := Run(context.Background(), map[string]engine.Engine{"local": lateRemove{f}}, replacePlan(), Options{}); err != nil {
		t.Fatal(err)
	}
	f.requireOrder(t, "create acme_app.next", "remove old-acme_app", "rename acme_app.next acme_app", "start acme_app.next")
	if f.index("remove acme_app.next") >= 0 {
		t.Fatalf("the replacement was discarded: %v", f.log)
	}
}
