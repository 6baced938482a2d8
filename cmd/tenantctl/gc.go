package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenantctl/tenantctl/provisioner/progress"
	"github.com/tenantctl/tenantctl/provisioner/smoke"
)

func (a *app) gcCmd() *cobra.Command {
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "gc",
		Short: "Remove ephemeral (smoke) tenants whose expiry has passed",
		Long: `Gc removes, volumes included, the tenants whose objects all carry
tenantctl.ephemeral=true and a tenantctl.expires time that has passed: what
smoke runs left behind when their runner died. Live ephemeral tenants and
every other tenant are left alone. --dry-run lists them and changes nothing.
The master key is not needed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ws, err := a.load(false)
			if err != nil {
				return err
			}
			defer ws.Close()
			now := time.Now()
			expired, live, err := smoke.GC(cmd.Context(), ws, smoke.GCOptions{DryRun: dryRun, Now: now, OnEvent: progress.Plain{W: a.stdout}.Event, Warn: a.warn})
			for _, e := range expired {
				fmt.Fprintf(a.stdout, "expired  %-16s host %s, expired %s (%s ago), %d objects\n", e.Tenant, e.Host, e.Expires.UTC().Format(time.RFC3339), now.Sub(e.Expires).Round(time.Second), e.Objects)
			}
			for _, e := range live {
				fmt.Fprintf(a.stdout, "live     %-16s host %s, expires %s (in %s): left alone\n", e.Tenant, e.Host, e.Expires.UTC().Format(time.RFC3339), e.Expires.Sub(now).Round(time.Second))
			}
			if err != nil {
				return withSummary(err)
			}
			switch {
			case len(expired) == 0:
				fmt.Fprintln(a.stdout, "No expired ephemeral tenants.")
			case dryRun:
				fmt.Fprintf(a.stdout, "Dry run: %d expired tenant(s) would be removed, data included; nothing was changed.\n", len(expired))
			default:
				fmt.Fprintf(a.stdout, "Removed %d expired tenant(s), data included.\n", len(expired))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "list the expired tenants and change nothing")
	return cmd
}
