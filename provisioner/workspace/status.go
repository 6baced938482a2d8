package workspace

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/engine"
	"github.com/tenantctl/tenantctl/provisioner/model"
	"github.com/tenantctl/tenantctl/provisioner/plan"
	"github.com/tenantctl/tenantctl/provisioner/resource"
	"github.com/tenantctl/tenantctl/provisioner/status"
)

// probeParallelism bounds the HTTP health probes in flight.
const probeParallelism = 16

// Status observes every host once (a fixed number of list calls per host,
// however many tenants), reconciles as plan does, runs the HTTP health
// probes concurrently (they are not engine calls) and computes the status
// of the named tenants, or of every tenant when none is named. Tenants on
// hosts that cannot be observed are unreachable, and the report then comes
// with an error for which IsPartial is true.
func (w *Workspace) Status(ctx context.Context, tenants []string) (*status.Report, error) {
	return w.status(ctx, tenants, false)
}

// TenantStatus is the status of one tenant with the last health-check
// output of each of its containers: one inspect per container on top of
// Status's observation. An unknown name is an error wrapping
// status.ErrNotFound.
func (w *Workspace) TenantStatus(ctx context.Context, name string) (*status.TenantStatus, error) {
	r, err := w.status(ctx, []string{name}, true)
	if err != nil && !IsPartial(err) {
		return nil, err
	}
	ts := r.Find(name)
	if ts == nil {
		return nil, fmt.Errorf("tenant %s: %w", name, status.ErrNotFound)
	}
	return ts, nil
}

// status observes once and computes. Tenants on hosts that could not be
// observed get the state unreachable, and the report then comes with the
// hosts' error (see IsPartial).
func (w *Workspace) status(ctx context.Context, tenants []string, inspect bool) (*status.Report, error) {
	observed, failed, err := w.observe(ctx)
	if err != nil {
		return nil, err
	}
	w.place(observed)
	desired, skipped, narrowed := w.reachable(observed, failed, plan.Options{Tenants: tenants})
	var unobserved []status.UnobservedTenant
	for _, s := range skipped {
		u := status.UnobservedTenant{Name: s.Tenant, Host: s.Host, Reason: s.Reason}
		if t := w.Project.Tenant(s.Tenant); t != nil {
			u.Labels, u.Protected = t.Labels, t.Protect
		}
		unobserved = append(unobserved, u)
	}
	if len(tenants) > 0 && len(narrowed.Tenants) == 0 {
		r := &status.Report{FormatVersion: status.FormatVersion, Project: w.Project.Name, Time: time.Now().UTC(), Tenants: []status.TenantStatus{}}
		r.AddUnobserved(unobserved)
		return r, w.hostErrors(failed)
	}
	r, err := w.computeStatus(ctx, desired, observed, narrowed.Tenants, inspect)
	if err != nil {
		return nil, err
	}
	r.AddUnobserved(unobserved)
	return r, w.hostErrors(failed)
}

// computeStatus is status for the tenants of observed hosts.
func (w *Workspace) computeStatus(ctx context.Context, desired *model.Project, observed map[string]*resource.Observed, tenants []string, inspect bool) (*status.Report, error) {
	now := time.Now()
	if inspect {
		for _, name := range tenants {
			if !known(desired, observed, name) {
				return nil, fmt.Errorf("tenant %s: %w", name, status.ErrNotFound)
			}
		}
	}
	// Read-only: status never lists the ports of the host's other
	// containers, so a port not yet bound shows as the one it would get
	// from what the project's own containers hold.
	p, err := plan.Reconcile(desired, observed, plan.Options{Tenants: tenants, ReadOnly: true})
	if err != nil {
		return nil, err
	}
	in := status.Input{Desired: desired, Observed: observed, Plan: p, Now: now}
	if w.Key != nil {
		in.KeyID, in.KeyMismatches = w.Key.ID(), map[string]string{}
		for _, m := range KeyMismatches(w.Key, observed) {
			in.KeyMismatches[m.Tenant] = m.Recorded
		}
	}
	engines, err := w.Engines()
	if err != nil {
		return nil, err
	}
	in.Probes = runProbes(ctx, engines, status.ProbeTargets(in))
	if inspect {
		if in.Outputs, err = w.healthOutputs(ctx, p); err != nil {
			return nil, err
		}
	}
	r := status.Compute(in)
	status.Redact(r, w.Redactor())
	return r, nil
}

