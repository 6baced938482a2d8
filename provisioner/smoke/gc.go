package smoke

import (
	"context"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/apply"
	"github.com/tenantctl/tenantctl/provisioner/plan"
	"github.com/tenantctl/tenantctl/provisioner/resource"
	"github.com/tenantctl/tenantctl/provisioner/workspace"
)

// Ephemeral is an ephemeral tenant found on a host.
type Ephemeral struct {
	Tenant  string
	Host    string
	Expires time.Time
	// Objects is how many containers, networks and volumes it has.
	Objects int
}

// FindEphemeral sorts the ephemeral tenants of the observed hosts into
// those whose expiry is before now and those still live. A tenant counts
// as ephemeral only if every one of its objects carries
// tenantctl.ephemeral=true and a valid tenantctl.expires; its expiry is
// the latest of them. Tenants defined in tenants/ (defined returns true)
// are never ephemeral, whatever their labels say.
func FindEphemeral(observed map[string]*resource.Observed, defined func(string) bool, now time.Time) (expired, live []Ephemeral) {
	hosts := make([]string, 0, len(observed))
	for h := range observed {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	for _, h := range hosts {
		type acc struct {
			ok      bool
			expires time.Time
			objects int
		}
		seen := map[string]*acc{}
		add := func(labels map[string]string) {
			name := labels[resource.LabelTenant]
			if name == "" {
				return
			}
			a := seen[name]
			if a == nil {
				a = &acc{ok: true}
				seen[name] = a
			}
			a.objects++
			t, err := time.Parse(time.RFC3339, labels[resource.LabelExpires])
			if labels[resource.LabelEphemeral] != "true" || err != nil {
				a.ok = false
				return
			}
			if t.After(a.expires) {
				a.expires = t
			}
		}
		obs := observed[h]
		for _, c := range obs.Containers {
			add(c.Labels)
		}
		for _, n := range obs.Networks {
			add(n.Labels)
		}
		for _, v := range append(obs.Volumes, obs.Keys...) {
			add(v.Labels)
		}
		names := make([]string, 0, len(seen))
		for n := range seen {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			a := seen[n]
			if !a.ok || defined(n) {
				continue
			}
			e := Ephemeral{Tenant: n, Host: h, Expires: a.expires, Objects: a.objects}
			if a.expires.Before(now) {
				expired = append(expired, e)
			} else {
				live = append(live, e)
			}
		}
	}
	return expired, live
}

// GCOptions tune GC.
type GCOptions struct {
	// DryRun finds the expired tenants and changes nothing.
	DryRun bool
	// OnEvent receives the destroy's apply events.
	OnEvent func(apply.Event)
	// Now is the time expiry is judged at; zero means time.Now().
	Now time.Time
	// Warn receives what went wrong without failing gc (a lock taken
	// over while held).
	Warn func(error)
}

// GC removes the ephemeral tenants of the project whose expiry has
// passed — left by smoke runs whose runner died — with their volumes. It
// returns the expired tenants (removed unless DryRun) and the live ones
// (left alone). Tenants that are not ephemeral are never touched.
func GC(ctx context.Context, ws *workspace.Workspace, opts GCOptions) (expired, live []Ephemeral, err error) {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	observed, err := ws.Observe(ctx)
	if err != nil {
		return nil, nil, err
	}
	expired, live = FindEphemeral(observed, func(n string) bool { return ws.Project.Tenant(n) != nil }, opts.Now)
	if opts.DryRun || len(expired) == 0 {
		return expired, live, nil
	}
	// Destroy plans every host holding a name, so it gets only the hosts
	// where that tenant expired.
	names := make([]string, len(expired))
	for i, e := range expired {
		names[i] = e.Tenant
	}
	_, err = ws.Run(ctx, workspace.Change{
		Operation: "gc",
		Plan: func(ctx context.Context) (*plan.Plan, error) {
			observed, err := ws.ObserveKeys(ctx, names)
			if err != nil {
				return nil, err
			}
			// One destroy per host, of the tenants that expired there, so
			// its edge proxy's plan (routes, networks) comes along whole.
			byHost := map[string][]string{}
			for _, e := range expired {
				if slices.Contains(observed[e.Host].TenantNames(), e.Tenant) { // else only its key record is left
					byHost[e.Host] = append(byHost[e.Host], e.Tenant)
				}
			}
			p := &plan.Plan{Project: ws.Project.Name}
			for _, host := range slices.Sorted(maps.Keys(byHost)) {
				dp, err := plan.Destroy(ws.Project.Name, map[string]*resource.Observed{host: observed[host]}, byHost[host], true)
				if err != nil {
					return nil, err
				}
				p.Tenants = append(p.Tenants, dp.Tenants...)
				p.Edges = append(p.Edges, dp.Edges...)
			}
			return p, nil
		},
		Apply: apply.Options{OnEvent: opts.OnEvent},
		Warn:  opts.Warn,
	})
	if err != nil {
		return expired, live, err
	}
	return expired, live, ws.ForgetKeys(ctx, names)
}
