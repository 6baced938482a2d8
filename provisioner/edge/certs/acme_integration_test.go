package certs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/testpebble"
	"golang.org/x/crypto/acme"
)

// The ACME tests run the Manager against a real Pebble with real
// validation: Pebble resolves acme.tenants.test through challtestsrv to
// 127.0.0.1 and connects to the test's own servers there.

const acmeHost = "acme.tenants.test"

func TestIntegrationACMETLSALPN01IssuesOnlyForKnownHostsAndSurvivesRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Pebble")
	}
	t.Parallel()
	ctx := context.Background()
	tlsLn := listen(t)
	// Nothing answers HTTP-01, and the Manager never enables it here:
	// the certificate can only come through TLS-ALPN-01 on tlsLn.
	peb := testpebble.New(t, testpebble.Options{HTTPPort: closedPort(t), TLSPort: port(tlsLn)})
	roots, err := peb.RootPool(ctx)
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	m := newPebbleManager(t, peb, data, 0)
	stop, alpnChallenges := serveTLS(t, tlsLn, m)

	if _, err := fetch(tlsLn.Addr().String(), "unknown.tenants.test", roots); err == nil {
		t.Fatal("an unknown host got a certificate")
	}
	if n := peb.Orders(); n != 0 {
		t.Fatalf("a handshake for an unknown host made %d orders, want none", n)
	}

	first, err := fetch(tlsLn.Addr().String(), acmeHost, roots)
	if err != nil {
		t.Fatalf("known host: %v", err)
	}
	if n := peb.Orders(); n != 1 {
		t.Errorf("first request made %d orders, want 1", n)
	}
	if n := alpnChallenges.Load(); n == 0 {
		t.Error("no TLS-ALPN-01 challenge handshake was answered")
	}
	checkCacheFiles(t, data)

	// Restart: a new Manager on the same data directory serves the cached
	// certificate, without an order (a new one could not even validate:
	// Pebble's TLS port is the old server's).
	stop()
	m2 := newPebbleManager(t, peb, data, 0)
	ln2 := listen(t)
	serveTLS(t, ln2, m2)
	again, err := fetch(ln2.Addr().String(), acmeHost, roots)
	if err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if again.SerialNumber.Cmp(first.SerialNumber) != 0 {
		t.Errorf("after restart served serial %s, want the cached %s", again.SerialNumber, first.SerialNumber)
	}
	if _, err := fetch(ln2.Addr().String(), "unknown.tenants.test", roots); err == nil {
		t.Error("after restart an unknown host got a certificate")
	}
	if n := peb.Orders(); n != 1 {
		t.Errorf("after restart Pebble has %d orders, want still 1", n)
	}

	// A host taken out of the routes loses its certificate at once,
	// though autocert still has it cached.
	m3, err := New(Config{Mode: ModeACME, DataDir: data, HostPolicy: knownHosts("other.tenants.test"),
		ACME: ACMEConfig{DirectoryURL: peb.DirectoryURL, RootCAFile: peb.CAFile}})
	if err != nil {
		t.Fatal(err)
	}
	ln3 := listen(t)
	serveTLS(t, ln3, m3)
	if _, err := fetch(ln3.Addr().String(), acmeHost, roots); err == nil {
		t.Error("a host no longer routed still got its cached certificate")
	}
}

func TestIntegrationACMEHTTP01WhenTLSALPNCannotReachTheProxy(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Pebble")
	}
	t.Parallel()
	ctx := context.Background()
	tlsLn, httpLn := listen(t), listen(t)
	// Pebble's TLS-ALPN-01 connections go to a closed port (as behind a
	// load balancer that terminates TLS), HTTP-01 to the proxy's HTTP port.
	peb := testpebble.New(t, testpebble.Options{HTTPPort: port(httpLn), TLSPort: closedPort(t)})
	roots, err := peb.RootPool(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m := newPebbleManager(t, peb, t.TempDir(), 0)
	var answered, toFallback atomic.Int32
	challenges := m.HTTPHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		toFallback.Add(1)
		http.NotFound(w, r)
	}))
	httpSrv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		challenges.ServeHTTP(rec, r)
		if strings.HasPrefix(r.URL.Path, "/.well-known/acme-challenge/") && rec.code == http.StatusOK {
			answered.Add(1)
		}
	})}
	go httpSrv.Serve(httpLn)
	t.Cleanup(func() { httpSrv.Close() })
	serveTLS(t, tlsLn, m)

	leaf, err := fetch(tlsLn.Addr().String(), acmeHost, roots)
	if err != nil {
		t.Fatalf("known host: %v", err)
	}
	if leaf.VerifyHostname(acmeHost) != nil {
		t.Errorf("certificate names %v, want %s", leaf.DNSNames, acmeHost)
	}
	if answered.Load() == 0 || toFallback.Load() != 0 {
		t.Errorf("HTTP-01: %d challenges answered, %d requests to the fallback; want Pebble's challenge answered by the Manager", answered.Load(), toFallback.Load())
	}
	// autocert tries TLS-ALPN-01 first; its failed order is the first one.
	if n := peb.Orders(); n != 2 {
		t.Errorf("Pebble has %d orders, want 2 (TLS-ALPN-01 failed, HTTP-01 succeeded)", n)
	}
}

