package edge

import (
	"slices"
	"time"
)

// MaintenanceResult is what SetMaintenance or ClearMaintenance did.
type MaintenanceResult struct {
	// Route is the tenant's route now.
	Route Route `json:"route"`
	// Drain tells how the requests in progress when maintenance went on
	// were drained; nil when nothing was drained.
	Drain *DrainResult `json:"drain"`
}

// SetMaintenance puts tenant in maintenance: the proxy answers its hosts
// with 503, Retry-After and message. Requests already on the backend are
// drained as by SetRoute, so that the caller may stop the backend once it
// returns. Calling it again only changes the message.
func (rt *Router) SetMaintenance(tenant, message string, drainTimeout time.Duration) (MaintenanceResult, error) {
	if err := ValidateTenant(tenant); err != nil {
		return MaintenanceResult{}, invalid(err)
	}
	rt.mu.Lock()
	cur := rt.table.Load()
	old := cur.tenants[tenant]
	if old == nil {
		rt.mu.Unlock()
		return MaintenanceResult{}, errorf(ErrNotFound, "tenant %s has no route; set one first", tenant)
	}
	next := &entry{route: old.route.clone(), backend: old.backend, stats: old.stats}
	since := rt.opts.Now().UTC()
	if old.route.Maintenance != nil {
		since = old.route.Maintenance.Since
	} else {
		// A new backend value for the same address: requests that saw the
		// old table fail to acquire the old one, retry and get the
		// maintenance page, and the old one can be drained.
		next.backend = rt.newBackend(next.route)
	}
	next.route.Maintenance = &Maintenance{Message: message, Since: since}
	if err := rt.commit(cur.with(tenant, next)); err != nil {
		rt.mu.Unlock()
		return MaintenanceResult{}, err
	}
	rt.mu.Unlock()
	rt.log.Info("maintenance on", "tenant", tenant)
	res := MaintenanceResult{Route: next.route.clone()}
	if next.backend != old.backend {
		d := old.backend.drain(drainTimeout)
		res.Drain = &d
	}
	return res, nil
}

// ClearMaintenance ends tenant's maintenance: its requests are proxied
// again. It does nothing for a tenant not in maintenance.
func (rt *Router) ClearMaintenance(tenant string) (MaintenanceResult, error) {
	if err := ValidateTenant(tenant); err != nil {
		return MaintenanceResult{}, invalid(err)
	}
	rt.mu.Lock()
	defer rt.mu.Unlock()
	cur := rt.table.Load()
	old := cur.tenants[tenant]
	if old == nil {
		return MaintenanceResult{}, errorf(ErrNotFound, "tenant %s has no route", tenant)
	}
	if old.route.Maintenance == nil {
		return MaintenanceResult{Route: old.route.clone()}, nil
	}
	next := &entry{route: old.route.clone(), backend: old.backend, stats: old.stats}
	next.route.Maintenance = nil
	if err := rt.commit(cur.with(tenant, next)); err != nil {
		return MaintenanceResult{}, err
	}
	rt.log.Info("maintenance off", "tenant", tenant)
	return MaintenanceResult{Route: next.route.clone()}, nil
}

// Stats returns the traffic of the given tenants (every tenant when none
// is given) over the window that ends now, sorted by tenant; window 0
// means DefaultStatsWindow, and a window is at most 15 minutes.
func (rt *Router) Stats(window time.Duration, tenants ...string) ([]TenantStats, error) {
	if window <= 0 {
		window = DefaultStatsWindow
	}
	if window > statsRetention {
		return nil, errorf(ErrInvalid, "window %s is longer than the %s kept", window, statsRetention)
	}
	t := rt.table.Load()
	if len(tenants) == 0 {
		for name := range t.tenants {
			tenants = append(tenants, name)
		}
	}
	tenants = slices.Clone(tenants)
	slices.Sort(tenants)
	tenants = slices.Compact(tenants)
	now := rt.opts.Now()
	out := make([]TenantStats, 0, len(tenants))
	for _, name := range tenants {
		e := t.tenants[name]
		if e == nil {
			return nil, errorf(ErrNotFound, "tenant %s has no route", name)
		}
		out = append(out, e.stats.snapshot(name, now, window))
	}
	return out, nil
}
