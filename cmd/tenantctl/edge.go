package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func (a *app) edgeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "edge",
		Short: "The edge proxy that serves tenants at their host names",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "ca",
		Short: "Copy the edge proxy's local CA certificate and print its path",
		Long: `Ca copies the certificate of the local CA (edge { tls = "local-ca" }) from the
edge proxy on each host that runs one into .tenantctl/edge-ca-HOST.pem and
prints the path, one line per host. Trust it to open the tenants' https URLs:
  curl --cacert "$(tenantctl edge ca)" https://acme.tenants.localhost:8443/
The CA signs names under the edge domain only. Exit 1 when there is no edge
block, the edge does not use a local CA, or no proxy runs yet.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ws, err := a.load(false)
			if err != nil {
				return err
			}
			defer ws.Close()
			paths, err := ws.EdgeCA(cmd.Context())
			for _, p := range paths {
				fmt.Fprintln(a.stdout, p)
			}
			return err
		},
	})
	return cmd
}
