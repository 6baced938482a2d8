package certs

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"
)

// acmeSource serves certificates through autocert. The Manager has
// checked the host already; autocert checks it again before an order
// (through autocertPolicy) and serves TLS-ALPN-01 challenge
// certificates for handshakes that offer only acme-tls/1.
type acmeSource struct{ m *autocert.Manager }

func (s acmeSource) certificate(hello *tls.ClientHelloInfo, _ string) (*tls.Certificate, error) {
	return s.m.GetCertificate(hello)
}

// ACMECacheDir returns where ModeACME keeps its account key and
// certificates under a data directory.
func ACMECacheDir(dataDir string) string { return filepath.Join(dataDir, "certs") }

func newAutocert(cfg Config, policy autocert.HostPolicy) (*autocert.Manager, error) {
	a := cfg.ACME
	dir := a.DirectoryURL
	if dir == "" {
		dir = autocert.DefaultACMEDirectory
	}
	if u, err := url.Parse(dir); err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("certs: ACME directory %q is not an https URL", dir)
	}
	if a.Email != "" {
		if addr, err := mail.ParseAddress(a.Email); err != nil || addr.Address != a.Email {
			return nil, fmt.Errorf("certs: ACME contact %q is not an email address", a.Email)
		}
	}
	client, err := acmeHTTPClient(a.RootCAFile)
	if err != nil {
		return nil, err
	}
	cache := ACMECacheDir(cfg.DataDir)
	if err := os.MkdirAll(cache, 0o700); err != nil {
		return nil, fmt.Errorf("certs: ACME certificate directory: %w", err)
	}
	return &autocert.Manager{
		Prompt:      autocert.AcceptTOS,
		Cache:       autocert.DirCache(cache), // files 0600, directory 0700
		HostPolicy:  policy,
		Email:       a.Email,
		RenewBefore: a.RenewBefore,
		Client: &acme.Client{
			DirectoryURL: dir,
			HTTPClient:   client,
			UserAgent:    "tenantctl-edge",
		},
	}, nil
}

// acmeHTTPClient is the client for the ACME server: the system's roots,
// plus those in rootCAFile when set.
func acmeHTTPClient(rootCAFile string) (*http.Client, error) {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if rootCAFile != "" {
		pem, err := os.ReadFile(rootCAFile)
		if err != nil {
			return nil, fmt.Errorf("certs: ACME root CA file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("certs: ACME root CA file %s holds no PEM certificate", rootCAFile)
		}
		transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: transport, Timeout: time.Minute}, nil
}
