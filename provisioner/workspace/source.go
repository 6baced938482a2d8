package workspace

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/tenantctl/tenantctl/provisioner/engine"
	"github.com/tenantctl/tenantctl/provisioner/model"
	"github.com/tenantctl/tenantctl/provisioner/status"
)

// DefaultSourceTTL is how long a Source answers every request with one
// observation.
const DefaultSourceTTL = 2 * time.Second

// sharedTimeout bounds one shared observation. It runs detached from the
// request that started it, so that request going away does not fail the
// others waiting for the same observation.
const sharedTimeout = 2 * time.Minute

// Source serves the status of a project directory to a long-running
// reader (tenantctl serve). Every observation reloads the configuration,
// so an edited or deleted tenant file shows at once, and reuses one engine
// connection per host. Requests that arrive while an observation runs, or
// within TTL after it, share it: a page, an API call and a scrape at once
// cost the engines one observation, not three.
//
// A connection that fails (an SSH connection cut, a restarted engine) is
// dropped and dialled again; when a connection reused from an earlier
// request turns out dead, the observation is made once more on a fresh
// one, so a host that closed an idle connection shows as it is rather than
// unreachable. Hosts are dialled each on its own, never one waiting for
// another.
//
// Results are shared between callers: they must not be modified.
type Source struct {
	dir string
	// TTL is how long an observation answers every request after it; 0
	// or less shares only between concurrent requests. Set it before the
	// first call. NewSource sets DefaultSourceTTL.
	TTL time.Duration

	// dial opens a host's engine (connectHost); tests replace it.
	dial func(model.Host) (engine.Engine, error)
	// now is the clock of the TTL; tests replace it.
	now func() time.Time

	flight singleflight.Group

	mu      sync.Mutex
	closed  bool
	hosts   map[string]*hostSlot // by hostKey
	results map[string]result
}

// result is a shared observation and when it was made.
type result struct {
	at    time.Time
	value any
}

// NewSource checks that the project in dir loads and returns its Source.
func NewSource(dir string) (*Source, error) {
	s := &Source{dir: dir, TTL: DefaultSourceTTL, dial: connectHost, now: time.Now,
		hosts: map[string]*hostSlot{}, results: map[string]result{}}
	if _, err := Load(dir, true); err != nil {
		return nil, err
	}
	return s, nil
}

// Tenants is the status of every tenant; those on hosts that cannot be
// observed are shown as unreachable rather than failing the page.
func (s *Source) Tenants(ctx context.Context) (*status.Report, error) {
	v, err := s.shared(ctx, "tenants", func(ws *Workspace, ctx context.Context) (any, error) {
		r, err := ws.Status(ctx, nil)
		if r != nil && IsPartial(err) {
			err = nil
		}
		return r, ws.Redactor().Error(err)
	})
	if err != nil {
		return nil, err
	}
	r, ok := v.(*status.Report)
	if !ok || r == nil {
		return nil, errors.New("status: no report")
	}
	return r, nil
}

// Tenant is one tenant's status with its health-check outputs.
func (s *Source) Tenant(ctx context.Context, name string) (*status.TenantStatus, error) {
	v, err := s.shared(ctx, "tenant\x00"+name, func(ws *Workspace, ctx context.Context) (any, error) {
		ts, err := ws.TenantStatus(ctx, name)
		return ts, ws.Redactor().Error(err)
	})
	if err != nil {
		return nil, err
	}
	ts, ok := v.(*status.TenantStatus)
	if !ok || ts == nil {
		return nil, fmt.Errorf("tenant %s: %w", name, status.ErrNotFound)
	}
	return ts, nil
}

