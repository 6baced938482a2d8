// Package edgecmd is the command line of tenantctl-edge, the edge proxy:
// `serve` runs the proxy, `ctl` configures a running one over its admin
// socket (tenantctl runs it with `docker exec`), `version` prints the
// version. cmd/tenantctl-edge only calls Main.
package edgecmd

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Exit codes of tenantctl-edge.
const (
	// ExitOK: done.
	ExitOK = 0
	// ExitFailed: the command failed, or the proxy refused it (ctl).
	ExitFailed = 1
	// ExitUsage: wrong arguments or flags.
	ExitUsage = 2
	// ExitUnreachable: ctl found no proxy on the admin socket.
	ExitUnreachable = 3
)

// DefaultDataDir is the proxy's data directory in its container: its
// volume, which holds the routes, the certificates and the admin socket.
const DefaultDataDir = "/data"

// usageError marks an error as a usage error (exit 2).
type usageError struct{ err error }

// Error returns the message.
func (e usageError) Error() string { return e.err.Error() }

// Unwrap returns the error.
func (e usageError) Unwrap() error { return e.err }

// usagef makes a usage error.
func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// exitError carries an exit code for an error already reported.
type exitError struct{ code int }

// Error says which code.
func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// Main runs tenantctl-edge with args (without the program name) and
// returns its exit code. ctx ends on SIGTERM or SIGINT.
func Main(ctx context.Context, version string, args []string, stdout, stderr io.Writer) int {
	root := &cobra.Command{
		Use:           "tenantctl-edge",
		Short:         "tenantctl's edge proxy: routes each tenant's host names to its app",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(serveCommand(version), ctlCommand(stdout), &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(stdout, version)
			return nil
		},
	})
	err := root.ExecuteContext(ctx)
	var ee exitError
	var ue usageError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &ue) || isCobraUsage(err):
		fmt.Fprintf(stderr, "tenantctl-edge: %v\nRun 'tenantctl-edge --help' for usage.\n", err)
		return ExitUsage
	default:
		fmt.Fprintf(stderr, "tenantctl-edge: %v\n", err)
		return ExitFailed
	}
}

// isCobraUsage recognizes cobra's own usage errors (unknown command).
func isCobraUsage(err error) bool {
	const prefix = "unknown command"
	return len(err.Error()) >= len(prefix) && err.Error()[:len(prefix)] == prefix
}

// noArgs refuses positional arguments as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("%s takes no arguments, got %q", cmd.CommandPath(), args)
	}
	return nil
}

// exactArgs wants n positional arguments, named in what.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("%s wants %s", cmd.CommandPath(), what)
		}
		return nil
	}
}
