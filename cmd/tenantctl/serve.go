package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenantctl/tenantctl/provisioner/web"
	"github.com/tenantctl/tenantctl/provisioner/workspace"
)

// minTokenLen is the shortest token --token-file may hold.
const minTokenLen = 16

func (a *app) serveCmd() *cobra.Command {
	var (
		listen, tokenFile string
		refresh, session  time.Duration
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve a read-only web dashboard of the tenants' status",
		Long: `Serve answers on --listen (loopback by default) with a page listing every
tenant and its state, a page per tenant, the same data as JSON
(/api/tenants, /api/tenants/NAME, the schema of status --json), Prometheus
metrics (/metrics) and /healthz. It can change nothing: every path answers
GET and HEAD only. It never shows secrets or environment values.

On any address other than loopback, --token-file is required: programs
then send "Authorization: Bearer TOKEN"; people log in with the form at
/login, which sets a session cookie that lasts --session-max-age and that
logging out revokes. Sessions end when serve stops.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			token, err := readToken(tokenFile)
			if err != nil {
				return err
			}
			loopback, err := loopbackAddr(listen)
			if err != nil {
				return err
			}
			if session < time.Second {
				return fmt.Errorf("--session-max-age %s is too short: give at least 1s (for example 12h)", session)
			}
			if !loopback && token == "" {
				return fmt.Errorf("--listen %s is reachable from other machines: give a token with --token-file, or listen on 127.0.0.1", listen)
			}
			src, err := workspace.NewSource(a.chdir)
			if err != nil {
				return err
			}
			defer src.Close()
			h, err := web.New(src, web.Options{Refresh: refresh, Token: token, LoopbackOnly: token == "", SessionMaxAge: session})
			if err != nil {
				return err
			}
			return a.serve(cmd.Context(), listen, h)
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().StringVar(&tokenFile, "token-file", "", "file holding the token required to read the dashboard (needed off loopback)")
	cmd.Flags().DurationVar(&refresh, "refresh", 5*time.Second, "how often pages reload themselves (0: never)")
	cmd.Flags().DurationVar(&session, "session-max-age", web.DefaultSessionMaxAge, "how long a login to the dashboard lasts")
	return cmd
}

// serve runs the server until ctx ends, then shuts it down gracefully.
func (a *app) serve(ctx context.Context, listen string, h http.Handler) error {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	fmt.Fprintf(a.stdout, "Serving the dashboard on http://%s/ (read-only; Ctrl-C to stop)\n", ln.Addr())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// readToken reads --token-file; "" without one.
func readToken(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("token file: %w", err)
	}
	token := strings.TrimSpace(string(b))
	if len(token) < minTokenLen || strings.ContainsAny(token, " \t\r\n") {
		return "", fmt.Errorf("token file %s must hold one token of at least %d characters without spaces (for example: openssl rand -hex 24 > %s)", path, minTokenLen, path)
	}
	return token, nil
}

// loopbackAddr reports whether a listen address is reachable from this
// machine only.
func loopbackAddr(listen string) (bool, error) {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false, fmt.Errorf("--listen %s: %w", listen, err)
	}
	if host == "localhost" {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}
