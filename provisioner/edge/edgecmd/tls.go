package edgecmd

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/spf13/cobra"

	"github.com/tenantctl/tenantctl/provisioner/edge/certs"
)

// tlsOptions are serve's HTTPS flags.
type tlsOptions struct {
	mode          string
	certFiles     []string
	keyFiles      []string
	acmeDirectory string
	acmeEmail     string
	acmeCAFile    string
	localCAName   string
	localCADomain []string
}

// addTLSFlags declares the HTTPS flags on cmd.
func addTLSFlags(cmd *cobra.Command, o *tlsOptions) {
	f := cmd.Flags()
	f.StringVar(&o.mode, "tls", "", "where certificates come from: acme, files or local-ca; empty for no HTTPS")
	f.StringArrayVar(&o.certFiles, "tls-cert", nil, "certificate `file` (PEM chain), with --tls files; repeat with --tls-key for each pair")
	f.StringArrayVar(&o.keyFiles, "tls-key", nil, "private key `file` (PEM) of the --tls-cert at the same position")
	f.StringVar(&o.acmeDirectory, "acme-directory", "", "ACME directory `URL` (default Let's Encrypt), with --tls acme")
	f.StringVar(&o.acmeEmail, "acme-email", "", "contact `address` of the ACME account")
	f.StringVar(&o.acmeCAFile, "acme-ca-file", "", "extra CA certificates `file` trusted for the ACME server's own TLS")
	f.StringVar(&o.localCAName, "local-ca-name", "tenantctl", "`name` in the local CA's subject (the project), with --tls local-ca")
	f.StringArrayVar(&o.localCADomain, "local-ca-domain", nil, "`domain` the local CA is limited to (repeat); fixed when the CA is made")
}

// tlsSetup is what serve passes to the server for HTTPS.
type tlsSetup struct {
	// config is nil when HTTPS is off.
	config *tls.Config
	// acme answers ACME HTTP-01 challenges; nil for none.
	acme http.Handler
	// caFile is the local CA's certificate (local-ca mode), for the log.
	caFile string
}

// certsConfig checks the HTTPS flags and returns the certs configuration
// they ask for, without its host policy; nil when HTTPS is off.
func certsConfig(cmd *cobra.Command, o tlsOptions, dataDir string, log *slog.Logger) (*certs.Config, error) {
	f := cmd.Flags()
	if o.mode == "" {
		for _, name := range []string{"https", "tls-cert", "tls-key", "acme-directory", "acme-email", "acme-ca-file", "local-ca-name", "local-ca-domain"} {
			if f.Changed(name) {
				return nil, usagef("--%s needs --tls acme, files or local-ca", name)
			}
		}
		return nil, nil
	}
	mode, err := certs.ParseMode(o.mode)
	if err != nil {
		return nil, usageError{err}
	}
	cfg := &certs.Config{
		Mode:    mode,
		DataDir: dataDir,
		Logf: func(format string, args ...any) {
			log.Warn(fmt.Sprintf(format, args...), "component", "certs")
		},
	}
	switch mode {
	case certs.ModeFiles:
		if len(o.certFiles) == 0 || len(o.certFiles) != len(o.keyFiles) {
			return nil, usagef("--tls files wants --tls-cert and --tls-key in pairs (got %d certificates, %d keys)", len(o.certFiles), len(o.keyFiles))
		}
		for i := range o.certFiles {
			cfg.Files.Pairs = append(cfg.Files.Pairs, certs.KeyPair{CertFile: o.certFiles[i], KeyFile: o.keyFiles[i]})
		}
	case certs.ModeACME:
		cfg.ACME = certs.ACMEConfig{DirectoryURL: o.acmeDirectory, Email: o.acmeEmail, RootCAFile: o.acmeCAFile}
	case certs.ModeLocalCA:
		cfg.LocalCA = certs.LocalCAConfig{Name: o.localCAName, PermittedDomains: o.localCADomain}
	}
	return cfg, nil
}

// loadTLS makes the certificate source of cfg (nil: HTTPS off), issuing
// certificates only for the hosts policy allows: the route table's.
func loadTLS(cfg *certs.Config, policy certs.HostPolicy) (tlsSetup, error) {
	if cfg == nil {
		return tlsSetup{}, nil
	}
	cfg.HostPolicy = policy
	m, err := certs.New(*cfg)
	if err != nil {
		return tlsSetup{}, err
	}
	return tlsSetup{config: m.TLSConfig(), acme: m.HTTPHandler(nil), caFile: m.CACertFile()}, nil
}
