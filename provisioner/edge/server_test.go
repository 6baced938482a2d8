package edge

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// selfSigned returns a TLS certificate for hosts and a pool that trusts it.
func selfSigned(t *testing.T, hosts ...string) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "edge test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		DNSNames:              hosts,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// startServer starts a Server with cfg on loopback ports and stops it when
// the test ends.
func startServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.HTTPAddr == "" {
		cfg.HTTPAddr = "127.0.0.1:0"
	}
	if cfg.TLS != nil && cfg.HTTPSAddr == "" {
		cfg.HTTPSAddr = "127.0.0.1:0"
	}
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	return srv
}

// clientTo returns an HTTP client that connects to addr whatever the URL
// says, trusting pool for TLS, and that does not follow redirects.
func clientTo(addr net.Addr, pool *x509.CertPool) *http.Client {
	d := net.Dialer{}
	return &http.Client{
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return d.DialContext(ctx, "tcp", addr.String())
			},
			TLSClientConfig: &tls.Config{RootCAs: pool},
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func TestRoutesSurviveRestart(t *testing.T) {
	dir := shortDir(t)
	acme := newTestBackend(t, "acme", []string{"acme.example.com"}, nil)
	srv := startServer(t, Config{DataDir: dir})
	c := NewClient(filepath.Join(dir, AdminSocket))
	if _, err := c.SetRoute(context.Background(), "acme", []string{"acme.example.com"}, acme.addr(), time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetMaintenance(context.Background(), "acme", "", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ClearMaintenance(context.Background(), "acme"); err != nil {
		t.Fatal(err)
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	again := startServer(t, Config{DataDir: dir})
	status, _, body := get(t, clientTo(again.Addr(ListenerHTTP), nil), "http://acme.example.com/", "acme.example.com")
	if status != 200 || body != "backend acme\n" {
		t.Errorf("after restart: %d %q, want acme's answer", status, body)
	}
	routes, err := c.Routes(context.Background())
	if err != nil || len(routes) != 1 || routes[0].Maintenance != nil {
		t.Errorf("routes after restart = %+v, %v", routes, err)
	}
}

func TestAdminSocketStaleAndBusy(t *testing.T) {
	dir := shortDir(t)
	path := filepath.Join(dir, AdminSocket)
	// A socket file left by a proxy that died.
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	srv := startServer(t, Config{DataDir: dir})
	if _, err := NewClient(path).Ping(context.Background()); err != nil {
		t.Fatalf("ping after a stale socket: %v", err)
	}
	// A second proxy on the same data directory is refused.
	second, err := NewServer(Config{DataDir: dir, HTTPAddr: "127.0.0.1:0", Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if err := second.Start(); err == nil || !strings.Contains(err.Error(), "another proxy") {
		second.Shutdown(context.Background())
		t.Fatalf("second Start = %v, want 'another proxy'", err)
	}
	if _, err := NewClient(path).Ping(context.Background()); err != nil {
		t.Errorf("the first proxy no longer answers: %v", err)
	}
	_ = srv
}

func TestTLSRoutesByHostAndRefusesMismatchedSNI(t *testing.T) {
	cert, pool := selfSigned(t, "acme.example.com", "globex.example.com")
	dir := shortDir(t)
	acme := newTestBackend(t, "acme", []string{"acme.example.com"}, nil)
	globex := newTestBackend(t, "globex", []string{"globex.example.com"}, nil)
	srv := startServer(t, Config{
		DataDir:    dir,
		TLS:        &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return &cert, nil }},
		HSTSMaxAge: 24 * time.Hour,
	})
	mustSet(t, srv.Router(), "acme", acme.addr(), "acme.example.com")
	mustSet(t, srv.Router(), "globex", globex.addr(), "globex.example.com")
	for _, h2 := range []bool{false, true} {
		https := clientTo(srv.Addr(ListenerHTTPS), pool)
		https.Transport.(*http.Transport).ForceAttemptHTTP2 = h2
		checkTLSRouting(t, https, h2, acme, globex)
	}
}

// checkTLSRouting checks HTTPS requests through client (HTTP/2 when h2).
func checkTLSRouting(t *testing.T, https *http.Client, h2 bool, acme, globex *testBackend) {
	t.Helper()

	req, _ := http.NewRequest(http.MethodGet, "https://acme.example.com/", nil)
	resp, err := https.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.ProtoMajor == 2; got != h2 {
		t.Fatalf("protocol %s, want HTTP/2 %v", resp.Proto, h2)
	}
	status, h, body := get(t, https, "https://acme.example.com/", "acme.example.com")
	if status != 200 || body != "backend acme\n" {
		t.Fatalf("HTTPS acme: %d %q", status, body)
	}
	if h.Get("Strict-Transport-Security") != "max-age=86400" {
		t.Errorf("HSTS = %q", h.Get("Strict-Transport-Security"))
	}
	if p := acme.lastRequest().Header.Get("X-Forwarded-Proto"); p != "https" {
		t.Errorf("X-Forwarded-Proto = %q, want https", p)
	}
	// SNI acme, Host globex: refused, reaches no one.
	hits := acme.hits.Load() + globex.hits.Load()
	status, _, _ = get(t, https, "https://acme.example.com/", "globex.example.com")
	if status != http.StatusMisdirectedRequest {
		t.Errorf("SNI acme, Host globex: %d, want 421", status)
	}
	status, _, _ = get(t, https, "https://ACME.example.com./", "acme.example.com:8443")
	if status != 200 {
		t.Errorf("SNI and Host equal but for case, dot and port: %d, want 200", status)
	}
	if acme.hits.Load()+globex.hits.Load() != hits+1 {
		t.Error("the misdirected request reached a backend")
	}
	if f := append(acme.foreignHosts(), globex.foreignHosts()...); len(f) > 0 {
		t.Errorf("backends got requests for other tenants: %v", f)
	}
}

func TestHTTPRedirectsAndACMEHook(t *testing.T) {
	cert, _ := selfSigned(t, "acme.example.com")
	acmeCalls := 0
	hook := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		acmeCalls++
		w.Write([]byte("token-" + strings.TrimPrefix(r.URL.Path, ACMEChallengePrefix)))
	})
	acme := newTestBackend(t, "acme", []string{"acme.example.com"}, nil)
	srv := startServer(t, Config{
		DataDir:       shortDir(t),
		TLS:           &tls.Config{Certificates: []tls.Certificate{cert}},
		ACMEChallenge: hook,
		RedirectPort:  8443,
	})
	mustSet(t, srv.Router(), "acme", acme.addr(), "acme.example.com")
	c := clientTo(srv.Addr(ListenerHTTP), nil)

	req, _ := http.NewRequest(http.MethodGet, "http://acme.example.com/a/b?c=d", nil)
	req.Host = "ACME.example.com:8080"
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != "https://acme.example.com:8443/a/b?c=d" {
		t.Errorf("redirect: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	status, _, body := get(t, c, "http://acme.example.com"+ACMEChallengePrefix+"xyz", "acme.example.com")
	if status != 200 || body != "token-xyz" || acmeCalls != 1 {
		t.Errorf("ACME challenge: %d %q, %d calls", status, body, acmeCalls)
	}
	if status, h, _ := get(t, c, "http://nobody.test/", "nobody.test"); status != 404 || h.Get("Location") != "" {
		t.Errorf("unknown host on HTTP: %d, Location %q; want a 404, no redirect", status, h.Get("Location"))
	}
	if acme.hits.Load() != 0 {
		t.Error("plain HTTP reached the backend while TLS is on")
	}
}

func TestShutdownLetsRequestsFinish(t *testing.T) {
	started, release := make(chan struct{}, 1), make(chan struct{})
	a := slowBackend(t, "a", started, release)
	srv := startServer(t, Config{DataDir: shortDir(t)})
	mustSet(t, srv.Router(), "acme", a.addr(), "acme.example.com")
	c := clientTo(srv.Addr(ListenerHTTP), nil)
	done := make(chan string, 1)
	go func() {
		_, _, body := get(t, c, "http://acme.example.com/slow", "acme.example.com")
		done <- body
	}()
	<-started
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(context.Background()) }()
	time.Sleep(100 * time.Millisecond)
	if _, err := net.DialTimeout("tcp", srv.Addr(ListenerHTTP).String(), time.Second); err == nil {
		t.Error("still accepting connections while shutting down")
	}
	close(release)
	if body := <-done; body != "slow-done\n" {
		t.Errorf("request in progress at shutdown got %q", body)
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

func TestNewServerNeedsCertificatesForHTTPS(t *testing.T) {
	if _, err := NewServer(Config{DataDir: shortDir(t), HTTPSAddr: ":0"}); err == nil {
		t.Error("HTTPS without TLS: no error")
	}
	if _, err := NewServer(Config{DataDir: shortDir(t), HTTPSAddr: ":0", TLS: &tls.Config{}}); err == nil {
		t.Error("TLS without certificates: no error")
	}
}
