package main

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenantctl/tenantctl/provisioner/status"
	"github.com/tenantctl/tenantctl/provisioner/workspace"
)

func (a *app) statusCmd() *cobra.Command {
	var (
		asJSON, failUnhealthy, watch bool
		output                       string
		interval                     time.Duration
	)
	cmd := &cobra.Command{
		Use:   "status [TENANT...]",
		Short: "Show each tenant's state, health, version, URL, age and labels",
		Long: `Status observes the engines (the same few list calls as plan, however many
tenants) and probes the HTTP health checks, then shows one row per tenant.

STATE is running, degraded (a service unhealthy, restarting or down),
stopped, provisioning, missing (defined, not deployed), orphaned (deployed,
no definition) or drifted (up, but apply would change it).

With --fail-unhealthy it exits 3 when any selected tenant is not running.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if asJSON {
				output = "json"
			}
			render, err := statusRenderer(output, a.color(a.stdout))
			if err != nil {
				return err
			}
			ws, err := a.load(true)
			if err != nil {
				return err
			}
			defer ws.Close()
			if watch {
				return a.watchStatus(cmd.Context(), ws, args, render, interval)
			}
			r, err := ws.Status(cmd.Context(), args)
			partial, err := splitPartial(err)
			if err != nil {
				return err
			}
			var b bytes.Buffer
			if err := render(&b, r); err != nil {
				return err
			}
			if _, err := a.stdout.Write(b.Bytes()); err != nil {
				return err
			}
			if failUnhealthy {
				for i := range r.Tenants {
					if !r.Tenants[i].OK() {
						if partial != nil {
							return &exitCode{code: exitUnhealthy, err: partial}
						}
						return &exitCode{code: exitUnhealthy}
					}
				}
			}
			return partial
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON (schema in README); same as --output json")
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table, json or csv")
	cmd.Flags().BoolVar(&failUnhealthy, "fail-unhealthy", false, "exit 3 when any selected tenant is not running")
	cmd.Flags().BoolVarP(&watch, "watch", "w", false, "refresh every --interval until interrupted (in place on a terminal)")
	cmd.Flags().DurationVar(&interval, "interval", 2*time.Second, "refresh interval for --watch")
	return cmd
}

type renderFunc func(*bytes.Buffer, *status.Report) error

func statusRenderer(output string, color bool) (renderFunc, error) {
	switch output {
	case "table", "":
		return func(b *bytes.Buffer, r *status.Report) error { return status.WriteTable(b, r, color) }, nil
	case "json":
		return func(b *bytes.Buffer, r *status.Report) error { return status.WriteJSON(b, r) }, nil
	case "csv":
		return func(b *bytes.Buffer, r *status.Report) error { return status.WriteCSV(b, r) }, nil
	}
	return nil, fmt.Errorf("unknown --output %q: use table, json or csv", output)
}

// watchStatus redraws the status every interval until ctx ends: in place
// on a terminal, one rendering after another otherwise.
func (a *app) watchStatus(ctx context.Context, ws *workspace.Workspace, tenants []string, render renderFunc, interval time.Duration) error {
	if interval < 100*time.Millisecond {
		return fmt.Errorf("--interval %s is too short", interval)
	}
	tty := terminal(a.stdout)
	if tty {
		fmt.Fprint(a.stdout, "\x1b[2J")
	}
	for {
		var b bytes.Buffer
		r, err := ws.Status(ctx, tenants)
		if ctx.Err() != nil {
			return nil
		}
		if tty {
			// Home, draw, clear what is left of the previous frame.
			b.WriteString("\x1b[H")
			fmt.Fprintf(&b, "Every %s: tenantctl status    %s\n\n", interval, time.Now().Format("15:04:05"))
		}
		if r != nil {
			if err := render(&b, r); err != nil {
				return err
			}
		}
		if err != nil {
			fmt.Fprintf(&b, "Error: %v\n", err)
		}
		if tty {
			// Clear the rest of each line and of the screen, so that a
			// shorter frame leaves nothing of the one before.
			frame := bytes.ReplaceAll(b.Bytes(), []byte("\n"), []byte("\x1b[K\n"))
			b.Reset()
			b.Write(frame)
			b.WriteString("\x1b[J")
		} else {
			b.WriteString("\n")
		}
		if _, err := a.stdout.Write(b.Bytes()); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(interval):
		}
	}
}
