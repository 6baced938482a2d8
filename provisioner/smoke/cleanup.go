package smoke

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/apply"
	"github.com/tenantctl/tenantctl/provisioner/plan"
	"github.com/tenantctl/tenantctl/provisioner/resource"
	"github.com/tenantctl/tenantctl/provisioner/workspace"
)

// cleanup destroys the tenant with its data on a fresh context (the
// run's may be cancelled or past its deadline) and verifies, by observing
// the engine, that nothing labelled with it remains.
func (r *runner) cleanup(ctx context.Context) {
	rep := r.report
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opts.CleanupTimeout)
	defer cancel()
	start := time.Now()
	fmt.Fprintf(r.log, "Destroying tenant %s, data included …\n", rep.Tenant)
	var remaining []string
	var err error
	// A second round catches what a first one could not remove (an
	// object still in use while another was being removed).
	for round := 0; round < 2; round++ {
		if err = r.destroy(cctx); err != nil {
			continue
		}
		if remaining, err = r.remaining(cctx); err == nil && len(remaining) == 0 {
			break
		}
	}
	rep.Cleanup.Duration = time.Since(start)
	rep.Cleanup.Remaining = remaining
	switch {
	case err != nil:
		rep.Cleanup.Error = r.scrub(err.Error())
	case len(remaining) > 0:
		rep.Cleanup.Error = "still on the engine: " + strings.Join(remaining, ", ")
	default:
		rep.Cleanup.Done = true
		fmt.Fprintf(r.log, "Cleaned up in %s: nothing of tenant %s remains.\n", round(rep.Cleanup.Duration), rep.Tenant)
		return
	}
	rep.Cleanup.Command = r.destroyCommand()
	fmt.Fprintf(r.log, "Clean-up failed: %s\n  Remove the rest with: %s\n", indent(rep.Cleanup.Error), rep.Cleanup.Command)
}

// keep leaves the tenant for debugging and says how to remove it.
func (r *runner) keep() {
	rep := r.report
	rep.Cleanup.Kept = true
	rep.Cleanup.Command = r.destroyCommand()
	fmt.Fprintf(r.log, "Kept tenant %s for debugging (--keep-on-failure). Remove it with:\n  %s\n(`tenantctl gc` removes it after it expires at %s.)\n",
		rep.Tenant, rep.Cleanup.Command, rep.Expires.UTC().Format(time.RFC3339))
}

// destroyCommand is the exact command that removes the tenant.
func (r *runner) destroyCommand() string {
	return fmt.Sprintf("tenantctl --chdir %s destroy %s --delete-data --auto-approve", shellQuote(r.ws.Project.Dir), r.report.Tenant)
}

// destroy removes everything of the tenant, volumes included. A tenant
// with nothing on the engine is already clean.
func (r *runner) destroy(ctx context.Context) error {
	observed, err := r.ws.Observe(ctx)
	if err != nil {
		return err
	}
	tenant := []string{r.report.Tenant}
	if !hasObjects(observed, r.report.Tenant) {
		return r.ws.ForgetKeys(ctx, tenant)
	}
	_, err = r.ws.Run(ctx, workspace.Change{
		Operation: "smoke", ForgetKeys: true,
		Plan: func(ctx context.Context) (*plan.Plan, error) {
			return r.ws.PlanDestroy(ctx, tenant, true)
		},
		Apply: apply.Options{OnEvent: r.cleanupEvent},
		Warn:  r.warn,
	})
	return err
}

// cleanupEvent prints clean-up progress without counting failures as
// provisioning ones.
func (r *runner) cleanupEvent(e apply.Event) {
	failed := r.stepFailed
	r.event(e)
	r.stepFailed = failed
}

// remaining observes what is left of the tenant.
func (r *runner) remaining(ctx context.Context) ([]string, error) {
	observed, err := r.ws.Observe(ctx)
	if err != nil {
		return nil, err
	}
	return objectsOf(observed, r.report.Tenant), nil
}

// hasObjects reports whether the tenant has a container, network or data
// volume on any host (its key record aside).
func hasObjects(observed map[string]*resource.Observed, tenant string) bool {
	for _, obs := range observed {
		if slices.Contains(obs.TenantNames(), tenant) {
			return true
		}
	}
	return false
}

// objectsOf lists a tenant's objects on every host, its key record
// included, e.g. "container p_smoke-1_app", sorted.
func objectsOf(observed map[string]*resource.Observed, tenant string) []string {
	var out []string
	for _, obs := range observed {
		for _, c := range obs.Containers {
			if c.Labels[resource.LabelTenant] == tenant {
				out = append(out, "container "+strings.TrimPrefix(c.Name, "/"))
			}
		}
		for _, n := range obs.Networks {
			if n.Labels[resource.LabelTenant] == tenant {
				out = append(out, "network "+n.Name)
			}
		}
		for _, v := range append(obs.Volumes, obs.Keys...) {
			if v.Labels[resource.LabelTenant] == tenant {
				out = append(out, "volume "+v.Name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`*?[]{}()<>|&;#~!") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