func TestIntegrationACMERenewsBeforeExpiry(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Pebble")
	}
	t.Parallel()
	ctx := context.Background()
	tlsLn := listen(t)
	// Certificates for 30 seconds, renewed 25 seconds before they expire:
	// autocert's renewal timer fires about 5 seconds after issuance.
	peb := testpebble.New(t, testpebble.Options{HTTPPort: closedPort(t), TLSPort: port(tlsLn), ValidityPeriod: 30 * time.Second})
	roots, err := peb.RootPool(ctx)
	if err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	serveTLS(t, tlsLn, newPebbleManager(t, peb, data, 25*time.Second))
	first, err := fetch(tlsLn.Addr().String(), acmeHost, roots)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := fetch(tlsLn.Addr().String(), acmeHost, roots)
		if err == nil && c.SerialNumber.Cmp(first.SerialNumber) != 0 {
			if onDisk := cachedSerial(t, data, acmeHost); onDisk == first.SerialNumber.String() {
				t.Errorf("the renewed certificate was not written to the cache")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no renewed certificate within a minute (last: %v); orders: %d", err, peb.Orders())
		}
		time.Sleep(500 * time.Millisecond)
	}
	if n := peb.Orders(); n < 2 {
		t.Errorf("Pebble has %d orders, want a second one for the renewal", n)
	}
}

func newPebbleManager(t *testing.T, peb *testpebble.Server, data string, renewBefore time.Duration) *Manager {
	t.Helper()
	m, err := New(Config{
		Mode:       ModeACME,
		DataDir:    data,
		HostPolicy: knownHosts(acmeHost),
		ACME: ACMEConfig{
			DirectoryURL: peb.DirectoryURL,
			Email:        "ops@tenants.test",
			RootCAFile:   peb.CAFile,
			RenewBefore:  renewBefore,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// serveTLS serves HTTPS on ln with m's certificates (as the proxy does)
// and returns a function that stops it (also called when t ends) and the
// count of TLS-ALPN-01 challenge handshakes (ALPN acme-tls/1 alone) that
// got a certificate.
func serveTLS(t *testing.T, ln net.Listener, m *Manager) (stop func(), alpnChallenges *atomic.Int32) {
	t.Helper()
	alpnChallenges = new(atomic.Int32)
	cfg := m.TLSConfig()
	get := cfg.GetCertificate
	cfg.GetCertificate = func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
		c, err := get(hello)
		if err == nil && len(hello.SupportedProtos) == 1 && hello.SupportedProtos[0] == acme.ALPNProto {
			alpnChallenges.Add(1)
		}
		return c, err
	}
	srv := &http.Server{
		TLSConfig: cfg,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "hello %s", r.Host)
		}),
	}
	go srv.ServeTLS(ln, "", "")
	stop = func() { srv.Close() }
	t.Cleanup(stop)
	return stop, alpnChallenges
}

// fetch GETs https://host/ from addr, trusting only roots, and returns
// the leaf certificate of the verified chain.
func fetch(addr, host string, roots *x509.CertPool) (*x509.Certificate, error) {
	client := &http.Client{
		Timeout: 2 * time.Minute, // the first request waits for the order
		Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: roots},
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, network, addr)
			},
		},
	}
	defer client.CloseIdleConnections()
	res, err := client.Get("https://" + host + "/")
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || string(body) != "hello "+host {
		return nil, fmt.Errorf("GET https://%s/: %s %q", host, res.Status, body)
	}
	if len(res.TLS.VerifiedChains) == 0 {
		return nil, fmt.Errorf("GET https://%s/: no verified chain", host)
	}
	return res.TLS.VerifiedChains[0][0], nil
}

// checkCacheFiles: the account key and the certificate are in
// <data>/certs, readable by the proxy alone.
func checkCacheFiles(t *testing.T, data string) {
	t.Helper()
	dir := ACMECacheDir(data)
	if fi, err := os.Stat(dir); err != nil {
		t.Error(err)
	} else if fi.Mode().Perm() != 0o700 {
		t.Errorf("cache directory %s has mode %o, want 700", dir, fi.Mode().Perm())
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, e := range entries {
		names[e.Name()] = true
		if info, err := e.Info(); err != nil {
			t.Error(err)
		} else if info.Mode().Perm() != 0o600 {
			t.Errorf("cache file %s has mode %o, want 600", e.Name(), info.Mode().Perm())
		}
	}
	if !names[acmeHost] || !names["acme_account+key"] {
		t.Errorf("cache holds %v, want the certificate of %s and the account key", names, acmeHost)
	}
}

// cachedSerial is the serial of the certificate autocert keeps for host.
func cachedSerial(t *testing.T, data, host string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(ACMECacheDir(data), host))
	if err != nil {
		t.Fatal(err)
	}
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			t.Fatal("no certificate in the cache file")
		}
		if blk.Type == "CERTIFICATE" {
			c, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			return c.SerialNumber.String()
		}
	}
}
