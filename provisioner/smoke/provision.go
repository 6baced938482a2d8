package smoke

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/apply"
	"github.com/tenantctl/tenantctl/provisioner/engine"
	"github.com/tenantctl/tenantctl/provisioner/plan"
	"github.com/tenantctl/tenantctl/provisioner/workspace"
)

// maxAttempts bounds plan+apply rounds lost to concurrent runs.
const maxAttempts = 3

// provision plans and applies the smoke tenant until it is healthy. Every
// health wait is bounded by the run's deadline (runCtx). When a
// concurrent run took the subnet or host port planned for it, the tenant
// is cleaned up and planned again, up to maxAttempts times.
func (r *runner) provision(runCtx context.Context) (*plan.TenantPlan, error) {
	rep := r.report
	start := time.Now()
	defer func() { rep.Provision.Duration = time.Since(start) }()
	fmt.Fprintf(r.log, "Provisioning tenant %s …\n", rep.Tenant)
	for attempt := 1; ; attempt++ {
		rep.Provision.Attempts = attempt
		r.stepFailed = false
		p, err := r.ws.Run(runCtx, workspace.Change{
			Operation: "smoke", RecordKeys: true,
			Plan: func(ctx context.Context) (*plan.Plan, error) {
				return r.ws.Plan(ctx, plan.Options{Tenants: []string{rep.Tenant}})
			},
			Progress: func(line string) { fmt.Fprintln(r.log, "  "+line) },
			Apply:    apply.Options{HealthTimeout: r.opts.Timeout, OnEvent: r.event},
			Warn:     r.warn,
		})
		if p == nil || (err != nil && !isApplyError(err)) {
			r.stepFailed = true
			return nil, err
		}
		if err == nil {
			for i := range p.Tenants {
				if p.Tenants[i].Name == rep.Tenant {
					return &p.Tenants[i], nil
				}
			}
			return nil, fmt.Errorf("the plan has no tenant %s", rep.Tenant)
		}
		lost := errors.Is(err, engine.ErrSubnetTaken) || errors.Is(err, engine.ErrPortTaken)
		if !lost || attempt == maxAttempts || runCtx.Err() != nil {
			return nil, withoutInterrupt(err)
		}
		fmt.Fprintf(r.log, "A concurrent run took a subnet or host port planned for %s; cleaning up and planning again (attempt %d of %d).\n", rep.Tenant, attempt+1, maxAttempts)
		cctx, cancel := context.WithTimeout(context.WithoutCancel(runCtx), r.opts.CleanupTimeout)
		err = r.destroy(cctx)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("cleaning up before planning again: %w", err)
		}
	}
}

// isApplyError tells an error of the execution (a step failed, or the run
// was cut short) from one that stopped the run before any change.
func isApplyError(err error) bool {
	var te *apply.TenantError
	return errors.As(err, &te) || errors.Is(err, apply.ErrInterrupted)
}

// warn prints a problem that does not fail the run.
func (r *runner) warn(err error) { fmt.Fprintf(r.log, "Warning: %s\n", err) }

// event prints one apply event as an indented progress line.
func (r *runner) event(e apply.Event) {
	if e.Status == apply.Failed && !e.Last {
		r.stepFailed = true
	}
	if e.Last || (e.Status == apply.Started && !strings.HasPrefix(e.Step, "wait")) {
		return
	}
	line := fmt.Sprintf("  %s  %-8s %s", e.Time.UTC().Format("15:04:05"), e.Status, e.Step)
	if e.Status != apply.Started && e.Elapsed > 0 {
		line += fmt.Sprintf(" (%s)", round(e.Elapsed))
	}
	fmt.Fprintln(r.log, line)
}

// round shortens a duration for people.
func round(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(10 * time.Millisecond)
}

// indent puts continuation lines of a message under its first line.
func indent(s string) string { return strings.ReplaceAll(s, "\n", "\n  ") }

// withoutInterrupt drops apply.ErrInterrupted from a joined error from
// apply.Run: the run's outcome already says that it was cut short, and
// the tenant's own failure is the part worth reading.
func withoutInterrupt(err error) error {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok || !errors.Is(err, apply.ErrInterrupted) {
		return err
	}
	var rest []error
	for _, e := range j.Unwrap() {
		if e != apply.ErrInterrupted {
			rest = append(rest, e)
		}
	}
	if len(rest) == 0 {
		return err
	}
	return errors.Join(rest...)
}
