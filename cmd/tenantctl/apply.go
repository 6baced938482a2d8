package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenantctl/tenantctl/provisioner/apply"
	"github.com/tenantctl/tenantctl/provisioner/model"
	"github.com/tenantctl/tenantctl/provisioner/plan"
	"github.com/tenantctl/tenantctl/provisioner/progress"
	"github.com/tenantctl/tenantctl/provisioner/workspace"
)

// runOptions are the flags shared by apply and destroy.
type runOptions struct {
	autoApprove   bool
	parallelism   int
	healthTimeout time.Duration
	lockTimeout   time.Duration
	jsonEvents    bool
}

func (o *runOptions) flags(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&o.autoApprove, "auto-approve", false, "do not ask for confirmation")
	cmd.Flags().IntVar(&o.parallelism, "parallelism", 4, "how many tenants to work on at once")
	cmd.Flags().DurationVar(&o.healthTimeout, "health-timeout", 3*time.Minute, "how long to wait for each service to become healthy")
	cmd.Flags().BoolVar(&o.jsonEvents, "json", false, "report progress as JSON lines")
	cmd.Flags().DurationVar(&o.lockTimeout, "lock-timeout", 0, "wait this long for another run's tenant lock (0: fail at once, naming the holder)")
}

func (a *app) applyCmd() *cobra.Command {
	var (
		o              runOptions
		prune, inspect bool
	)
	cmd := &cobra.Command{
		Use:   "apply [TENANT... | PLANFILE]",
		Short: "Create, repair or update tenants to match their definitions",
		Long: `Apply plans, shows the plan, asks for confirmation (unless --auto-approve)
and executes it. Given a plan file saved by 'plan --out', it applies exactly
that plan, and refuses if the configuration or the engine changed since.
Apply never deletes or replaces a volume.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ws, err := a.load(true)
			if err != nil {
				return err
			}
			defer ws.Close()
			ws.Inspect = inspect
			opts := plan.Options{Tenants: args, Prune: prune}
			var saved *plan.SavedPlan
			if len(args) == 1 && isPlanFile(args[0]) {
				if saved, err = plan.Load(args[0]); err != nil {
					return err
				}
				opts = plan.Options{Tenants: saved.Tenants, Prune: saved.Prune}
			}
			change, closeView := a.change(ws, "apply", o, func(ctx context.Context) (*plan.Plan, error) {
				return ws.Plan(ctx, opts)
			}, func(p *plan.Plan) error {
				if saved != nil && (saved.Project != p.Project || saved.Digest != plan.Digest(p)) {
					return plan.ErrStale
				}
				if !o.jsonEvents {
					if err := plan.WriteText(a.stdout, p, a.color(a.stdout)); err != nil {
						return err
					}
				}
				if saved == nil && p.HasChanges() {
					return a.confirm(o.autoApprove, "apply")
				}
				return nil
			})
			change.RecordKeys = true
			p, err := ws.Run(cmd.Context(), change)
			closeView()
			partial, err := splitPartial(withSummary(err))
			if err != nil {
				return err
			}
			if !p.HasChanges() {
				a.printURLs(p, ws.Project)
				return partial
			}
			c := p.Counts()
			if !o.jsonEvents {
				fmt.Fprintf(a.stdout, "\nApply complete: %d created, %d updated, %d replaced, %d deleted.\n", c.Create, c.Update, c.Replace, c.Delete)
				a.printURLs(p, ws.Project)
			}
			return partial
		},
	}
	o.flags(cmd)
	cmd.Flags().BoolVar(&prune, "prune", false, "remove orphaned tenants' containers and networks (never volumes)")
	cmd.Flags().BoolVar(&inspect, "inspect", false, "also repair env, command and limits changed by hand (one engine call per container)")
	return cmd
}

// isPlanFile tells a plan file from a tenant name: tenant names never
// contain '.' or '/'.
func isPlanFile(arg string) bool {
	if strings.ContainsAny(arg, "./") {
		return true
	}
	info, err := os.Stat(arg)
	return err == nil && !info.IsDir()
}

// confirm asks for "yes" on a terminal; without one it needs --auto-approve.
func (a *app) confirm(autoApprove bool, what string) error {
	if autoApprove {
		return nil
	}
	if !terminal(a.stdin) {
		return fmt.Errorf("%s needs confirmation and there is no terminal to ask on; run it with --auto-approve", what)
	}
	fmt.Fprintf(a.stdout, "\nDo you want to %s these changes? Only 'yes' will be accepted: ", what)
	answer, _ := bufio.NewReader(a.stdin).ReadString('\n')
	if strings.TrimSpace(answer) != "yes" {
		return errors.New(what + " cancelled")
	}
	return nil
}

// change is the operation sequence of apply and destroy, with a progress
// view fit for the output that starts once review has passed. The
// returned function closes the view.
func (a *app) change(ws *workspace.Workspace, operation string, o runOptions, planner func(context.Context) (*plan.Plan, error), review func(*plan.Plan) error) (workspace.Change, func()) {
	v := &view{a: a, o: o}
	return workspace.Change{
		Operation: operation, Plan: planner, LockTimeout: o.lockTimeout,
		Progress: a.progressLine(o),
		Warn:     a.warn,
		Review: func(p *plan.Plan) error {
			if err := review(p); err != nil || !p.HasChanges() {
				return err
			}
			v.start(p)
			return nil
		},
		Apply: apply.Options{Parallelism: o.parallelism, HealthTimeout: o.healthTimeout,
			OnEvent: withFaultHalt(v.event, a.stderr)},
	}, v.close
}

// view renders apply events: JSON lines, a live view on a terminal, or
// plain lines.
type view struct {
	a    *app
	o    runOptions
	live *progress.Live
	sink func(apply.Event)
}

// start picks the rendering for the plan about to run.
func (v *view) start(p *plan.Plan) {
	a := v.a
	switch {
	case v.o.jsonEvents:
		v.sink = progress.JSONLines{W: a.stdout}.Event
	case terminal(a.stdout):
		var names []string
		for _, t := range p.Tenants {
			if t.Changes() {
				names = append(names, t.Name)
			}
		}
		fmt.Fprintln(a.stdout)
		v.live = progress.NewLive(a.stdout, a.color(a.stdout), names)
		v.sink = v.live.Event
	default:
		fmt.Fprintln(a.stdout)
		v.sink = progress.Plain{W: a.stdout}.Event
	}
}

func (v *view) event(e apply.Event) {
	if v.sink != nil {
		v.sink(e)
	}
}

func (v *view) close() {
	if v.live != nil {
		v.live.Close()
		v.live = nil
	}
}

// warn prints a problem that does not fail the command.
func (a *app) warn(err error) {
	fmt.Fprintf(a.stderr, "%s %s\n", a.paint(a.stderr, "\x1b[33m", "Warning:"), err)
}

// withSummary adds apply.Summary's line to an error of the execution.
func withSummary(err error) error {
	var te *apply.TenantError
	if errors.As(err, &te) || errors.Is(err, apply.ErrInterrupted) {
		return fmt.Errorf("%w\n%s", err, apply.Summary(err))
	}
	return err
}

// printURLs shows where each tenant's published ports answer.
func (a *app) printURLs(p *plan.Plan, project *model.Project) {
	urls := workspace.URLs(p, project)
	if len(urls) == 0 {
		return
	}
	fmt.Fprintln(a.stdout, "\nTenant URLs:")
	for _, u := range urls {
		fmt.Fprintf(a.stdout, "  %-16s %s\n", u.Tenant, u.URL)
	}
}
