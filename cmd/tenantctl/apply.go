package main

import (
	"bufio"
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
			p, err := ws.Plan(cmd.Context(), opts)
			partial, err := splitPartial(err)
			if err != nil {
				return err
			}
			if saved != nil && (saved.Project != p.Project || saved.Digest != plan.Digest(p)) {
				return plan.ErrStale
			}
			if !o.jsonEvents {
				if err := plan.WriteText(a.stdout, p, a.color(a.stdout)); err != nil {
					return err
				}
			}
			if !p.HasChanges() {
				a.printURLs(p, ws.Project)
				return partial
			}
			if saved == nil {
				if err := a.confirm(o.autoApprove, "apply"); err != nil {
					return err
				}
			}
			if err := ws.EnsureImages(cmd.Context(), p, a.progressLine(o)); err != nil {
				return err
			}
			if err := ws.CheckImages(cmd.Context(), p); err != nil {
				return err
			}
			release, err := a.lockAndRecheck(cmd, ws, p, "apply", o, func() (*plan.Plan, error) {
				p, err := ws.Plan(cmd.Context(), opts)
				_, err = splitPartial(err)
				return p, err
			})
			if err != nil {
				return err
			}
			defer release()
			if err := a.execute(cmd, ws, p, o); err != nil {
				return err
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

// execute runs a plan with a progress view fit for the output.
func (a *app) execute(cmd *cobra.Command, ws *workspace.Workspace, p *plan.Plan, o runOptions) error {
	engines, err := ws.Engines()
	if err != nil {
		return err
	}
	opts := apply.Options{Parallelism: o.parallelism, HealthTimeout: o.healthTimeout}
	var live *progress.Live
	switch {
	case o.jsonEvents:
		opts.OnEvent = progress.JSONLines{W: a.stdout}.Event
	case terminal(a.stdout):
		var names []string
		for _, t := range p.Tenants {
			if t.Changes() {
				names = append(names, t.Name)
			}
		}
		fmt.Fprintln(a.stdout)
		live = progress.NewLive(a.stdout, a.color(a.stdout), names)
		opts.OnEvent = live.Event
	default:
		fmt.Fprintln(a.stdout)
		opts.OnEvent = progress.Plain{W: a.stdout}.Event
	}
	opts.OnEvent = withFaultHalt(opts.OnEvent, a.stderr)
	err = apply.Run(cmd.Context(), engines, p, opts)
	if live != nil {
		live.Close()
	}
	if err != nil {
		return fmt.Errorf("%w\n%s", err, apply.Summary(err))
	}
	return nil
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
