package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/crypto/ssh"

	"github.com/tenantctl/tenantctl/provisioner/model"
	"github.com/tenantctl/tenantctl/provisioner/sshx"
	"github.com/tenantctl/tenantctl/provisioner/status"
	"github.com/tenantctl/tenantctl/provisioner/workspace"
)

// splitPartial separates an error that only says some hosts failed (the
// plan is good for the others: show and apply it, then exit non-zero)
// from one that stops the command.
func splitPartial(err error) (partial, fatal error) {
	if workspace.IsPartial(err) {
		return err, nil
	}
	return nil, err
}

// progressLine prints image-transfer progress: on stdout, or on stderr
// when stdout carries JSON events.
func (a *app) progressLine(o runOptions) func(string) {
	w := a.stdout
	if o.jsonEvents {
		w = a.stderr
	}
	return func(s string) { fmt.Fprintf(w, "%s %s\n", time.Now().Format("15:04:05"), s) }
}

// hostRow is one line of `tenantctl hosts`.
type hostRow struct {
	Name      string            `json:"name"`
	Address   string            `json:"address"`
	Reachable bool              `json:"reachable"`
	Error     string            `json:"error,omitempty"`
	Engine    string            `json:"engine,omitempty"`
	Tenants   int               `json:"tenants"`
	Capacity  int               `json:"capacity"`
	Labels    map[string]string `json:"labels,omitempty"`
	// Edge is the state of the project's edge proxy on the host, with an
	// edge block only.
	Edge string `json:"edge,omitempty"`
}

func (a *app) hostsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "hosts",
		Short: "Show each host: reachable, engine version, tenants placed / capacity",
		Long: `Hosts connects to every host in parallel and shows whether it answers, its
Docker engine version and how many tenants are placed on it out of its
capacity (- for no limit). It exits 1 when a host cannot be reached.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ws, err := a.load(true)
			if err != nil {
				return err
			}
			defer ws.Close()
			rows, err := hostRows(cmd, ws)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rows); err != nil {
					return err
				}
			} else {
				writeHosts(a, rows)
			}
			for _, r := range rows {
				if !r.Reachable {
					return &exitCode{code: exitError}
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the hosts as JSON")
	cmd.AddCommand(a.trustCmd())
	return cmd
}

// hostRows observes every host and counts its tenants.
func hostRows(cmd *cobra.Command, ws *workspace.Workspace) ([]hostRow, error) {
	observed, err := ws.Observe(cmd.Context())
	failed := map[string]error{}
	var he *workspace.HostsError
	switch {
	case errors.As(err, &he) && workspace.IsPartial(err):
		for _, h := range he.Hosts {
			failed[h.Host] = h.Err
		}
	case err != nil:
		return nil, err
	}
	engines, _ := ws.Engines()
	var rows []hostRow
	for _, h := range ws.Project.Hosts {
		r := hostRow{Name: h.Name, Address: hostAddress(h), Capacity: h.Capacity, Labels: h.Labels}
		tenants := map[string]bool{}
		for _, t := range ws.Project.Tenants {
			if t.Host == h.Name {
				tenants[t.Name] = true
			}
		}
		if obs, ok := observed[h.Name]; ok {
			r.Reachable = true
			for _, n := range obs.TenantNames() {
				tenants[n] = true
			}
			if ws.Project.Edge != nil && (len(tenants) > 0 || len(obs.Edge.Containers) > 0) {
				r.Edge = status.EdgeSummary(obs, ws.Project.Name)
			}
			if v, ok := engines[h.Name].(interface {
				ServerVersion(ctx context.Context) (string, error)
			}); ok {
				r.Engine, _ = v.ServerVersion(cmd.Context())
			}
		} else if e := failed[h.Name]; e != nil {
			r.Error = e.Error()
		}
		r.Tenants = len(tenants)
		rows = append(rows, r)
	}
	return rows, nil
}

// hostAddress is how a host is reached, for people.
func hostAddress(h model.Host) string {
	if h.SSH != nil {
		return fmt.Sprintf("ssh://%s@%s%s", h.SSH.User, h.SSH.Address, h.DockerSocket)
	}
	return h.Docker
}

func writeHosts(a *app, rows []hostRow) {
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tADDRESS\tREACHABLE\tENGINE\tTENANTS\tLABELS")
	for _, r := range rows {
		reach := "yes"
		if !r.Reachable {
			reach = "NO"
		}
		capacity := "-"
		if r.Capacity > 0 {
			capacity = fmt.Sprint(r.Capacity)
		}
		var labels []string
		for k, v := range r.Labels {
			labels = append(labels, k+"="+v)
		}
		sort.Strings(labels)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d/%s\t%s\n", r.Name, r.Address, reach, orDash(r.Engine), r.Tenants, capacity, orDash(strings.Join(labels, ",")))
	}
	tw.Flush()
	for _, r := range rows {
		if r.Edge != "" {
			fmt.Fprintf(a.stdout, "edge proxy on host %s: %s\n", r.Name, r.Edge)
		}
	}
	for _, r := range rows {
		if r.Error != "" {
			fmt.Fprintf(a.stdout, "\nhost %s is unreachable: %s\n", r.Name, r.Error)
		}
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func (a *app) trustCmd() *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "trust HOST",
		Short: "Show an SSH host's key fingerprint and add it to known_hosts after confirmation",
		Long: `Trust connects to the host's SSH server only far enough to learn its host
key, shows the key's fingerprint, and after you confirm (type yes, or give
--yes) appends it to the host's known_hosts_file. Compare the fingerprint
with the one the host's owner gives you (ssh-keygen -lf on the host's
/etc/ssh/ssh_host_*_key.pub) before you confirm. A host whose known key
differs is refused: remove the old entry first (ssh-keygen -R).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ws, err := workspace.Load(a.chdir, false)
			if err != nil {
				return err
			}
			h := ws.Project.Host(args[0])
			switch {
			case h == nil:
				return fmt.Errorf("tenantctl.hcl declares no host %q", args[0])
			case h.SSH == nil:
				return fmt.Errorf("host %s is not an SSH host: there is no host key to trust", h.Name)
			}
			timeout := h.SSH.ConnectTimeout
			if timeout == 0 {
				timeout = sshx.DefaultConnectTimeout
			}
			key, err := sshx.ScanHostKey(cmd.Context(), h.SSH.Address, timeout)
			if err != nil {
				return err
			}
			fp := ssh.FingerprintSHA256(key)
			fmt.Fprintf(a.stdout, "Host %s (%s) offers the %s key %s\n", h.Name, h.SSH.Address, key.Type(), fp)
			file := h.SSH.KnownHostsFile
			switch err := sshx.VerifyKnownHost(file, h.SSH.Address, key).(type) {
			case nil:
				fmt.Fprintf(a.stdout, "It is already trusted in %s.\n", file)
				return nil
			case *sshx.UnknownHostError:
			default:
				return err
			}
			if !yes {
				if !terminal(a.stdin) {
					return errors.New("trusting a host key needs confirmation and there is no terminal to ask on; compare the fingerprint, then run it with --yes")
				}
				fmt.Fprintf(a.stdout, "Add it to %s? Only 'yes' will be accepted: ", file)
				answer, _ := bufio.NewReader(a.stdin).ReadString('\n')
				if strings.TrimSpace(answer) != "yes" {
					return errors.New("trust cancelled: known_hosts is unchanged")
				}
			}
			if err := sshx.AddKnownHost(file, h.SSH.Address, key); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Added %s %s to %s.\n", key.Type(), fp, file)
			return nil
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, "trust without asking (after checking the fingerprint)")
	return cmd
}
