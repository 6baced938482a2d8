package edgecmd

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/tenantctl/tenantctl/provisioner/edge"
)

// serveOptions are the flags of `serve`.
type serveOptions struct {
	data            string
	socket          string
	http            string
	https           string
	tls             tlsOptions
	redirectPort    int
	hsts            time.Duration
	retryAfter      time.Duration
	shutdownTimeout time.Duration
}

// serveCommand is `tenantctl-edge serve`.
func serveCommand(version string) *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the proxy",
		Long: `Run the proxy: route HTTP (and HTTPS) requests by Host to each tenant's backend,
with the routes kept in DATA/routes.json and the admin API on DATA/admin.sock.
Stops gracefully on SIGTERM.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd, version, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.data, "data", DefaultDataDir, "data `directory`: routes, certificates, admin socket")
	f.StringVar(&o.socket, "socket", "", "admin socket `path` (default DATA/admin.sock)")
	f.StringVar(&o.http, "http", ":8080", "plain HTTP listen `address`; empty for none")
	f.StringVar(&o.https, "https", ":8443", "HTTPS listen `address`, with --tls")
	addTLSFlags(cmd, &o.tls)
	f.IntVar(&o.redirectPort, "redirect-port", 443, "public HTTPS `port` written in HTTP to HTTPS redirects")
	f.DurationVar(&o.hsts, "hsts", 0, "Strict-Transport-Security max-age on HTTPS answers; 0 for none")
	f.DurationVar(&o.retryAfter, "retry-after", edge.DefaultRetryAfter, "Retry-After of 503 answers")
	f.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 8*time.Second, "on SIGTERM, how long requests in progress may finish")
	return cmd
}

// runServe runs the proxy until the command's context ends.
func runServe(cmd *cobra.Command, version string, o serveOptions) error {
	if o.redirectPort < 0 || o.redirectPort > 65535 {
		return usagef("--redirect-port %d: give a port from 1 to 65535", o.redirectPort)
	}
	log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
	certsCfg, err := certsConfig(cmd, o.tls, o.data, log)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.data, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	rt, err := edge.OpenRouter(edge.Options{DataDir: o.data, RetryAfter: o.retryAfter, Logger: log})
	if err != nil {
		return err
	}
	tlsSetup, err := loadTLS(certsCfg, rt.HostPolicy)
	if err != nil {
		return err
	}
	https := ""
	if tlsSetup.config != nil {
		https = o.https
	}
	srv, err := edge.NewServer(edge.Config{
		DataDir:       o.data,
		Router:        rt,
		AdminSocket:   o.socket,
		HTTPAddr:      o.http,
		HTTPSAddr:     https,
		TLS:           tlsSetup.config,
		ACMEChallenge: tlsSetup.acme,
		RedirectPort:  o.redirectPort,
		HSTSMaxAge:    o.hsts,
		RetryAfter:    o.retryAfter,
		Version:       version,
		Logger:        log,
	})
	if err != nil {
		return err
	}
	if tlsSetup.caFile != "" {
		log.Info("local CA", "certificate", tlsSetup.caFile)
	}
	log.Info("tenantctl-edge starting", "version", version, "data", o.data)
	return srv.Run(cmd.Context(), o.shutdownTimeout)
}
