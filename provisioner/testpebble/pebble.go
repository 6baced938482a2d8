// Package testpebble runs Let's Encrypt's Pebble, a small real ACME
// server, for integration tests: Pebble itself and pebble-challtestsrv as
// its DNS server, both built at a pinned Version from the Go module proxy
// (see Build). Validation is real: Pebble's VA resolves each name through
// challtestsrv (every name answers Options.ResolveTo) and connects to
// Options.HTTPPort for HTTP-01 and Options.TLSPort for TLS-ALPN-01, where
// the server under test must answer. PEBBLE_VA_ALWAYS_VALID is never set;
// only Pebble's random validation delays are turned off.
//
// Pebble keeps everything in memory and makes a new issuing root at every
// start, so a test that restarts its ACME client keeps one Server running.
//
// It is test support, imported only by _test.go files. Callers skip under
// -short themselves; a missing prerequisite (the go command, the module
// proxy on the first run) is an error, not a skip.
package testpebble

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Options say where Pebble validates and what it issues.
type Options struct {
	// HTTPPort and TLSPort are the ports Pebble's VA connects to for
	// HTTP-01 and TLS-ALPN-01 (at the address a name resolves to). The
	// server under test listens there. Both are required; a port nothing
	// listens on makes that challenge type fail.
	HTTPPort, TLSPort int
	// ListenHost is the address Pebble's ACME and management listeners
	// bind to; 127.0.0.1 when empty.
	ListenHost string
	// ResolveTo is the IPv4 address challtestsrv answers for every name
	// (A queries; AAAA queries get no answer); 127.0.0.1 when empty.
	ResolveTo string
	// ValidityPeriod is the lifetime of issued certificates; Pebble's
	// 90 days when zero. Short ones let a test watch a renewal.
	ValidityPeriod time.Duration
}

// Server is a running Pebble with its DNS server.
type Server struct {
	// DirectoryURL is the ACME directory (https://host:port/dir).
	DirectoryURL string
	// ManagementURL is the base of Pebble's management interface, which
	// serves the issuing root at /roots/0.
	ManagementURL string
	// CAFile is a PEM file with the CA of Pebble's own HTTPS listeners:
	// what an ACME client must trust to talk to DirectoryURL.
	CAFile string
	// DNSAddr is challtestsrv's DNS address (UDP and TCP).
	DNSAddr string
	// Dir holds the configuration and certificates; Stop removes it.
	Dir string

	opts   Options
	log    *syncBuffer
	procs  []*process
	client *http.Client
}

// New starts a Server for t and stops it when t ends; it fails t if
// Pebble cannot start, and logs Pebble's output if t failed.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	s, err := Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("pebble and challtestsrv output:\n%s", s.Log())
		}
		if err := s.Stop(); err != nil {
			t.Errorf("testpebble: stop: %v", err)
		}
	})
	return s
}

