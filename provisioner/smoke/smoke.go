// Package smoke runs one smoke test of a template, as CI does for every
// new app build: it makes an ephemeral tenant with a unique name
// (<prefix>-<6 hex>, labelled tenantctl.ephemeral=true and
// tenantctl.expires=<time>), applies it, waits until it is healthy, runs
// the template's check blocks, and destroys everything it made, volumes
// included — on every path: checks failing, provisioning failing, the
// timeout, and cancellation (SIGINT/SIGTERM). Clean-up runs on a fresh
// context of its own, and is verified by observing the engine afterwards.
//
// Parallel runs on one host do not collide: names are random, subnets and
// host ports are allocated from what the engine shows is free, starting at
// a position hashed from the tenant name, and when a concurrent run takes
// one between plan and apply the run cleans up and plans again.
//
// A runner that dies (SIGKILL, a lost VM) leaves its tenant behind; GC
// removes ephemeral tenants whose expiry has passed.
package smoke

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/check"
)

// Defaults of Options.
const (
	DefaultPrefix         = "smoke"
	DefaultTimeout        = 10 * time.Minute
	DefaultCleanupTimeout = 3 * time.Minute
	// expiryMargin is added to the run's longest possible duration to
	// make its expiry time, so gc never races a run that is still going.
	expiryMargin = 5 * time.Minute
)

// Options describe a smoke run.
type Options struct {
	// Dir is the project directory.
	Dir string
	// Template names the template to test; empty means the project's
	// only template (several are an error that lists them).
	Template string
	// Vars are template variables as text (see config.Extra.Vars).
	Vars map[string]string
	// Prefix starts the tenant name, <prefix>-<6 hex>; default "smoke".
	Prefix string
	// Timeout bounds provisioning and checks (default 10 minutes).
	// Clean-up runs after it, bounded by CleanupTimeout.
	Timeout time.Duration
	// CleanupTimeout bounds the clean-up (default 3 minutes).
	CleanupTimeout time.Duration
	// KeepOnFailure keeps the tenant when a check fails, provisioning
	// fails or the time runs out; an interrupted run is always cleaned up.
	KeepOnFailure bool
	// Log receives progress lines; nil discards them.
	Log io.Writer
	// Getenv reads TENANTCTL_MASTER_KEY; nil means os.Getenv.
	Getenv func(string) string
}

// Outcome is how a run ended.
type Outcome string

// Outcomes, in the order the run can reach them.
const (
	Passed          Outcome = "passed"
	Failed          Outcome = "failed"           // a check failed
	ProvisionFailed Outcome = "provision_failed" // apply failed, or a service never became healthy
	TimedOut        Outcome = "timeout"          // Timeout ran out otherwise (while checks ran)
	Interrupted     Outcome = "interrupted"      // the context was cancelled (SIGINT/SIGTERM)
	CleanupFailed   Outcome = "cleanup_failed"   // all checks passed, but something remains
)

// Report is the result of a run.
type Report struct {
	Project  string
	Tenant   string
	Template string
	Host     string
	Expires  time.Time
	Started  time.Time
	Duration time.Duration
	Outcome  Outcome
	// Provision is the apply of the tenant until it was healthy.
	Provision Step
	// Checks are the template's checks in order; those not run are
	// Skipped.
	Checks  []CheckResult
	Cleanup Cleanup
}

// Step is the outcome of provisioning.
type Step struct {
	Passed   bool
	Duration time.Duration
	// Attempts is 1 unless a concurrent run took a subnet or port.
	Attempts int
	// Error is why provisioning failed, with the last log lines of the
	// failed service; secret values are replaced by "(sensitive)".
	Error string
}

// CheckResult is one check of the run.
type CheckResult struct {
	check.Result
	// Skipped checks were not run (provisioning failed, time ran out).
	Skipped bool
}

// Cleanup is what became of the tenant.
type Cleanup struct {
	// Done means it was destroyed and nothing labelled with it remains.
	Done bool
	// Kept means --keep-on-failure kept it; Command removes it.
	Kept    bool
	Command string
	// Remaining lists what is left ("container p_t_app"), if anything.
	Remaining []string
	Error     string
	Duration  time.Duration
}