// known reports whether a tenant is defined or on an engine.
func known(p *model.Project, observed map[string]*resource.Observed, name string) bool {
	if p.Tenant(name) != nil {
		return true
	}
	for _, obs := range observed {
		if slices.Contains(obs.TenantNames(), name) {
			return true
		}
	}
	return false
}

// healthOutputs inspects every existing container of the plan's tenants
// for its last health-check output.
func (w *Workspace) healthOutputs(ctx context.Context, p *plan.Plan) (map[string]string, error) {
	engines, err := w.Engines()
	if err != nil {
		return nil, err
	}
	outputs := map[string]string{}
	for _, t := range p.Tenants {
		for _, op := range t.Operations {
			if op.ID.Kind != resource.KindContainer || op.Existing == "" || op.Action == plan.Create {
				continue
			}
			st, err := engines[t.Host].ContainerState(ctx, op.Existing)
			if err != nil {
				continue // removed since the observation: the list call said enough
			}
			if st.HealthLog != "" {
				outputs[op.Existing] = st.HealthLog
			} else if st.Status == "exited" {
				outputs[op.Existing] = fmt.Sprintf("exited with code %d", st.ExitCode)
			}
		}
	}
	return outputs, nil
}

// sensitiveValues are every secret-derived value of the project, so that
// no output a health check prints can show one.
func sensitiveValues(p *model.Project) []string {
	var values []string
	for _, t := range p.Tenants {
		for _, s := range t.Services {
			for _, v := range s.Env {
				if v.Sensitive && v.Text != "" {
					values = append(values, v.Text)
				}
			}
		}
	}
	return values
}

// hostDialer is an engine that opens TCP connections as seen from its
// host (a remote engine: through its SSH connection), so a probe of a
// published port reaches that machine and not this one.
type hostDialer interface {
	DialHost(ctx context.Context, addr string) (net.Conn, error)
}

// probeClients returns an HTTP client per host.
func probeClients(engines map[string]engine.Engine) map[string]*http.Client {
	clients := map[string]*http.Client{}
	for name, e := range engines {
		t := &http.Transport{DisableKeepAlives: true}
		if d, ok := e.(hostDialer); ok {
			t.DialContext = func(ctx context.Context, _, addr string) (net.Conn, error) { return d.DialHost(ctx, addr) }
		}
		clients[name] = &http.Client{
			Transport:     t,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return clients
}

// runProbes requests each target once, concurrently, and returns the
// results by container ID.
func runProbes(ctx context.Context, engines map[string]engine.Engine, targets []status.Target) map[string]status.Probe {
	results := make(map[string]status.Probe, len(targets))
	clients := probeClients(engines)
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, probeParallelism)
	for _, t := range targets {
		client := clients[t.Host]
		if client == nil {
			mu.Lock()
			results[t.Container] = status.Probe{Detail: "host " + t.Host + " is not connected"}
			mu.Unlock()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			res := probe(ctx, client, t)
			mu.Lock()
			results[t.Container] = res
			mu.Unlock()
		}()
	}
	wg.Wait()
	return results
}

// probe requests a health URL once: a 2xx or 3xx answer is healthy, as
// apply judges it.
func probe(ctx context.Context, client *http.Client, t status.Target) status.Probe {
	ctx, cancel := context.WithTimeout(ctx, t.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.URL, nil)
	if err != nil {
		return status.Probe{Detail: err.Error()}
	}
	resp, err := client.Do(req)
	if err != nil {
		return status.Probe{Detail: err.Error()}
	}
	resp.Body.Close()
	detail := fmt.Sprintf("GET %s: %s", req.URL.Path, resp.Status)
	return status.Probe{OK: resp.StatusCode >= 200 && resp.StatusCode < 400, Detail: detail}
}
