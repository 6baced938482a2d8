package certs

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"
	"golang.org/x/net/idna"
)

// ErrNoCertificate is returned (wrapped) for a host that no certificate
// file covers in ModeFiles.
var ErrNoCertificate = errors.New("no certificate for this host")

// Manager hands out certificates for a TLS server; see the package
// documentation. It is safe for concurrent use.
type Manager struct {
	mode   Mode
	policy HostPolicy
	source source
	acme   *autocert.Manager // ModeACME only
	files  *filesSource      // ModeFiles only
	ca     *localCA          // ModeLocalCA only
}

// source is one mode's way to find the certificate of a host that the
// Manager has already checked against its policy.
type source interface {
	certificate(hello *tls.ClientHelloInfo, host string) (*tls.Certificate, error)
}

// New makes a Manager. ModeFiles reads its files and ModeLocalCA loads or
// makes its CA now, so a wrong path or a key that does not match its
// certificate is reported here, not at the first handshake. ModeACME
// talks to the CA only when a known host first needs a certificate.
func New(cfg Config) (*Manager, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	logf := cfg.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	m := &Manager{mode: cfg.Mode, policy: cfg.HostPolicy}
	var err error
	switch cfg.Mode {
	case ModeACME:
		m.acme, err = newAutocert(cfg, m.autocertPolicy)
		m.source = acmeSource{m.acme}
	case ModeFiles:
		m.files, err = newFiles(cfg.Files, logf)
		m.source = m.files
	case ModeLocalCA:
		m.ca, err = openLocalCA(cfg.DataDir, cfg.LocalCA, logf)
		m.source = m.ca
	}
	if err != nil {
		return nil, err
	}
	return m, nil
}

// Mode returns the Manager's mode.
func (m *Manager) Mode() Mode { return m.mode }

// TLSConfig returns a server configuration that takes its certificates
// from the Manager, offers HTTP/2 and HTTP/1.1, and in ModeACME answers
// TLS-ALPN-01 challenges (ALPN protocol acme-tls/1). Each call returns a
// new value the caller may adjust.
func (m *Manager) TLSConfig() *tls.Config {
	protos := []string{"h2", "http/1.1"}
	if m.mode == ModeACME {
		protos = append(protos, acme.ALPNProto)
	}
	return &tls.Config{
		GetCertificate: m.GetCertificate,
		NextProtos:     protos,
		MinVersion:     tls.VersionTLS12,
	}
}

// GetCertificate is the tls.Config hook: the certificate for the
// requested server name if the HostPolicy allows that name, else an
// error, which fails the handshake. In ModeACME it may order the
// certificate first, which takes seconds.
func (m *Manager) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	if hello.ServerName == "" {
		return nil, errors.New("certs: the client sent no server name (SNI); connect by host name, not by address")
	}
	host, err := canonicalHost(hello.ServerName)
	if err != nil {
		return nil, err
	}
	if err := m.allowed(hello.Context(), host); err != nil {
		return nil, fmt.Errorf("certs: no certificate for %s: %w", host, err)
	}
	return m.source.certificate(hello, host)
}

// HTTPHandler returns the handler for the plain-HTTP port: in ModeACME it
// answers HTTP-01 challenges under /.well-known/acme-challenge/ for known
// hosts (and from then on lets the Manager use HTTP-01 when TLS-ALPN-01
// fails); every other request goes to fallback (a 404 when nil), and
// so does everything in the other modes.
func (m *Manager) HTTPHandler(fallback http.Handler) http.Handler {
	if fallback == nil {
		fallback = http.NotFoundHandler()
	}
	if m.acme == nil {
		return fallback
	}
	challenges := m.acme.HTTPHandler(fallback)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/.well-known/acme-challenge/") {
			host, err := canonicalHost(r.Host)
			if err == nil {
				err = m.allowed(r.Context(), host)
			}
			if err != nil {
				http.NotFound(w, r)
				return
			}
		}
		challenges.ServeHTTP(w, r)
	})
}

// Reload re-reads the certificate files now (ModeFiles); a pair that
// fails to load keeps serving its previous certificate and is named in
// the error. The other modes have nothing to reload.
func (m *Manager) Reload() error {
	if m.files == nil {
		return nil
	}
	return m.files.reload()
}

// CACertFile returns the path of the local CA's certificate
// (ModeLocalCA), "" in the other modes.
func (m *Manager) CACertFile() string {
	if m.ca == nil {
		return ""
	}
	return m.ca.certFile()
}

// CACertPEM returns the local CA's certificate in PEM (ModeLocalCA), nil
// in the other modes.
func (m *Manager) CACertPEM() []byte {
	if m.ca == nil {
		return nil
	}
	return append([]byte(nil), m.ca.certPEM...)
}

func (m *Manager) allowed(ctx context.Context, host string) error {
	if m.policy == nil {
		return nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	return m.policy(ctx, host)
}

// errUnknownHost is what autocert may show an HTTP client (it writes a
// refusal's text into its response): the policy's own error stays out.
var errUnknownHost = errors.New("certs: host not served here")

// autocertPolicy adapts the HostPolicy for autocert, which passes the
// Host header of HTTP-01 requests with its port.
func (m *Manager) autocertPolicy(ctx context.Context, host string) error {
	h, err := canonicalHost(host)
	if err != nil || m.allowed(ctx, h) != nil {
		return errUnknownHost
	}
	return nil
}

var dnsName = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// canonicalHost turns a server name or Host header into the form
// policies and caches use: port and trailing dot dropped, lower case,
// international names in their ASCII (punycode) form. Anything but a
// DNS name of two labels or more is refused; that keeps IP addresses,
// wildcards and path characters out of file names and CA requests.
func canonicalHost(s string) (string, error) {
	if h, _, err := net.SplitHostPort(s); err == nil {
		s = h
	}
	s = strings.TrimSuffix(s, ".")
	if net.ParseIP(s) != nil {
		return "", fmt.Errorf("certs: %q is an IP address; certificates are for host names", s)
	}
	ascii, err := idna.Lookup.ToASCII(s)
	if err != nil || len(ascii) > 253 || !dnsName.MatchString(ascii) {
		return "", fmt.Errorf("certs: %q is not a valid host name", s)
	}
	return ascii, nil
}