// Failures counts the checks that ran and failed.
func (r *Report) Failures() int {
	n := 0
	for _, c := range r.Checks {
		if !c.Skipped && !c.Passed {
			n++
		}
	}
	return n
}

// Run performs one smoke run. It returns an error, and no report, only
// when the run could not start: bad configuration (a
// *workspace.DiagnosticsError), no master key, no engine. Everything
// that happens once the tenant may exist is in the report.
func Run(ctx context.Context, opts Options) (*Report, error) {
	opts.defaults()
	r, err := start(ctx, &opts)
	if err != nil {
		return nil, err
	}
	defer r.ws.Close()
	r.run(ctx)
	return r.report, nil
}

func (o *Options) defaults() {
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.CleanupTimeout <= 0 {
		o.CleanupTimeout = DefaultCleanupTimeout
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
}

// run provisions, checks and cleans up.
func (r *runner) run(ctx context.Context) {
	rep := r.report
	fmt.Fprintf(r.log, "Smoke test of template %q as tenant %s (project %s, host %s); it expires at %s.\n",
		rep.Template, rep.Tenant, rep.Project, rep.Host, rep.Expires.UTC().Format(time.RFC3339))
	runCtx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()

	tp, perr := r.provision(runCtx)
	switch {
	case ctx.Err() != nil:
		rep.Outcome = Interrupted
	case perr != nil && !r.stepFailed && runCtx.Err() != nil:
		rep.Outcome = TimedOut
	case perr != nil:
		rep.Outcome = ProvisionFailed
	}
	switch {
	case perr != nil && rep.Outcome == TimedOut:
		perr = fmt.Errorf("the time ran out (%s) before the tenant was up: %w", r.opts.Timeout, perr)
	}
	if perr != nil {
		rep.Provision.Error = r.scrub(perr.Error())
		fmt.Fprintf(r.log, "Provisioning %s: %s\n", failedWord(rep.Outcome), indent(rep.Provision.Error))
	} else {
		rep.Provision.Passed = true
		fmt.Fprintf(r.log, "Provisioned and healthy in %s.\n", round(rep.Provision.Duration))
	}

	if rep.Outcome == "" {
		r.checks(runCtx, tp)
		switch {
		case ctx.Err() != nil:
			rep.Outcome = Interrupted
		case runCtx.Err() != nil:
			rep.Outcome = TimedOut
		case rep.Failures() > 0:
			rep.Outcome = Failed
		default:
			rep.Outcome = Passed
		}
	}

	if r.opts.KeepOnFailure && rep.Outcome != Passed && rep.Outcome != Interrupted {
		r.keep()
	} else {
		r.cleanup(ctx)
		if !rep.Cleanup.Done && rep.Outcome == Passed {
			rep.Outcome = CleanupFailed
		}
	}
	rep.Duration = time.Since(rep.Started)
	fmt.Fprintln(r.log, summary(rep))
}

// failedWord says how provisioning ended for an outcome.
func failedWord(o Outcome) string {
	switch o {
	case Interrupted:
		return "interrupted"
	case TimedOut:
		return "timed out"
	}
	return "failed"
}

// summary is the run's last line.
func summary(rep *Report) string {
	ran := 0
	for _, c := range rep.Checks {
		if !c.Skipped {
			ran++
		}
	}
	took := round(rep.Duration)
	switch rep.Outcome {
	case Passed:
		return fmt.Sprintf("Smoke test passed: %d of %d checks passed in %s.", ran, len(rep.Checks), took)
	case Failed:
		return fmt.Sprintf("Smoke test failed: %d of %d checks failed (%s).", rep.Failures(), len(rep.Checks), took)
	case ProvisionFailed:
		return fmt.Sprintf("Smoke test failed: tenant %s could not be provisioned (%s).", rep.Tenant, took)
	case TimedOut:
		return fmt.Sprintf("Smoke test timed out after %s.", took)
	case Interrupted:
		return fmt.Sprintf("Smoke test interrupted after %s.", took)
	}
	return fmt.Sprintf("Smoke test failed: the checks passed, but clean-up left %d object(s) of %s behind.", len(rep.Cleanup.Remaining), rep.Tenant)
}
