package edgecmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenantctl/tenantctl/provisioner/edge"
)

// DefaultDrainTimeout is ctl's drain timeout when none is given.
const DefaultDrainTimeout = 30 * time.Second

// ctlOptions are the flags every ctl command shares.
type ctlOptions struct {
	data    string
	socket  string
	timeout time.Duration
}

// client returns the admin client of the options' socket.
func (o *ctlOptions) client() *edge.Client {
	socket := o.socket
	if socket == "" {
		socket = filepath.Join(o.data, edge.AdminSocket)
	}
	return edge.NewClient(socket)
}

// context bounds a command that may wait up to wait on the proxy.
func (o *ctlOptions) context(parent context.Context, wait time.Duration) (context.Context, context.CancelFunc) {
	t := o.timeout
	if t <= 0 {
		t = wait + time.Minute
	}
	return context.WithTimeout(parent, t)
}

// ctlCommand is `tenantctl-edge ctl`.
func ctlCommand(stdout io.Writer) *cobra.Command {
	o := &ctlOptions{}
	cmd := &cobra.Command{
		Use:   "ctl",
		Short: "Configure the running proxy over its admin socket (prints JSON)",
		Long: `Configure the running proxy over its admin socket. Every command prints one JSON
document on stdout: its result, or {"error": ..., "code": ...} when it fails.
Exit codes: 0 done, 1 refused or failed, 2 usage, 3 no proxy on the socket.`,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&o.data, "data", DefaultDataDir, "the proxy's data `directory`")
	pf.StringVar(&o.socket, "socket", "", "admin socket `path` (default DATA/admin.sock)")
	pf.DurationVar(&o.timeout, "timeout", 0, "give up after this long (default: drain timeout + 1m)")

	run := func(wait time.Duration, call func(context.Context, *edge.Client) (any, error)) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := o.context(cmd.Context(), wait)
			defer cancel()
			res, err := call(ctx, o.client())
			return printResult(stdout, cmd.ErrOrStderr(), res, err)
		}
	}

	cmd.AddCommand(&cobra.Command{
		Use:   "ping",
		Short: "Check that the proxy answers",
		Args:  noArgs,
		RunE: run(0, func(ctx context.Context, c *edge.Client) (any, error) {
			return c.Ping(ctx)
		}),
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the routes",
		Args:  noArgs,
		RunE: run(0, func(ctx context.Context, c *edge.Client) (any, error) {
			routes, err := c.Routes(ctx)
			return edge.RoutesResult{Routes: routes}, err
		}),
	})
	cmd.AddCommand(setCommand(o, run), removeCommand(run), maintenanceCommand(run), statsCommand(run))
	return cmd
}

// runFunc makes a command's RunE from the time it may wait and its call.
type runFunc func(wait time.Duration, call func(context.Context, *edge.Client) (any, error)) func(*cobra.Command, []string) error

// setCommand is `ctl set TENANT --backend ADDR --host NAME...`.
func setCommand(_ *ctlOptions, run runFunc) *cobra.Command {
	var backend string
	var hosts []string
	var drain time.Duration
	cmd := &cobra.Command{
		Use:   "set TENANT --backend HOST:PORT --host NAME [--host NAME]...",
		Short: "Route the host names to the backend for TENANT; returns once the old backend is drained",
		Args:  exactArgs(1, "one TENANT"),
	}
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if backend == "" || len(hosts) == 0 {
			return usagef("ctl set wants --backend and at least one --host")
		}
		return run(drain, func(ctx context.Context, cl *edge.Client) (any, error) {
			return cl.SetRoute(ctx, args[0], hosts, backend, drain)
		})(c, args)
	}
	f := cmd.Flags()
	f.StringVar(&backend, "backend", "", "backend `address` HOST:PORT, such as acme-app:8080")
	f.StringArrayVar(&hosts, "host", nil, "host `name` to route (repeat for each)")
	f.DurationVar(&drain, "drain-timeout", DefaultDrainTimeout, "how long the old backend's requests may finish")
	return cmd
}

// removeCommand is `ctl remove TENANT`.
func removeCommand(run runFunc) *cobra.Command {
	var drain time.Duration
	cmd := &cobra.Command{
		Use:   "remove TENANT",
		Short: "Remove TENANT's route (its hosts get the 404 page); no route is no error",
		Args:  exactArgs(1, "one TENANT"),
	}
	cmd.RunE = func(c *cobra.Command, args []string) error {
		return run(drain, func(ctx context.Context, cl *edge.Client) (any, error) {
			return cl.RemoveRoute(ctx, args[0], drain)
		})(c, args)
	}
	cmd.Flags().DurationVar(&drain, "drain-timeout", DefaultDrainTimeout, "how long the backend's requests may finish")
	return cmd
}

// maintenanceCommand is `ctl maintenance on|off TENANT`.
func maintenanceCommand(run runFunc) *cobra.Command {
	var message string
	var drain time.Duration
	cmd := &cobra.Command{
		Use:   "maintenance on|off TENANT",
		Short: "Answer TENANT's hosts with 503 and a message (on), or proxy them again (off)",
		Args:  exactArgs(2, "on or off, and one TENANT"),
	}
	cmd.RunE = func(c *cobra.Command, args []string) error {
		tenant := args[1]
		switch args[0] {
		case "on":
			return run(drain, func(ctx context.Context, cl *edge.Client) (any, error) {
				return cl.SetMaintenance(ctx, tenant, message, drain)
			})(c, args)
		case "off":
			return run(0, func(ctx context.Context, cl *edge.Client) (any, error) {
				return cl.ClearMaintenance(ctx, tenant)
			})(c, args)
		}
		return usagef("ctl maintenance wants on or off, got %q", args[0])
	}
	f := cmd.Flags()
	f.StringVar(&message, "message", "", "`text` of the maintenance page (on)")
	f.DurationVar(&drain, "drain-timeout", DefaultDrainTimeout, "how long requests in progress may finish (on)")
	return cmd
}

// statsCommand is `ctl stats [TENANT...]`.
func statsCommand(run runFunc) *cobra.Command {
	var window time.Duration
	cmd := &cobra.Command{
		Use:   "stats [TENANT...]",
		Short: "Traffic per tenant over a window: requests/s, 5xx/s, p50/p95 latency",
	}
	cmd.RunE = func(c *cobra.Command, args []string) error {
		return run(0, func(ctx context.Context, cl *edge.Client) (any, error) {
			ts, err := cl.Stats(ctx, window, args...)
			return edge.StatsResult{Tenants: ts}, err
		})(c, args)
	}
	cmd.Flags().DurationVar(&window, "window", edge.DefaultStatsWindow, "the last `duration` to sum, up to 15m")
	return cmd
}

// printResult prints res, or err as {"error", "code"}, as JSON on stdout;
// an error is also said on stderr. It returns the exit code as an error.
func printResult(stdout, stderr io.Writer, res any, err error) error {
	if err == nil {
		return writeIndented(stdout, res)
	}
	code := ExitFailed
	var apiErr *edge.APIError
	body := &edge.APIError{Code: "internal", Message: err.Error()}
	switch {
	case errors.As(err, &apiErr):
		body = apiErr
	case errors.Is(err, edge.ErrUnreachable):
		code = ExitUnreachable
		body.Code = "unreachable"
	}
	_ = writeIndented(stdout, body)
	fmt.Fprintf(stderr, "tenantctl-edge: %v\n", err)
	return exitError{code}
}

// writeIndented prints v as indented JSON.
func writeIndented(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("printing the result: %w", err)
	}
	return nil
}
