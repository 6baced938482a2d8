package certs

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/acme"
)

func TestCanonicalHost(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"acme.tenants.test":         "acme.tenants.test",
		"ACME.Tenants.Test.":        "acme.tenants.test",
		"acme.tenants.test:5002":    "acme.tenants.test",
		"bücher.tenants.test":       "xn--bcher-kva.tenants.test",
		"a-1.b-2.tenants.localhost": "a-1.b-2.tenants.localhost",
	} {
		if got, err := canonicalHost(in); err != nil || got != want {
			t.Errorf("canonicalHost(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "localhost", "127.0.0.1", "[::1]:443", "::1", "*.tenants.test",
		"../etc.passwd", "a..b", "-a.test", "a_b.test", "a/b.test", strings.Repeat("a", 64) + ".test"} {
		if got, err := canonicalHost(in); err == nil {
			t.Errorf("canonicalHost(%q) = %q, want an error", in, got)
		}
	}
}

func TestNewRejectsIncompleteConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	policy := knownHosts("acme.tenants.test")
	caFile := filepath.Join(dir, "empty.pem")
	mustWrite(t, caFile, []byte("no certificate here"))
	for name, cfg := range map[string]Config{
		"no mode":             {},
		"unknown mode":        {Mode: "self-signed"},
		"acme without data":   {Mode: ModeACME, HostPolicy: policy},
		"acme without policy": {Mode: ModeACME, DataDir: dir},
		"acme http directory": {Mode: ModeACME, DataDir: dir, HostPolicy: policy, ACME: ACMEConfig{DirectoryURL: "http://ca.test/dir"}},
		"acme bad email":      {Mode: ModeACME, DataDir: dir, HostPolicy: policy, ACME: ACMEConfig{Email: "ops at example"}},
		"acme empty root CA":  {Mode: ModeACME, DataDir: dir, HostPolicy: policy, ACME: ACMEConfig{RootCAFile: caFile}},
		"local CA no policy":  {Mode: ModeLocalCA, DataDir: dir},
		"files without pairs": {Mode: ModeFiles},
		"files half a pair":   {Mode: ModeFiles, Files: FilesConfig{Pairs: []KeyPair{{CertFile: "a.pem"}}}},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New succeeded, want an error", name)
		}
	}
	if _, err := ParseMode("local-ca"); err != nil {
		t.Error(err)
	}
	if _, err := ParseMode("letsencrypt"); err == nil {
		t.Error("ParseMode accepted an unknown mode")
	}
}

// newOfflineACME is an ACME Manager whose CA is never reached: enough
// for what happens before an order.
func newOfflineACME(t *testing.T, dir string) *Manager {
	t.Helper()
	m, err := New(Config{Mode: ModeACME, DataDir: dir, HostPolicy: knownHosts("acme.tenants.test"),
		ACME: ACMEConfig{DirectoryURL: "https://127.0.0.1:1/dir", Email: "ops@tenants.test"}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestACMEHTTPHandlerAnswersChallengesOnlyForKnownHosts(t *testing.T) {
	t.Parallel()
	m := newOfflineACME(t, t.TempDir())
	fallback := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "fallback") })
	h := m.HTTPHandler(fallback)
	for _, c := range []struct {
		host, path string
		code       int
		body       string
	}{
		{"acme.tenants.test", "/", 200, "fallback"},
		{"unknown.tenants.test", "/", 200, "fallback"}, // the proxy's own 404 decides
		// A known host without a pending challenge: autocert's 404, not the app.
		{"acme.tenants.test:80", "/.well-known/acme-challenge/token", 404, ""},
		// An unknown host: a plain 404 that names nothing.
		{"unknown.tenants.test", "/.well-known/acme-challenge/token", 404, "404 page not found\n"},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "http://"+c.host+c.path, nil)
		h.ServeHTTP(rec, req)
		if rec.Code != c.code || (c.body != "" && rec.Body.String() != c.body) {
			t.Errorf("%s%s: %d %q, want %d %q", c.host, c.path, rec.Code, rec.Body.String(), c.code, c.body)
		}
		if strings.HasPrefix(c.path, "/.well-known/") && rec.Body.String() == "fallback" {
			t.Errorf("%s%s reached the fallback", c.host, c.path)
		}
	}
}

func TestTLSConfigOffersACMEALPNOnlyInACMEMode(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	acmeM := newOfflineACME(t, filepath.Join(dir, "acme"))
	if !slices.Contains(acmeM.TLSConfig().NextProtos, acme.ALPNProto) {
		t.Errorf("ACME NextProtos %v lack %s", acmeM.TLSConfig().NextProtos, acme.ALPNProto)
	}
	local := newLocalCA(t, filepath.Join(dir, "local"), knownHosts())
	cfg := local.TLSConfig()
	if slices.Contains(cfg.NextProtos, acme.ALPNProto) || cfg.MinVersion < tls.VersionTLS12 {
		t.Errorf("local CA TLS config %v / min %x: want no acme-tls/1 and TLS 1.2 or later", cfg.NextProtos, cfg.MinVersion)
	}
	if acmeM.CACertFile() != "" || acmeM.CACertPEM() != nil || acmeM.Reload() != nil {
		t.Error("CA accessors or Reload do something outside their modes")
	}
	if fi, err := os.Stat(ACMECacheDir(filepath.Join(dir, "acme"))); err != nil {
		t.Error(err)
	} else if fi.Mode().Perm() != 0o700 {
		t.Errorf("ACME cache directory has mode %o, want 700", fi.Mode().Perm())
	}
}

func TestACMERefusesUnknownHostBeforeAnyOrder(t *testing.T) {
	t.Parallel()
	m := newOfflineACME(t, t.TempDir())
	// The CA is unreachable, so an attempt to order would fail with a
	// network error; the refusal must come from the policy, at once.
	_, err := m.GetCertificate(helloFor("unknown.tenants.test"))
	if err == nil || !strings.Contains(err.Error(), "not routed") {
		t.Errorf("GetCertificate(unknown) = %v, want the policy's refusal", err)
	}
}