// Start builds (once, see Build) and starts challtestsrv and Pebble on
// free ports and waits until the ACME directory answers. On error
// nothing is left running.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.HTTPPort <= 0 || opts.TLSPort <= 0 {
		return nil, errors.New("testpebble: Options.HTTPPort and Options.TLSPort are required")
	}
	if opts.ListenHost == "" {
		opts.ListenHost = "127.0.0.1"
	}
	if opts.ResolveTo == "" {
		opts.ResolveTo = "127.0.0.1"
	}
	bins, err := Build(ctx)
	if err != nil {
		return nil, err
	}
	// Free ports are found by binding and closing, so another process can
	// take one before Pebble binds it: try again with new ones.
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		s, err := start(ctx, bins, opts)
		if err == nil {
			return s, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

func start(ctx context.Context, bins Binaries, opts Options) (s *Server, err error) {
	dir, err := os.MkdirTemp("", "testpebble-")
	if err != nil {
		return nil, err
	}
	s = &Server{Dir: dir, opts: opts, log: &syncBuffer{}}
	defer func() {
		if err != nil {
			err = fmt.Errorf("%w\n%s", err, s.Log())
			s.Stop()
		}
	}()
	caFile, certFile, keyFile, err := writeListenerCerts(dir, opts.ListenHost)
	if err != nil {
		return s, err
	}
	s.CAFile = caFile
	if s.client, err = clientTrusting(caFile); err != nil {
		return s, err
	}
	ports, err := freePorts(opts.ListenHost, 4)
	if err != nil {
		return s, err
	}
	acmeAddr, mgmtAddr := net.JoinHostPort(opts.ListenHost, ports[0]), net.JoinHostPort(opts.ListenHost, ports[1])
	s.DNSAddr = net.JoinHostPort("127.0.0.1", ports[2])
	s.DirectoryURL, s.ManagementURL = "https://"+acmeAddr+"/dir", "https://"+mgmtAddr

	chall := exec.Command(bins.ChallTestSrv,
		"-dnsserver", s.DNSAddr, "-management", net.JoinHostPort("127.0.0.1", ports[3]),
		"-defaultIPv4", opts.ResolveTo, "-defaultIPv6=",
		"-http01=", "-https01=", "-doh=", "-tlsalpn01=")
	if err := s.run("challtestsrv", chall); err != nil {
		return s, err
	}
	if err := s.waitFor(ctx, "challtestsrv's DNS server", func() bool {
		c, err := net.DialTimeout("tcp", s.DNSAddr, time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	}); err != nil {
		return s, err
	}

	cfgFile := filepath.Join(dir, "pebble-config.json")
	if err := writeConfig(cfgFile, opts, acmeAddr, mgmtAddr, certFile, keyFile); err != nil {
		return s, err
	}
	pebble := exec.Command(bins.Pebble, "-config", cfgFile, "-dnsserver", s.DNSAddr)
	pebble.Env = append(withoutEnv(os.Environ(), "PEBBLE_VA_ALWAYS_VALID"), "PEBBLE_VA_NOSLEEP=1")
	if err := s.run("pebble", pebble); err != nil {
		return s, err
	}
	err = s.waitFor(ctx, "Pebble's ACME directory", func() bool {
		res, err := s.client.Get(s.DirectoryURL)
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
	return s, err
}

// writeConfig writes Pebble's JSON configuration (the shape of its
// test/config/pebble-config.json).
func writeConfig(path string, opts Options, acmeAddr, mgmtAddr, certFile, keyFile string) error {
	validity := int64(opts.ValidityPeriod / time.Second)
	if validity <= 0 {
		validity = 90 * 24 * 3600
	}
	cfg := map[string]any{"pebble": map[string]any{
		"listenAddress":                  acmeAddr,
		"managementListenAddress":        mgmtAddr,
		"certificate":                    certFile,
		"privateKey":                     keyFile,
		"httpPort":                       opts.HTTPPort,
		"tlsPort":                        opts.TLSPort,
		"ocspResponderURL":               "",
		"externalAccountBindingRequired": false,
		"retryAfter":                     map[string]int{"authz": 1, "order": 1},
		"keyAlgorithm":                   "ecdsa",
		"profiles": map[string]any{
			"default": map[string]any{"description": "testpebble", "validityPeriod": validity},
		},
	}}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// RootPEM returns the PEM of Pebble's issuing root (management /roots/0):
// what a client of the server under test trusts.
func (s *Server) RootPEM(ctx context.Context) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.ManagementURL+"/roots/0", nil)
	if err != nil {
		return nil, err
	}
	res, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("testpebble: fetch root: %w", err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("testpebble: fetch root: %s %v", res.Status, err)
	}
	return b, nil
}

// RootPool returns a pool holding only Pebble's issuing root.
func (s *Server) RootPool(ctx context.Context) (*x509.CertPool, error) {
	b, err := s.RootPEM(ctx)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, errors.New("testpebble: /roots/0 holds no certificate")
	}
	return pool, nil
}

// Orders counts the orders Pebble has accepted since it started (its
// "Added order" log lines): an ACME client that serves from its cache
// adds none.
func (s *Server) Orders() int {
	return strings.Count(s.log.String(), "Added order \"")
}

// Log returns what Pebble and challtestsrv printed so far.
func (s *Server) Log() string { return s.log.String() }

// Stop stops both programs and removes Dir.
func (s *Server) Stop() error {
	var errs []error
	for i := len(s.procs) - 1; i >= 0; i-- {
		errs = append(errs, s.procs[i].stop())
	}
	s.procs = nil
	errs = append(errs, os.RemoveAll(s.Dir))
	return errors.Join(errs...)
}

func clientTrusting(caFile string) (*http.Client, error) {
	b, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(b)
	return &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
	}, nil
}

func freePorts(host string, n int) ([]string, error) {
	var ports []string
	var lns []net.Listener
	defer func() {
		for _, l := range lns {
			l.Close()
		}
	}()
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return nil, fmt.Errorf("testpebble: free port on %s: %w", host, err)
		}
		lns = append(lns, l)
		ports = append(ports, strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
	}
	return ports, nil
}

func withoutEnv(env []string, name string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// syncBuffer collects both programs' output for Orders and Log.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
