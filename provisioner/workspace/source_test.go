package workspace

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/engine"
	"github.com/tenantctl/tenantctl/provisioner/model"
	"github.com/tenantctl/tenantctl/provisioner/resource"
	"github.com/tenantctl/tenantctl/provisioner/secret"
	"github.com/tenantctl/tenantctl/provisioner/sshx"
	"github.com/tenantctl/tenantctl/provisioner/status"
)

// writeProject writes a project with the given tenantctl.hcl, a one-service
// template and a tenant t1 pinned to host "ha", with a master key.
func writeProject(t *testing.T, projectHCL string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"tenantctl.hcl":     projectHCL,
		"templates/one.hcl": "template \"one\" {\n  service \"web\" {\n    image = \"app:1\"\n  }\n}\n",
		"tenants/t1.hcl":    "tenant \"t1\" {\n  template = \"one\"\n  host = \"ha\"\n}\n",
	}
	for name, text := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := secret.Create(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

const twoHosts = "project \"srcp\" {}\nhost \"ha\" { docker = \"unix:///nonexistent/a.sock\" }\nhost \"hb\" { docker = \"unix:///nonexistent/b.sock\" }\n"

// gatedEngine observes an empty host; Observe waits for gate when set and
// fails with a connection error once the engine is cut.
type gatedEngine struct {
	engine.Engine
	gate     chan struct{}
	observes atomic.Int64
	cut      atomic.Bool
	closed   atomic.Bool
}

func (g *gatedEngine) Observe(ctx context.Context, _ string) (*resource.Observed, error) {
	g.observes.Add(1)
	if g.gate != nil {
		select {
		case <-g.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if g.cut.Load() {
		return nil, &sshx.UnreachableError{Address: "a:22", Err: errors.New("EOF")}
	}
	return &resource.Observed{}, nil
}

func (g *gatedEngine) ContainerState(context.Context, string) (engine.State, error) {
	return engine.State{}, errors.New("no such container")
}
func (g *gatedEngine) Calls() int64 { return g.observes.Load() * 3 }
func (g *gatedEngine) Close() error { g.closed.Store(true); return nil }

// fakeSource is a Source of dir whose hosts are engines made by newEngine.
func fakeSource(t *testing.T, dir string, dial func(model.Host) (engine.Engine, error)) *Source {
	t.Helper()
	s, err := NewSource(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.dial = dial
	t.Cleanup(func() { s.Close() })
	return s
}

// TestSourceSharesObservations: requests that arrive while an observation
// runs share it, and so do those within TTL after it; after TTL the next
// request observes afresh.
func TestSourceSharesObservations(t *testing.T) {
	engines := map[string]*gatedEngine{"ha": {gate: make(chan struct{})}, "hb": {gate: make(chan struct{})}}
	s := fakeSource(t, writeProject(t, twoHosts), func(h model.Host) (engine.Engine, error) { return engines[h.Name], nil })
	clock := time.Now()
	var clockMu sync.Mutex
	s.now = func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return clock }

	const n = 20
	var wg sync.WaitGroup
	reports := make([]*status.Report, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			reports[i], errs[i] = s.Tenants(context.Background())
		}()
	}
	// Let every request arrive while the first observation waits.
	deadline := time.Now().Add(5 * time.Second)
	for engines["ha"].observes.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	close(engines["ha"].gate)
	close(engines["hb"].gate)
	wg.Wait()
	for i := range n {
		if errs[i] != nil || reports[i] == nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
	}
	if got := engines["ha"].observes.Load(); got != 1 {
		t.Errorf("%d concurrent requests made %d observations of host ha, want 1", n, got)
	}
	for i := range n {
		if reports[i] != reports[0] {
			t.Fatalf("request %d got another report than request 0", i)
		}
	}
	if ts := reports[0].Find("t1"); ts == nil || ts.State != status.Missing {
		t.Errorf("t1: %+v", ts)
	}

	if _, err := s.Tenants(context.Background()); err != nil || engines["ha"].observes.Load() != 1 {
		t.Errorf("a request within TTL observed again: %v, %d observations", err, engines["ha"].observes.Load())
	}
	clockMu.Lock()
	clock = clock.Add(DefaultSourceTTL)
	clockMu.Unlock()
	if _, err := s.Tenants(context.Background()); err != nil || engines["ha"].observes.Load() != 2 {
		t.Errorf("a request after TTL did not observe again: %v, %d observations", err, engines["ha"].observes.Load())
	}

	// Tenant shares its own observation in the same way.
	before := engines["ha"].observes.Load()
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Tenant(context.Background(), "t1"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := engines["ha"].observes.Load() - before; got != 1 {
		t.Errorf("%d requests for one tenant made %d observations, want 1", n, got)
	}
}

// TestSourceRedialsDeadConnection: a connection that fails is dropped and
// closed, the request that found it dead observes again on a new one, and
// later requests keep the new one.
func TestSourceRedialsDeadConnection(t *testing.T) {
	var dials atomic.Int64
	var last atomic.Pointer[gatedEngine]
	s := fakeSource(t, writeProject(t, twoHosts), func(h model.Host) (engine.Engine, error) {
		e := &gatedEngine{}
		if h.Name == "ha" {
			dials.Add(1)
			last.Store(e)
		}
		return e, nil
	})
	s.TTL = 0
	state := func() status.State {
		t.Helper()
		r, err := s.Tenants(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return r.Find("t1").State
	}
	if st := state(); st != status.Missing || dials.Load() != 1 {
		t.Fatalf("first request: t1 %s, %d dials", st, dials.Load())
	}
	if st := state(); st != status.Missing || dials.Load() != 1 {
		t.Fatalf("second request: t1 %s, %d dials (want the connection reused)", st, dials.Load())
	}
	old := last.Load()
	old.cut.Store(true)
	if st := state(); st != status.Missing || dials.Load() != 2 {
		t.Errorf("after the connection died: t1 %s, %d dials; want missing (observed anew) and 2", st, dials.Load())
	}
	if !old.closed.Load() {
		t.Error("the dead engine was not closed")
	}
	if st := state(); st != status.Missing || dials.Load() != 2 {
		t.Errorf("later: t1 %s, %d dials", st, dials.Load())
	}
}

// TestSourceDialsHostsIndependently: a host that is slow to dial does not
// hold up another host's dial: each host's dial here waits for the other's
// to have begun.
func TestSourceDialsHostsIndependently(t *testing.T) {
	began := map[string]chan struct{}{"ha": make(chan struct{}), "hb": make(chan struct{})}
	other := map[string]string{"ha": "hb", "hb": "ha"}
	var waited atomic.Int64
	s := fakeSource(t, writeProject(t, twoHosts), func(h model.Host) (engine.Engine, error) {
		close(began[h.Name])
		select {
		case <-began[other[h.Name]]:
			return &gatedEngine{}, nil
		case <-time.After(3 * time.Second):
			waited.Add(1)
			return nil, errors.New("host " + other[h.Name] + " was not dialled while host " + h.Name + " was")
		}
	})
	r, err := s.Tenants(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if ts := r.Find("t1"); ts == nil || ts.State != status.Missing {
		t.Errorf("t1: %+v", ts)
	}
	if waited.Load() != 0 {
		t.Errorf("%d host(s) could not be dialled while another was", waited.Load())
	}
}

// TestSourceAllHostsDown: when no host can be dialled the page gets an
// error, not an empty answer.
func TestSourceAllHostsDown(t *testing.T) {
	s := fakeSource(t, writeProject(t, "project \"srcp\" {}\nhost \"ha\" { docker = \"unix:///nonexistent/a.sock\" }\n"), func(model.Host) (engine.Engine, error) {
		return nil, &sshx.UnreachableError{Address: "a:22", Err: errors.New("connection refused")}
	})
	r, err := s.Tenants(context.Background())
	if err == nil || r != nil {
		t.Errorf("Tenants = %v, %v; want an error", r, err)
	}
}

// TestSourceClosesReconfiguredHost: an engine whose host is no longer
// configured the same way is closed and the new address dialled.
func TestSourceClosesReconfiguredHost(t *testing.T) {
	dir := writeProject(t, twoHosts)
	var mu sync.Mutex
	byAddr := map[string]*gatedEngine{}
	s := fakeSource(t, dir, func(h model.Host) (engine.Engine, error) {
		mu.Lock()
		defer mu.Unlock()
		e := &gatedEngine{}
		byAddr[h.Docker] = e
		return e, nil
	})
	s.TTL = 0
	if _, err := s.Tenants(context.Background()); err != nil {
		t.Fatal(err)
	}
	moved := "project \"srcp\" {}\nhost \"ha\" { docker = \"unix:///nonexistent/a2.sock\" }\nhost \"hb\" { docker = \"unix:///nonexistent/b.sock\" }\n"
	if err := os.WriteFile(filepath.Join(dir, "tenantctl.hcl"), []byte(moved), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Tenants(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if old := byAddr["unix:///nonexistent/a.sock"]; !old.closed.Load() {
		t.Error("the engine at the old address was not closed")
	}
	if e := byAddr["unix:///nonexistent/a2.sock"]; e == nil || e.observes.Load() != 1 {
		t.Error("the new address was not observed")
	}
	if b := byAddr["unix:///nonexistent/b.sock"]; b.closed.Load() || b.observes.Load() != 2 {
		t.Error("host hb's engine was not kept")
	}
}
