package edge

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultRetryAfter is the Retry-After of the proxy's 503 answers when
// Options gives none.
const DefaultRetryAfter = 5 * time.Second

// Options configure a Router.
type Options struct {
	// DataDir is the directory that holds routes.json; it must exist.
	DataDir string
	// RetryAfter is sent with 503 answers; 0 means DefaultRetryAfter.
	RetryAfter time.Duration
	// Logger gets route changes and proxy errors; nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock of the traffic counters; nil means time.Now.
	Now func() time.Time
}

// Router is the proxy's route table and its http.Handler. Reads are
// lock-free (an atomic pointer to an immutable table); changes are
// serialized, saved to disk first and then swapped in.
type Router struct {
	opts  Options
	log   *slog.Logger
	table atomic.Pointer[table]
	// mu serializes changes and their saving.
	mu sync.Mutex
}

// table is an immutable snapshot of the routes.
type table struct {
	hosts   map[string]*entry
	tenants map[string]*entry
}

// entry is one tenant's route with its backend and counters.
type entry struct {
	route   Route
	backend *backend
	stats   *tenantStats
}

// OpenRouter loads the routes saved in opts.DataDir and returns a Router
// that serves them.
func OpenRouter(opts Options) (*Router, error) {
	if opts.RetryAfter <= 0 {
		opts.RetryAfter = DefaultRetryAfter
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if fi, err := os.Stat(opts.DataDir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("data directory %q: not a directory; create it or pass another with --data", opts.DataDir)
	}
	routes, err := loadRoutes(opts.DataDir)
	if err != nil {
		return nil, err
	}
	rt := &Router{opts: opts, log: opts.Logger}
	t := &table{hosts: map[string]*entry{}, tenants: map[string]*entry{}}
	for _, r := range routes {
		e := &entry{route: r, backend: rt.newBackend(r), stats: newTenantStats(opts.Now())}
		t.add(e)
	}
	rt.table.Store(t)
	rt.log.Info("routes loaded", "tenants", len(routes), "file", RoutesFile)
	return rt, nil
}

// newBackend makes a backend for route r.
func (rt *Router) newBackend(r Route) *backend {
	return newBackend(r.Tenant, r.Backend, rt.log, rt.proxyError)
}

// add puts e into t, which is still being built.
func (t *table) add(e *entry) {
	t.tenants[e.route.Tenant] = e
	for _, h := range e.route.Hosts {
		t.hosts[h] = e
	}
}

// with returns a copy of t where tenant's entry is e (nil: removed).
func (t *table) with(tenant string, e *entry) *table {
	n := &table{hosts: map[string]*entry{}, tenants: map[string]*entry{}}
	for name, old := range t.tenants {
		if name != tenant {
			n.add(old)
		}
	}
	if e != nil {
		n.add(e)
	}
	return n
}

// routes returns the routes of t sorted by tenant.
func (t *table) routes() []Route {
	out := make([]Route, 0, len(t.tenants))
	for _, e := range t.tenants {
		out = append(out, e.route.clone())
	}
	slices.SortFunc(out, func(a, b Route) int { return cmp.Compare(a.Tenant, b.Tenant) })
	return out
}

// Routes returns every route, sorted by tenant.
func (rt *Router) Routes() []Route { return rt.table.Load().routes() }

// Lookup returns the route of the host a Host header or TLS server name
// designates. The certs package uses it to issue certificates for routed
// hosts only.
func (rt *Router) Lookup(host string) (Route, bool) {
	h, ok := NormalizeHost(host)
	if !ok {
		return Route{}, false
	}
	e := rt.table.Load().hosts[h]
	if e == nil {
		return Route{}, false
	}
	return e.route.clone(), true
}

// errNotRouted is HostPolicy's refusal; it names nothing.
var errNotRouted = errors.New("host not routed here")

// HostPolicy returns nil for a host that has a route and an error for any
// other. Its signature is certs.HostPolicy's: pass rt.HostPolicy to
// certs.New so that certificates are issued for routed hosts only.
func (rt *Router) HostPolicy(_ context.Context, host string) error {
	if _, ok := rt.Lookup(host); !ok {
		return errNotRouted
	}
	return nil
}

// commit saves next and makes it the table served. The caller holds mu.
func (rt *Router) commit(next *table) error {
	if err := saveRoutes(rt.opts.DataDir, next.routes()); err != nil {
		return err
	}
	rt.table.Store(next)
	return nil
}

// SetResult is what SetRoute did.
type SetResult struct {
	// Route is the tenant's route now.
	Route Route `json:"route"`
	// Previous is the backend the tenant had before; "" for a new tenant.
	Previous string `json:"previous_backend"`
	// Drain tells how the previous backend was drained; nil when the
	// backend did not change.
	Drain *DrainResult `json:"drain"`
}

// SetRoute routes r.Hosts to r.Backend for r.Tenant, replacing the
// tenant's route as one atomic change; a maintenance mode already on stays
// on. When the backend changes, SetRoute returns only once the old
// backend's in-flight requests have finished, or drainTimeout has passed
// and those left were cancelled.
func (rt *Router) SetRoute(r Route, drainTimeout time.Duration) (SetResult, error) {
	r = r.clone()
	r.Maintenance = nil
	if err := r.validate(); err != nil {
		return SetResult{}, invalid(err)
	}
	rt.mu.Lock()
	cur := rt.table.Load()
	for _, h := range r.Hosts {
		if e := cur.hosts[h]; e != nil && e.route.Tenant != r.Tenant {
			rt.mu.Unlock()
			return SetResult{}, errorf(ErrConflict, "host %s is routed to tenant %s; remove it there first", h, e.route.Tenant)
		}
	}
	for _, e := range cur.tenants {
		if e.route.Tenant != r.Tenant && e.route.Backend == r.Backend {
			rt.mu.Unlock()
			return SetResult{}, errorf(ErrConflict, "backend %s is routed to tenant %s: a backend serves one tenant only", r.Backend, e.route.Tenant)
		}
	}
	old := cur.tenants[r.Tenant]
	next := &entry{route: r}
	if old != nil {
		next.route.Maintenance = old.route.Maintenance
		next.stats = old.stats
		if old.route.Backend == r.Backend {
			next.backend = old.backend
		}
	}
	if next.stats == nil {
		next.stats = newTenantStats(rt.opts.Now())
	}
	if next.backend == nil {
		next.backend = rt.newBackend(r)
	}
	if err := rt.commit(cur.with(r.Tenant, next)); err != nil {
		rt.mu.Unlock()
		return SetResult{}, err
	}
	rt.mu.Unlock()

	res := SetResult{Route: next.route.clone()}
	if old != nil {
		res.Previous = old.route.Backend
	}
	rt.log.Info("route set", "tenant", r.Tenant, "backend", r.Backend, "previous", res.Previous, "hosts", r.Hosts)
	if old != nil && old.backend != next.backend {
		d := old.backend.drain(drainTimeout)
		res.Drain = &d
		rt.log.Info("backend drained", "tenant", r.Tenant, "backend", d.Backend, "in_flight", d.InFlight, "waited_ms", d.WaitedMS, "cancelled", d.Cancelled)
	}
	return res, nil
}

// RemoveResult is what RemoveRoute did.
type RemoveResult struct {
	// Tenant is the tenant asked for.
	Tenant string `json:"tenant"`
	// Removed is false when the tenant had no route (nothing to do).
	Removed bool `json:"removed"`
	// Drain tells how its backend was drained; nil when nothing was removed.
	Drain *DrainResult `json:"drain"`
}

// RemoveRoute removes tenant's route; its host names get the 404 page. It
// returns once the backend is drained, like SetRoute. Removing a tenant
// that has no route does nothing and is no error.
func (rt *Router) RemoveRoute(tenant string, drainTimeout time.Duration) (RemoveResult, error) {
	if err := ValidateTenant(tenant); err != nil {
		return RemoveResult{}, invalid(err)
	}
	res := RemoveResult{Tenant: tenant}
	rt.mu.Lock()
	cur := rt.table.Load()
	old := cur.tenants[tenant]
	if old == nil {
		rt.mu.Unlock()
		return res, nil
	}
	if err := rt.commit(cur.with(tenant, nil)); err != nil {
		rt.mu.Unlock()
		return RemoveResult{}, err
	}
	rt.mu.Unlock()
	res.Removed = true
	rt.log.Info("route removed", "tenant", tenant, "backend", old.route.Backend)
	d := old.backend.drain(drainTimeout)
	res.Drain = &d
	return res, nil
}
