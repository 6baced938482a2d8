package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenantctl/tenantctl/provisioner/smoke"
)

func (a *app) smokeCmd() *cobra.Command {
	var (
		opts    smoke.Options
		vars    []string
		junit   string
		jsonOut bool
	)
	cmd := &cobra.Command{
		Use:   "smoke",
		Short: "Smoke-test a fresh ephemeral tenant of a template, then remove it",
		Long: `Smoke creates an ephemeral tenant with a unique name (<prefix>-<6 hex>),
applies it, waits until it is healthy, runs the template's check blocks and
destroys everything it made, volumes included — also when a check fails,
provisioning fails, the time runs out, or on SIGINT/SIGTERM.

--template defaults to the project's only template. --timeout bounds
provisioning and checks; clean-up runs after it (bounded on its own).

Exit codes: 0 all checks passed; 1 a check failed (or another error, such as
clean-up leaving something behind); 4 the tenant could not be provisioned;
5 --timeout ran out; 130 interrupted.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Dir = a.chdir
			opts.Vars = map[string]string{}
			for _, kv := range vars {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || k == "" {
					return fmt.Errorf("--var %q: write NAME=VALUE", kv)
				}
				opts.Vars[k] = v
			}
			// With --json, stdout carries only the report.
			opts.Log = a.stdout
			if jsonOut {
				opts.Log = a.stderr
			}
			rep, err := smoke.Run(cmd.Context(), opts)
			if err != nil {
				return err
			}
			if junit != "" {
				if err := writeReport(junit, rep, smoke.WriteJUnit); err != nil {
					return err
				}
			}
			if jsonOut {
				if err := smoke.WriteJSON(a.stdout, rep); err != nil {
					return err
				}
			}
			return &exitCode{code: smokeExit(rep.Outcome)}
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Template, "template", "", "template to test (default: the project's only template)")
	f.StringArrayVar(&vars, "var", nil, "template variable NAME=VALUE (repeatable)")
	f.StringVar(&opts.Prefix, "name-prefix", smoke.DefaultPrefix, "start of the tenant name, <prefix>-<6 hex>")
	f.StringVar(&junit, "junit", "", "write a JUnit XML report to this file (relative to the current directory)")
	f.BoolVar(&jsonOut, "json", false, "print the report as JSON on stdout (progress goes to stderr)")
	f.DurationVar(&opts.Timeout, "timeout", smoke.DefaultTimeout, "bound on provisioning and checks")
	f.DurationVar(&opts.CleanupTimeout, "cleanup-timeout", smoke.DefaultCleanupTimeout, "bound on the clean-up")
	f.BoolVar(&opts.KeepOnFailure, "keep-on-failure", false, "keep the tenant when something fails, and print the command that removes it")
	return cmd
}

// smokeExit maps a smoke outcome to the documented exit codes.
func smokeExit(o smoke.Outcome) int {
	switch o {
	case smoke.Passed:
		return exitOK
	case smoke.ProvisionFailed:
		return exitProvision
	case smoke.TimedOut:
		return exitTimeout
	case smoke.Interrupted:
		return exitInterrupted
	}
	return exitError // a check failed, or clean-up left something behind
}

// writeReport writes a report to path through a temporary file, so a
// reader never sees half a file.
func writeReport(path string, rep *smoke.Report, write func(io.Writer, *smoke.Report) error) error {
	var b bytes.Buffer
	if err := write(&b, rep); err != nil {
		return err
	}
	tmp := fmt.Sprintf("%s.tmp-%d", path, time.Now().UnixNano())
	if err := os.WriteFile(tmp, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing the report: %w", err)
	}
	return nil
}
