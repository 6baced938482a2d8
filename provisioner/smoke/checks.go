package smoke

import (
	"context"
	"fmt"
	"strings"

	"github.com/tenantctl/tenantctl/provisioner/check"
	"github.com/tenantctl/tenantctl/provisioner/plan"
)

// checks runs the template's checks against the healthy tenant and
// prints one line per check with its duration.
func (r *runner) checks(runCtx context.Context, tp *plan.TenantPlan) {
	rep := r.report
	if len(r.tenant.Checks) == 0 {
		fmt.Fprintf(r.log, "Template %q has no check blocks: only provisioning was tested.\n", rep.Template)
		return
	}
	target := check.FromPlan(tp, r.engines[rep.Host])
	width := 0
	for _, c := range r.tenant.Checks {
		width = max(width, len(c.Name))
	}
	fmt.Fprintln(r.log, "Checks:")
	i := 0
	target.RunAll(runCtx, r.tenant.Checks, func(res check.Result) {
		res.Message = r.scrub(res.Message)
		rep.Checks[i] = CheckResult{Result: res}
		i++
		status := "PASS"
		if !res.Passed {
			status = "FAIL"
		}
		fmt.Fprintf(r.log, "  %s  %-*s  %8s  %s\n", status, width, res.Name, round(res.Duration), res.Probe)
		if !res.Passed {
			fmt.Fprintf(r.log, "        %s\n", strings.ReplaceAll(res.Message, "\n", "\n        "))
		}
	})
	for _, c := range rep.Checks[i:] {
		fmt.Fprintf(r.log, "  SKIP  %-*s  not run\n", width, c.Name)
	}
}
