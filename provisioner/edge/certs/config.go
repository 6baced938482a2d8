package certs

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Mode says where certificates come from.
type Mode string

// The modes; see the package documentation.
const (
	ModeACME    Mode = "acme"
	ModeFiles   Mode = "files"
	ModeLocalCA Mode = "local-ca"
)

// ParseMode returns the Mode named s (acme, files or local-ca).
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case ModeACME, ModeFiles, ModeLocalCA:
		return m, nil
	}
	return "", fmt.Errorf("certs: unknown TLS mode %q: use %q, %q or %q", s, ModeACME, ModeFiles, ModeLocalCA)
}

// HostPolicy reports whether host (lower case, no port, no trailing dot)
// may have a certificate: nil for a host the proxy routes, an error for
// any other. It is called on every handshake, so it should be a lookup.
type HostPolicy func(ctx context.Context, host string) error

// Config makes a Manager.
type Config struct {
	// Mode is required.
	Mode Mode
	// DataDir is the proxy's data directory (its volume). ModeACME keeps
	// its account and certificates in DataDir/certs, ModeLocalCA its CA
	// and certificates in DataDir/local-ca. Required for those two.
	DataDir string
	// HostPolicy decides which names get a certificate. Required for
	// ModeACME and ModeLocalCA; in ModeFiles, when nil, any name a file's
	// certificate covers is served.
	HostPolicy HostPolicy
	// ACME configures ModeACME.
	ACME ACMEConfig
	// Files configures ModeFiles.
	Files FilesConfig
	// LocalCA configures ModeLocalCA.
	LocalCA LocalCAConfig
	// Logf, when set, is told what the handshake cannot report: a
	// certificate file that failed to reload, a certificate that could
	// not be written to disk.
	Logf func(format string, args ...any)
}

// ACMEConfig configures ModeACME.
type ACMEConfig struct {
	// DirectoryURL is the CA's ACME directory; Let's Encrypt's production
	// directory when empty. It must be https.
	DirectoryURL string
	// Email is the account's contact address (optional): the CA writes
	// to it about problems with the certificates.
	Email string
	// RootCAFile is an optional PEM file of CA certificates trusted, in
	// addition to the system's, for the TLS connection to the ACME server
	// itself (a private CA, or Pebble in tests).
	RootCAFile string
	// RenewBefore is how long before expiry a certificate is renewed;
	// autocert's default (a third of its lifetime, at most 30 days)
	// when zero.
	RenewBefore time.Duration
}

// FilesConfig configures ModeFiles.
type FilesConfig struct {
	// Pairs are the certificates with their keys. For a name, a
	// certificate naming it exactly wins over a wildcard that covers it.
	Pairs []KeyPair
	// CheckInterval is how often, at most, a handshake re-reads the
	// files to see whether they changed; 5 seconds when zero.
	CheckInterval time.Duration
}

// KeyPair names a PEM certificate (chain) file and its key file.
type KeyPair struct {
	CertFile, KeyFile string
}

// LocalCAConfig configures ModeLocalCA.
type LocalCAConfig struct {
	// Name goes into the CA's subject (the project's name), so a trust
	// store shows whose CA it is.
	Name string
	// PermittedDomains, when set, limits the CA to these domains and
	// their subdomains (an X.509 name constraint), so trusting it cannot
	// let it vouch for any other site. It is fixed when the CA is made.
	PermittedDomains []string
}

func (c *Config) validate() error {
	switch c.Mode {
	case ModeACME, ModeLocalCA:
		if c.DataDir == "" {
			return fmt.Errorf("certs: mode %s needs the proxy's data directory (Config.DataDir)", c.Mode)
		}
		if c.HostPolicy == nil {
			return fmt.Errorf("certs: mode %s needs a host policy (Config.HostPolicy), so that only routed hosts get certificates", c.Mode)
		}
	case ModeFiles:
		if len(c.Files.Pairs) == 0 {
			return errors.New("certs: mode files needs at least one certificate and key file (Config.Files.Pairs)")
		}
		for _, p := range c.Files.Pairs {
			if p.CertFile == "" || p.KeyFile == "" {
				return errors.New("certs: mode files needs both a certificate file and a key file in every pair")
			}
		}
	case "":
		return errors.New("certs: no TLS mode set: use acme, files or local-ca")
	default:
		_, err := ParseMode(string(c.Mode))
		return err
	}
	return nil
}
