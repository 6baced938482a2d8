package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/tenantctl/tenantctl/provisioner/apply"
	"github.com/tenantctl/tenantctl/provisioner/config"
	"github.com/tenantctl/tenantctl/provisioner/redact"
	"github.com/tenantctl/tenantctl/provisioner/sshx"
	"github.com/tenantctl/tenantctl/provisioner/workspace"
)

// Exit codes, documented in README.
const (
	exitOK          = 0
	exitError       = 1
	exitChanges     = 2 // plan --detailed-exitcode: there are changes
	exitUnhealthy   = 3 // status --fail-unhealthy: a tenant is not running
	exitProvision   = 4 // smoke: the tenant could not be provisioned
	exitTimeout     = 5 // smoke: --timeout ran out
	exitHostKey     = 6 // an SSH host's key does not match known_hosts
	exitInterrupted = 130
)

// exitCode is an error that ends the program with a given code; with a nil
// err nothing more is printed.
type exitCode struct {
	code int
	err  error
}

func (e *exitCode) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

// app holds the global flags and the standard streams.
type app struct {
	chdir   string
	noColor bool
	stdin   io.Reader
	stdout  io.Writer
	stderr  io.Writer
}

// run executes the command line and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "tenantctl",
		Short:         "Stamp out an isolated stack per tenant from HCL, on Docker engines",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().StringVar(&a.chdir, "chdir", ".", "run in this project directory")
	root.PersistentFlags().BoolVar(&a.noColor, "no-color", false, "never color the output (NO_COLOR is respected too)")
	root.AddCommand(a.initCmd(), a.validateCmd(), a.planCmd(), a.applyCmd(), a.destroyCmd(), a.forceUnlockCmd(), a.smokeCmd(), a.gcCmd(), a.statusCmd(), a.serveCmd(), a.hostsCmd(), a.keyCmd(), a.edgeCmd())

	err := root.ExecuteContext(ctx)
	return a.report(err)
}

// report prints err once and maps it to an exit code.
func (a *app) report(err error) int {
	if err == nil {
		return exitOK
	}
	var ec *exitCode
	if errors.As(err, &ec) && ec.err == nil {
		return ec.code
	}
	code := exitError
	if ec != nil {
		code = ec.code
	}
	if errors.Is(err, apply.ErrInterrupted) {
		code = exitInterrupted
	}
	if errors.Is(err, sshx.ErrHostKeyChanged) {
		code = exitHostKey
	}
	var de *workspace.DiagnosticsError
	if errors.As(err, &de) {
		config.WriteDiagnostics(a.stderr, de.Files, de.Diags, a.color(a.stderr))
		return code
	}
	fmt.Fprintf(a.stderr, "%s %s\n", a.paint(a.stderr, "\x1b[31m", "Error:"), err)
	return code
}

// load reads the project named by --chdir. From then on everything the
// command prints, errors included, goes through the project's redactor.
func (a *app) load(needKey bool) (*workspace.Workspace, error) {
	ws, err := workspace.Load(a.chdir, needKey)
	if err != nil {
		return nil, err
	}
	a.redact(ws.Redactor())
	return ws, nil
}

// redact sends stdout and stderr through r.
func (a *app) redact(r *redact.Redactor) {
	a.stdout, a.stderr = r.Writer(a.stdout), r.Writer(a.stderr)
}

// terminal reports whether w is a terminal (a file, or a redacting
// writer over one).
func terminal(w any) bool {
	f, ok := w.(interface{ Fd() uintptr })
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// color reports whether to color output written to w.
func (a *app) color(w io.Writer) bool {
	return !a.noColor && os.Getenv("NO_COLOR") == "" && terminal(w)
}

func (a *app) paint(w io.Writer, color, s string) string {
	if !a.color(w) {
		return s
	}
	return color + s + "\x1b[0m"
}
