package certs

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func newLocalCA(t *testing.T, dir string, policy HostPolicy, permitted ...string) *Manager {
	t.Helper()
	m, err := New(Config{Mode: ModeLocalCA, DataDir: dir, HostPolicy: policy,
		LocalCA: LocalCAConfig{Name: "acme-saas", PermittedDomains: permitted}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func caPool(t *testing.T, m *Manager) *x509.CertPool {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(m.CACertPEM()) {
		t.Fatal("CACertPEM holds no certificate")
	}
	return pool
}

func TestLocalCAIssuesLeavesThatVerifyAgainstTheCA(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := newLocalCA(t, dir, knownHosts("acme.tenants.localhost", "globex.tenants.localhost"))
	if m.CACertFile() != LocalCACertFile(dir) {
		t.Errorf("CACertFile = %s, want %s", m.CACertFile(), LocalCACertFile(dir))
	}
	onDisk, err := os.ReadFile(m.CACertFile())
	if err != nil || !bytes.Equal(onDisk, m.CACertPEM()) {
		t.Fatalf("CA file %s: %v, want the PEM CACertPEM returns", m.CACertFile(), err)
	}
	pool := caPool(t, m)
	leaf, err := handshake(t, m.TLSConfig(), "acme.tenants.localhost", pool)
	if err != nil {
		t.Fatalf("a client trusting only ca.pem: %v", err)
	}
	if len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != "acme.tenants.localhost" {
		t.Errorf("leaf names %v, want exactly the requested host", leaf.DNSNames)
	}
	other, err := handshake(t, m.TLSConfig(), "globex.tenants.localhost", pool)
	if err != nil {
		t.Fatal(err)
	}
	if other.SerialNumber.Cmp(leaf.SerialNumber) == 0 || other.VerifyHostname("acme.tenants.localhost") == nil {
		t.Error("two tenants share a certificate")
	}

	ca, _ := x509.ParseCertificate(mustPEMBlock(t, m.CACertPEM()))
	key, ok := ca.PublicKey.(*ecdsa.PublicKey)
	if !ok || key.Curve != elliptic.P256() || !ca.IsCA {
		t.Errorf("CA key %T (IsCA %v), want an ECDSA P-256 CA", ca.PublicKey, ca.IsCA)
	}
	if life := ca.NotAfter.Sub(ca.NotBefore); life < 10*365*24*time.Hour {
		t.Errorf("CA valid for %s, want 10 years", life)
	}
	if !strings.Contains(ca.Subject.CommonName, "acme-saas") {
		t.Errorf("CA subject %q does not name the project", ca.Subject)
	}
}

func TestLocalCARefusesUnknownHostAndWritesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	m := newLocalCA(t, dir, knownHosts("acme.tenants.localhost"))
	pool := caPool(t, m)
	for _, name := range []string{"evil.tenants.localhost", "127.0.0.1", "*.tenants.localhost"} {
		if _, err := handshake(t, m.TLSConfig(), name, pool); err == nil {
			t.Errorf("handshake for %q succeeded, want it refused", name)
		}
	}
	if _, err := m.GetCertificate(helloFor("evil.tenants.localhost")); err == nil || !strings.Contains(err.Error(), "not routed") {
		t.Errorf("GetCertificate(unknown) = %v, want the policy's refusal", err)
	}
	if _, err := m.GetCertificate(helloFor("")); err == nil {
		t.Error("GetCertificate without SNI succeeded")
	}
	files, _ := os.ReadDir(filepath.Join(dir, "local-ca", "hosts"))
	if len(files) != 0 {
		t.Errorf("refused hosts left files: %v", files)
	}
}

func TestLocalCAPersistsCAAndLeavesAcrossRestarts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	policy := knownHosts("acme.tenants.localhost")
	first := newLocalCA(t, dir, policy)
	leaf1, err := handshake(t, first.TLSConfig(), "acme.tenants.localhost", caPool(t, first))
	if err != nil {
		t.Fatal(err)
	}
	second := newLocalCA(t, dir, policy)
	if !bytes.Equal(first.CACertPEM(), second.CACertPEM()) {
		t.Fatal("a restart made a new CA: clients that trusted the old one would break")
	}
	leaf2, err := handshake(t, second.TLSConfig(), "acme.tenants.localhost", caPool(t, second))
	if err != nil {
		t.Fatal(err)
	}
	if leaf1.SerialNumber.Cmp(leaf2.SerialNumber) != 0 {
		t.Errorf("after a restart the leaf was issued again (serial %s, was %s), want the one on disk", leaf2.SerialNumber, leaf1.SerialNumber)
	}
	for path, want := range map[string]os.FileMode{
		filepath.Join(dir, "local-ca", "ca-key.pem"):                          0o600,
		filepath.Join(dir, "local-ca", "ca.pem"):                              0o644,
		filepath.Join(dir, "local-ca", "hosts", "acme.tenants.localhost.pem"): 0o600,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Errorf("%s: %v", path, err)
		} else if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %o, want %o", path, fi.Mode().Perm(), want)
		}
	}
}

