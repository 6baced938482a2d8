package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tenantctl/tenantctl/provisioner/plan"
)

func (a *app) planCmd() *cobra.Command {
	var (
		detailed, asJSON, prune, inspect bool
		out                              string
	)
	cmd := &cobra.Command{
		Use:   "plan [TENANT...]",
		Short: "Show what apply would change",
		Long: `Plan observes the engines and shows, per tenant, what apply would create,
update, replace or delete, and why. It changes nothing.

With --detailed-exitcode it exits 0 when there are no changes, 2 when there
are, and 1 on error.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ws, err := a.load(true)
			if err != nil {
				return err
			}
			defer ws.Close()
			ws.Inspect = inspect
			opts := plan.Options{Tenants: args, Prune: prune}
			p, err := ws.Plan(cmd.Context(), opts)
			partial, err := splitPartial(err)
			if err != nil {
				return err
			}
			if asJSON {
				err = plan.WriteJSON(a.stdout, p)
			} else {
				err = plan.WriteText(a.stdout, p, a.color(a.stdout))
			}
			if err != nil {
				return err
			}
			if out != "" {
				if err := plan.Save(out, p, opts); err != nil {
					return err
				}
				if !asJSON {
					fmt.Fprintf(a.stdout, "\nSaved the plan to %s. Apply exactly it with: tenantctl apply %s\n", out, out)
				}
			}
			if partial != nil {
				return partial
			}
			if detailed && p.HasChanges() {
				return &exitCode{code: exitChanges}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&detailed, "detailed-exitcode", false, "exit 0 with no changes, 2 with changes, 1 on error")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the plan as JSON (schema in README)")
	cmd.Flags().BoolVar(&prune, "prune", false, "plan the removal of orphaned tenants' containers and networks")
	cmd.Flags().StringVar(&out, "out", "", "save the plan to this file (mode 0600) for apply")
	cmd.Flags().BoolVar(&inspect, "inspect", false, "also inspect each container for env, command and limits changed by hand (one engine call per container)")
	return cmd
}
