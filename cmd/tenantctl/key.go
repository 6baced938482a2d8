package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/tenantctl/tenantctl/provisioner/secret"
)

func (a *app) keyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "key",
		Short: "The project's master key",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "id",
		Short: "Print the master key's public fingerprint",
		Long: `Id prints the fingerprint of the master key in use ($TENANTCTL_MASTER_KEY,
else .tenantctl/master.key). The engine keeps the fingerprint of the key that
made each tenant; a command run with another key is refused and names both.
The fingerprint reveals neither the key nor any secret.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			k, err := secret.Load(a.chdir, os.Getenv)
			if err != nil {
				return err
			}
			fmt.Fprintln(a.stdout, k.ID())
			return nil
		},
	})
	return cmd
}