func TestLocalCAReissuesLeafNearExpiry(t *testing.T) {
	t.Parallel()
	m := newLocalCA(t, t.TempDir(), knownHosts("acme.tenants.localhost"))
	first, err := m.GetCertificate(helloFor("acme.tenants.localhost"))
	if err != nil {
		t.Fatal(err)
	}
	m.ca.now = func() time.Time { return time.Now().Add(leafValidity - leafRenewBefore + time.Hour) }
	second, err := m.GetCertificate(helloFor("acme.tenants.localhost"))
	if err != nil {
		t.Fatal(err)
	}
	if first.Leaf.SerialNumber.Cmp(second.Leaf.SerialNumber) == 0 {
		t.Error("a leaf within the renewal window was served again, want a new one")
	}
}

func TestLocalCAIssuesOneLeafForConcurrentHandshakes(t *testing.T) {
	t.Parallel()
	m := newLocalCA(t, t.TempDir(), knownHosts("acme.tenants.localhost"))
	var wg sync.WaitGroup
	serials := make([]string, 8)
	for i := range serials {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := m.GetCertificate(helloFor("acme.tenants.localhost"))
			if err == nil {
				serials[i] = c.Leaf.SerialNumber.String()
			}
		}()
	}
	wg.Wait()
	for _, s := range serials {
		if s == "" || s != serials[0] {
			t.Fatalf("concurrent handshakes got %v, want one certificate", serials)
		}
	}
}

func TestLocalCANameConstraintKeepsCAToItsDomain(t *testing.T) {
	t.Parallel()
	anyHost := func(context.Context, string) error { return nil }
	m := newLocalCA(t, t.TempDir(), anyHost, "tenants.localhost")
	pool := caPool(t, m)
	if _, err := handshake(t, m.TLSConfig(), "acme.tenants.localhost", pool); err != nil {
		t.Fatalf("a name inside the permitted domain: %v", err)
	}
	// Even when asked to, the CA cannot vouch for a name outside it: the
	// client's verification refuses the certificate.
	_, err := handshake(t, m.TLSConfig(), "bank.example.com", pool)
	if err == nil || !strings.Contains(err.Error(), "constraint") {
		t.Errorf("handshake for a name outside the constraint = %v, want a name constraint error", err)
	}
}

func TestLocalCAMissingKeyIsAnErrorAndMissingCertMakesANewCA(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first := newLocalCA(t, dir, knownHosts())
	keyFile := filepath.Join(dir, "local-ca", "ca-key.pem")
	key, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(keyFile)
	_, err = New(Config{Mode: ModeLocalCA, DataDir: dir, HostPolicy: knownHosts()})
	if err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("New without the CA key = %v, want an error saying it is missing", err)
	}
	// A key without its certificate (a crash while the CA was made): no
	// client can trust it yet, so a new CA is made.
	mustWrite(t, keyFile, key)
	os.Remove(first.CACertFile())
	second := newLocalCA(t, dir, knownHosts())
	if bytes.Equal(first.CACertPEM(), second.CACertPEM()) {
		t.Error("want a new CA")
	}
}

func mustPEMBlock(t *testing.T, b []byte) []byte {
	t.Helper()
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatal("no PEM block")
	}
	return blk.Bytes
}
