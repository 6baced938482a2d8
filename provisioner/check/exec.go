package check

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tenantctl/tenantctl/provisioner/model"
)

// runExec runs the command in the service's container.
func (t *Target) runExec(ctx context.Context, ec *model.ExecCheck) Result {
	r := Result{Kind: KindExec, Probe: "exec in " + ec.Service + ": " + shellWords(ec.Command), Attempts: 1}
	container := t.Containers[ec.Service]
	switch {
	case container == "":
		r.Message = fmt.Sprintf("service %s has no container", ec.Service)
		return r
	case t.Exec == nil:
		r.Message = "no engine to run the command on"
		return r
	}
	cctx, cancel := context.WithTimeout(ctx, ec.Timeout)
	defer cancel()
	res, err := t.Exec.Exec(cctx, container, ec.Command)
	switch {
	case ctx.Err() != nil:
		r.Message = interrupted(ctx) + withOutput(res.Output)
		return r
	case cctx.Err() != nil || errors.Is(err, context.DeadlineExceeded):
		r.Message = fmt.Sprintf("did not finish within %s", ec.Timeout) + withOutput(res.Output)
		return r
	case err != nil:
		r.Message = err.Error()
		return r
	case res.ExitCode != ec.ExitCode:
		r.Message = fmt.Sprintf("exit code %d, want %d", res.ExitCode, ec.ExitCode) + withOutput(res.Output)
		return r
	case ec.OutputContains != "" && !strings.Contains(res.Output, ec.OutputContains):
		r.Message = fmt.Sprintf("output does not contain %q", ec.OutputContains) + withOutput(res.Output)
		return r
	}
	r.Passed = true
	return r
}

func withOutput(out string) string {
	if strings.TrimSpace(out) == "" {
		return "; no output"
	}
	return fmt.Sprintf("; output: %q", quote(out))
}

// shellWords renders a command the way one would type it.
func shellWords(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a != "" && !strings.ContainsAny(a, " \t\n'\"\\$`*?[]{}()<>|&;#~") {
			out[i] = a
		} else {
			out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(out, " ")
}
