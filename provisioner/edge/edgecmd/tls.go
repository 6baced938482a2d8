package edgecmd

import (
	"crypto/tls"
	"fmt"
	"net/http"
)

// tlsSetup is what serve passes to the server for HTTPS.
type tlsSetup struct {
	// config is nil when HTTPS is off.
	config *tls.Config
	// acme answers ACME HTTP-01 challenges; nil for none.
	acme http.Handler
}

// loadTLS builds the HTTPS side from the flags. This is where the certs
// package (ACME, per-project CA) plugs in: it returns a *tls.Config with
// GetCertificate and its HTTP-01 handler. Until then, a certificate and
// key from files (a wildcard, say) serve every host.
func loadTLS(o serveOptions) (tlsSetup, error) {
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return tlsSetup{}, usagef("give both --tls-cert and --tls-key, or neither")
	}
	if o.tlsCert == "" {
		if o.https != "" {
			return tlsSetup{}, usagef("--https needs certificates: give --tls-cert and --tls-key")
		}
		return tlsSetup{}, nil
	}
	if o.https == "" {
		return tlsSetup{}, usagef("--tls-cert without --https: give the HTTPS listen address, such as --https :8443")
	}
	pair, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
	if err != nil {
		return tlsSetup{}, fmt.Errorf("loading the certificate %s: %w", o.tlsCert, err)
	}
	cfg := &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return &pair, nil
		},
	}
	return tlsSetup{config: cfg}, nil
}
