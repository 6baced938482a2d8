// Command tenantctl-edge is tenantctl's edge proxy, one per host and
// project, in its own container (image tenantctl/edge). See
// provisioner/edge for what it does and provisioner/edge/edgecmd for its
// commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/tenantctl/tenantctl/provisioner/edge"
	"github.com/tenantctl/tenantctl/provisioner/edge/edgecmd"
)

// version is edge.Version unless set at build time with
// -ldflags "-X main.version=...".
var version = edge.Version

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := edgecmd.Main(ctx, version, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
