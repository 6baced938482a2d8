// Package apply executes a plan against the engines. Each tenant runs as a
// dependency graph — networks and volumes, then every container once the
// services it depends on are healthy, then removals — and tenants run in
// parallel up to a bound. Every step reports an Event; renderers turn the
// events into a live view or plain lines.
//
// A replaced container is created beside the old one first (replace.go),
// so a spec the engine refuses leaves the old one running. Every step's
// engine call is bounded (Options.CallTimeout), so a hung engine fails the
// step instead of hanging the run.
//
// With an edge (plan.EdgePlan, edge.go), each host's proxy comes first:
// its volume, network and container (healthy), then the routes of the
// tenants that go and the networks they leave; after the tenants, the
// proxy joins the edge networks of the tenants that converged and their
// routes are set with `tenantctl-edge ctl set`, run in the proxy's
// container over the engine connection. A failed tenant gets no route; a
// failed proxy fails the run (EdgeError) but not the tenants.
package apply

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/engine"
	"github.com/tenantctl/tenantctl/provisioner/plan"
)

// Options tune an apply.
type Options struct {
	// Parallelism is how many tenants are worked on at once (default 4).
	Parallelism int
	// HealthTimeout bounds the wait for one service to become healthy
	// (default 3 minutes).
	HealthTimeout time.Duration
	// CallTimeout bounds each engine call a step makes (default
	// engine.DefaultTimeouts.Call).
	CallTimeout time.Duration
	// OnEvent receives every event; calls are serialized.
	OnEvent func(Event)
}

// ErrInterrupted means the context was cancelled: no new step was started
// after that, and the steps in flight were allowed to finish.
var ErrInterrupted = errors.New("interrupted")

// TenantError is the failure of one tenant's apply.
type TenantError struct {
	Tenant string
	Err    error
}

func (e *TenantError) Error() string { return e.Tenant + ": " + e.Err.Error() }
func (e *TenantError) Unwrap() error { return e.Err }

// Run applies the plan. engines maps host names to their engines. It
// returns nil when every tenant converged, ErrInterrupted (joined with any
// failures) after a cancellation, or the joined TenantErrors.
func Run(ctx context.Context, engines map[string]engine.Engine, p *plan.Plan, opts Options) error {
	if opts.Parallelism < 1 {
		opts.Parallelism = 4
	}
	if opts.HealthTimeout <= 0 {
		opts.HealthTimeout = 3 * time.Minute
	}
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = engine.DefaultTimeouts.Call
	}
	var mu sync.Mutex
	emit := func(e Event) {
		if opts.OnEvent == nil {
			return
		}
		e.Time = time.Now()
		mu.Lock()
		defer mu.Unlock()
		opts.OnEvent(e)
	}

	// The edge proxies come first: the tenants' routes go to them.
	var edges []*edgeRun
	var edgeErrs []error
	for i := range p.Edges {
		ep := &p.Edges[i]
		if !ep.Changes() {
			continue
		}
		eng, ok := engines[ep.Host]
		if !ok {
			edgeErrs = append(edgeErrs, &EdgeError{ep.Host, fmt.Errorf("no engine for host %q", ep.Host)})
			continue
		}
		er := newEdgeRun(ctx, eng, ep, opts, emit)
		if err := er.before(); err != nil {
			edgeErrs = append(edgeErrs, &EdgeError{ep.Host, err})
			continue
		}
		edges = append(edges, er)
	}

	sem := make(chan struct{}, opts.Parallelism)
	var wg sync.WaitGroup
	errs := make([]error, len(p.Tenants))
	for i := range p.Tenants {
		tp := &p.Tenants[i]
		if !tp.Changes() {
			continue
		}
		eng, ok := engines[tp.Host]
		if !ok {
			errs[i] = &TenantError{tp.Name, fmt.Errorf("no engine for host %q", tp.Host)}
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			r := &tenantRun{ctx: ctx, eng: eng, tp: tp, opts: opts, emit: emit}
			if err := r.run(); err != nil {
				errs[i] = &TenantError{tp.Name, err}
			}
		}()
	}
	wg.Wait()
	failed := map[string]bool{}
	for i, err := range errs {
		if err != nil || (ctx.Err() != nil && p.Tenants[i].Changes()) {
			failed[p.Tenants[i].Name] = true
		}
	}
	for _, er := range edges {
		if ctx.Err() != nil {
			break
		}
		if err := er.after(failed); err != nil {
			edgeErrs = append(edgeErrs, &EdgeError{er.ep.Host, err})
		}
	}
	err := errors.Join(append(errs, edgeErrs...)...)
	if ctx.Err() != nil {
		return errors.Join(ErrInterrupted, err)
	}
	return err
}

// FailedTenants lists the tenants named in an error returned by Run.
func FailedTenants(err error) []string {
	var names []string
	var walk func(error)
	walk = func(err error) {
		var te *TenantError
		if errors.As(err, &te) {
			names = append(names, te.Tenant)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
		}
	}
	walk(err)
	sort.Strings(names)
	return names
}

// failedEdges lists the hosts whose edge proxy steps failed in err.
func failedEdges(err error) []string {
	var hosts []string
	var walk func(error)
	walk = func(err error) {
		var ee *EdgeError
		if errors.As(err, &ee) {
			hosts = append(hosts, ee.Host)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
		}
	}
	walk(err)
	sort.Strings(hosts)
	return hosts
}

// Summary is a one-line description of an error from Run.
func Summary(err error) string {
	failed := FailedTenants(err)
	if edges := failedEdges(err); len(edges) > 0 {
		s := "the edge proxy failed on host " + strings.Join(edges, ", ")
		if len(failed) > 0 {
			s += fmt.Sprintf("; %d tenant(s) failed: %s", len(failed), strings.Join(failed, ", "))
		}
		if errors.Is(err, ErrInterrupted) {
			s = "interrupted; " + s
		}
		return s
	}
	switch {
	case errors.Is(err, ErrInterrupted) && len(failed) == 0:
		return "interrupted: no new step was started; run apply again to converge"
	case errors.Is(err, ErrInterrupted):
		return fmt.Sprintf("interrupted, and %d tenant(s) failed: %s", len(failed), strings.Join(failed, ", "))
	default:
		return fmt.Sprintf("%d tenant(s) failed: %s", len(failed), strings.Join(failed, ", "))
	}
}
