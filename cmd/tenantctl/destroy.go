package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tenantctl/tenantctl/provisioner/plan"
)

func (a *app) destroyCmd() *cobra.Command {
	var (
		o          runOptions
		deleteData bool
	)
	cmd := &cobra.Command{
		Use:   "destroy TENANT...",
		Short: "Remove tenants' containers and networks (volumes only with --delete-data)",
		Long: `Destroy removes the named tenants' containers and networks. Their volumes,
and so their data, are kept unless --delete-data is given. A tenant with
protect = true is refused.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ws, err := a.load(true)
			if err != nil {
				return err
			}
			defer ws.Close()
			for _, name := range args {
				if t := ws.Project.Tenant(name); t != nil && t.Protect {
					return fmt.Errorf("tenant %s is protected (protect = true in %s); set protect = false there first if you really mean to destroy it", name, t.Source)
				}
			}
			change, closeView := a.change(ws, "destroy", o, func(ctx context.Context) (*plan.Plan, error) {
				return ws.PlanDestroy(ctx, args, deleteData)
			}, func(p *plan.Plan) error {
				if err := plan.WriteText(a.stdout, p, a.color(a.stdout)); err != nil {
					return err
				}
				if !p.HasChanges() {
					return nil
				}
				return a.confirm(o.autoApprove, "destroy")
			})
			change.ForgetKeys = deleteData
			p, err := ws.Run(cmd.Context(), change)
			closeView()
			if err != nil {
				return withSummary(err)
			}
			if !p.HasChanges() {
				return nil
			}
			if !deleteData {
				fmt.Fprintln(a.stdout, "\nDestroy complete. Volumes were kept; `tenantctl destroy --delete-data` removes them.")
			} else {
				fmt.Fprintln(a.stdout, "\nDestroy complete, data included.")
			}
			return nil
		},
	}
	o.flags(cmd)
	cmd.Flags().BoolVar(&deleteData, "delete-data", false, "also delete the tenants' volumes: their data is lost")
	return cmd
}