// shared answers key from an observation younger than TTL, else joins the
// one under way, else starts one. The caller's ctx bounds only its wait.
func (s *Source) shared(ctx context.Context, key string, read func(*Workspace, context.Context) (any, error)) (any, error) {
	if v, ok := s.fresh(key); ok {
		return v, nil
	}
	ch := s.flight.DoChan(key, func() (any, error) {
		if v, ok := s.fresh(key); ok { // a flight that just ended
			return v, nil
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sharedTimeout)
		defer cancel()
		v, err := s.observe(ctx, read)
		if err == nil {
			s.store(key, v)
		}
		return v, err
	})
	select {
	case r := <-ch:
		return r.Val, r.Err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *Source) fresh(key string) (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.results[key]
	if !ok || s.TTL <= 0 || s.now().Sub(r.at) >= s.TTL {
		return nil, false
	}
	return r.value, true
}

// store keeps an observation for TTL and forgets the expired ones.
func (s *Source) store(key string, v any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.TTL <= 0 {
		return
	}
	now := s.now()
	for k, r := range s.results {
		if now.Sub(r.at) >= s.TTL {
			delete(s.results, k)
		}
	}
	s.results[key] = result{at: now, value: v}
}

// observe loads the configuration and reads it with the cached engines.
// When an engine reused from an earlier request failed for its connection
// during the read, the read is made once more: the engine was dropped, so
// the second read dials afresh.
func (s *Source) observe(ctx context.Context, read func(*Workspace, context.Context) (any, error)) (any, error) {
	for attempt := 0; ; attempt++ {
		ws, used, err := s.load()
		if err != nil {
			return nil, err
		}
		v, err := read(ws, ctx)
		if attempt == 0 && used.staleDropped() && ctx.Err() == nil {
			continue
		}
		return v, err
	}
}

// load reads the configuration afresh, with engines shared across loads,
// closes the engines of hosts no longer configured, and returns the
// record of the engines it hands out.
func (s *Source) load() (*Workspace, *usedEngines, error) {
	ws, err := Load(s.dir, true)
	if err != nil {
		return nil, nil, err
	}
	s.forget(ws.Project.Hosts)
	used := &usedEngines{}
	ws.Connect = func(h model.Host) (engine.Engine, error) {
		e, reused, err := s.engine(h)
		if err != nil {
			return nil, err
		}
		used.add(e, reused)
		return e, nil
	}
	return ws, used, nil
}

// hostKey is everything that says how a host is reached: a changed
// address, user, key or socket is another connection.
func hostKey(h model.Host) string {
	var ssh model.SSH
	if h.SSH != nil {
		ssh = *h.SSH
	}
	return fmt.Sprintf("%q %q %q %#v", h.Name, h.Docker, h.DockerSocket, ssh)
}

// hostSlot holds one host's engine; its mutex is held while that host is
// dialled, so concurrent requests wait for one dial of it and no other
// host waits at all.
type hostSlot struct {
	mu sync.Mutex
	e  *liveEngine
}

// engine returns the host's live engine, dialling it when there is none
// or the last one died; reused says it served an earlier request.
func (s *Source) engine(h model.Host) (e *liveEngine, reused bool, err error) {
	key := hostKey(h)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, false, errors.New("status source closed")
	}
	slot := s.hosts[key]
	if slot == nil {
		slot = &hostSlot{}
		s.hosts[key] = slot
	}
	s.mu.Unlock()

	slot.mu.Lock()
	defer slot.mu.Unlock()
	if slot.e != nil && !slot.e.dead.Load() {
		return slot.e, true, nil
	}
	raw, err := s.dial(h)
	if err != nil {
		return nil, false, err
	}
	slot.e = &liveEngine{Engine: raw}
	return slot.e, false, nil
}

// forget closes the engines of hosts that are no longer configured as
// they were.
func (s *Source) forget(hosts []model.Host) {
	keep := map[string]bool{}
	for _, h := range hosts {
		keep[hostKey(h)] = true
	}
	var gone []*hostSlot
	s.mu.Lock()
	for k, slot := range s.hosts {
		if !keep[k] {
			gone = append(gone, slot)
			delete(s.hosts, k)
		}
	}
	s.mu.Unlock()
	for _, slot := range gone {
		slot.close()
	}
}

func (slot *hostSlot) close() {
	slot.mu.Lock()
	defer slot.mu.Unlock()
	if slot.e != nil {
		slot.e.kill()
		slot.e = nil
	}
}

// usedEngines records the engines one observation was given.
type usedEngines struct {
	mu     sync.Mutex
	reused []*liveEngine
}

func (u *usedEngines) add(e *liveEngine, reused bool) {
	if !reused {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.reused = append(u.reused, e)
}

// staleDropped reports whether an engine reused from an earlier request
// died during this one.
func (u *usedEngines) staleDropped() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, e := range u.reused {
		if e.dead.Load() {
			return true
		}
	}
	return false
}

// Calls is the number of engine requests made so far on the engines in
// use.
func (s *Source) Calls() int64 {
	s.mu.Lock()
	slots := make([]*hostSlot, 0, len(s.hosts))
	for _, slot := range s.hosts {
		slots = append(slots, slot)
	}
	s.mu.Unlock()
	var n int64
	for _, slot := range slots {
		slot.mu.Lock()
		if slot.e != nil {
			n += slot.e.Calls()
		}
		slot.mu.Unlock()
	}
	return n
}

// Close closes the engine connections; the Source serves nothing after.
func (s *Source) Close() error {
	s.mu.Lock()
	s.closed = true
	hosts := s.hosts
	s.hosts = map[string]*hostSlot{}
	s.mu.Unlock()
	for _, slot := range hosts {
		slot.close()
	}
	return nil
}
