package workspace

import (
	"context"
	"errors"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/apply"
	"github.com/tenantctl/tenantctl/provisioner/plan"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// Change is one run of tenantctl's operation sequence. apply, destroy,
// smoke and gc are callers of Run with their own planning and options;
// none of them repeats the sequence.
type Change struct {
	// Operation names the run in the tenants' locks: apply, destroy, smoke, gc.
	Operation string
	// Plan makes the plan. It runs twice: first for Review, then again
	// under the tenants' locks, and the run is refused when the two
	// differ. A partial error (IsPartial) lets the run go on with the
	// hosts that answered; Run returns it at the end.
	Plan func(context.Context) (*plan.Plan, error)
	// Review, if set, sees the first plan before anything changes (to
	// print it, ask for confirmation, compare a saved plan). An error
	// stops the run; a plan without changes stops after Review.
	Review func(*plan.Plan) error
	// LockTimeout is how long to wait for another run's tenant lock.
	LockTimeout time.Duration
	// Progress receives image transfer lines; nil drops them.
	Progress func(string)
	// RecordKeys writes the key record of each tenant that has none
	// (apply, smoke); ForgetKeys removes the records of tenants left with
	// nothing on their host (destroy --delete-data, smoke's clean-up, gc).
	RecordKeys, ForgetKeys bool
	// Apply tunes the execution.
	Apply apply.Options
	// Warn receives what went wrong without failing the run: a lock that
	// was broken and taken by another run while this one held it.
	Warn func(error)
}

// ErrChangedWhileLocking means another run changed a tenant between the
// plan that was reviewed and the moment its lock was taken.
var ErrChangedWhileLocking = errors.New("the tenants changed on the engine while their locks were being taken (another run?); nothing was changed: run the command again")

// Run plans, reviews, makes sure every image is on its host, locks the
// tenants the plan changes, plans again under the locks, executes and
// releases the locks. It returns the executed plan (or the reviewed one,
// when nothing ran) and an error from apply.Run (see apply.Summary), a
// fatal error, or the partial error of a plan that left out unreachable
// hosts.
func (w *Workspace) Run(ctx context.Context, c Change) (*plan.Plan, error) {
	if c.Progress == nil {
		c.Progress = func(string) {}
	}
	if c.Warn == nil {
		c.Warn = func(error) {}
	}
	p, partial, err := c.plan(ctx)
	if err != nil {
		return p, err
	}
	if c.Review != nil {
		if err := c.Review(p); err != nil {
			return p, err
		}
	}
	if !p.HasChanges() {
		// Tenants made before key records existed get theirs on their
		// next apply, changes or not.
		if c.RecordKeys {
			if err := w.recordKeys(ctx, p, w.observed()); err != nil {
				return p, err
			}
		}
		return p, partial
	}
	if err := w.EnsureImages(ctx, p, c.Progress); err != nil {
		return p, err
	}
	if err := w.CheckImages(ctx, p); err != nil {
		return p, err
	}
	release, err := w.lockAndRecheck(ctx, p, c)
	if err != nil {
		return p, err
	}
	defer release()
	if c.RecordKeys {
		if err := w.recordKeys(ctx, p, w.observed()); err != nil {
			return p, err
		}
	}
	engines, err := w.Engines()
	if err != nil {
		return p, err
	}
	if err := apply.Run(ctx, engines, p, c.Apply); err != nil {
		return p, err
	}
	if c.ForgetKeys {
		names := make([]string, len(p.Tenants))
		for i, t := range p.Tenants {
			names[i] = t.Name
		}
		if err := w.ForgetKeys(context.WithoutCancel(ctx), names); err != nil {
			return p, err
		}
	}
	return p, partial
}

// plan runs c.Plan and splits a partial error from a fatal one.
func (c Change) plan(ctx context.Context) (p *plan.Plan, partial, err error) {
	p, err = c.Plan(ctx)
	if IsPartial(err) {
		return p, err, nil
	}
	return p, nil, err
}

// lockAndRecheck locks the tenants p changes, then plans again under the
// locks and refuses if that plan differs from the reviewed one. It returns
// the function that releases the locks, which passes a lock taken over
// while held to c.Warn.
func (w *Workspace) lockAndRecheck(ctx context.Context, p *plan.Plan, c Change) (func(), error) {
	releaseLocks, err := w.LockTenants(ctx, p, c.Operation, c.LockTimeout)
	if err != nil {
		if ctx.Err() != nil {
			return nil, apply.ErrInterrupted
		}
		return nil, err
	}
	release := func() {
		if err := releaseLocks(); err != nil {
			c.Warn(err)
		}
	}
	fresh, _, err := c.plan(ctx)
	if err != nil {
		release()
		return nil, err
	}
	changed := p.Changed()
	names := map[string]bool{}
	for _, t := range changed.Tenants {
		names[t.Name] = true
	}
	if plan.Digest(fresh.Select(names)) != plan.Digest(changed) {
		release()
		return nil, ErrChangedWhileLocking
	}
	return release, nil
}

// observed is what the last Plan or PlanDestroy observed.
func (w *Workspace) observed() map[string]*resource.Observed {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.lastObserved
}
