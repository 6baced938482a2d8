package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tenantctl/tenantctl/provisioner/config"
	"github.com/tenantctl/tenantctl/provisioner/workspace"
)

func (a *app) initCmd() *cobra.Command {
	var (
		name  string
		force bool
	)
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Scaffold a project and create its master key",
		Long: `Init scaffolds a project (tenantctl.hcl, templates/, tenants/, .gitignore)
and creates its master key, .tenantctl/master.key, never overwriting a file.
In an existing project without a key it first asks the project's engines:
if they hold tenants of the project, a new key is refused (those tenants were
made with another key), unless --force.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			created, err := workspace.Init(cmd.Context(), a.chdir, name, force)
			for _, c := range created {
				fmt.Fprintln(a.stdout, "created", c)
			}
			if err == nil && len(created) == 0 {
				fmt.Fprintln(a.stdout, "Nothing to do: the project is already initialised.")
			}
			return err
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "project name (default: the directory's name)")
	cmd.Flags().BoolVar(&force, "force", false, "make a new master key even though the project's engines hold tenants (they will not work with it)")
	return cmd
}

func (a *app) validateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate",
		Short: "Check the configuration without contacting any engine",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ws, err := a.load(false)
			if err != nil {
				return err
			}
			if len(ws.Warnings) > 0 {
				config.WriteDiagnostics(a.stderr, ws.Files, ws.Warnings, a.color(a.stderr))
			}
			fmt.Fprintf(a.stdout, "The configuration is valid: project %s, %d tenant(s), %d host(s).\n", ws.Project.Name, len(ws.Project.Tenants), len(ws.Project.Hosts))
			return nil
		},
	}
}
