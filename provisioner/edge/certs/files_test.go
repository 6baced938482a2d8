package certs

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestFilesServesWildcardOnlyForNamesItCovers(t *testing.T) {
	t.Parallel()
	ca, dir := newTestCA(t), t.TempDir()
	pair, wild := ca.writePair(t, dir, "wild", "*.tenants.example.com")
	m, err := New(Config{Mode: ModeFiles, Files: FilesConfig{Pairs: []KeyPair{pair}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := handshake(t, m.TLSConfig(), "acme.tenants.example.com", ca.pool)
	if err != nil {
		t.Fatalf("handshake for a covered name: %v", err)
	}
	if got.SerialNumber.Cmp(wild.SerialNumber) != 0 {
		t.Errorf("served serial %s, want the wildcard's %s", got.SerialNumber, wild.SerialNumber)
	}
	// The apex, a second level and another domain are not covered by
	// *.tenants.example.com: no certificate, the handshake fails.
	for _, name := range []string{"tenants.example.com", "a.b.tenants.example.com", "acme.example.org"} {
		if _, err := handshake(t, m.TLSConfig(), name, ca.pool); err == nil {
			t.Errorf("handshake for %s succeeded, want it refused", name)
		}
		_, err := m.GetCertificate(helloFor(name))
		if !errors.Is(err, ErrNoCertificate) {
			t.Errorf("GetCertificate(%s) = %v, want ErrNoCertificate", name, err)
		}
	}
}

func TestFilesPrefersExactNameOverWildcard(t *testing.T) {
	t.Parallel()
	ca, dir := newTestCA(t), t.TempDir()
	wildPair, wild := ca.writePair(t, dir, "wild", "*.tenants.example.com")
	ownPair, own := ca.writePair(t, dir, "acme", "acme.tenants.example.com")
	m, err := New(Config{Mode: ModeFiles, Files: FilesConfig{Pairs: []KeyPair{wildPair, ownPair}}})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"acme.tenants.example.com": own.SerialNumber.String(),
		"ACME.Tenants.Example.com": own.SerialNumber.String(),
		"beta.tenants.example.com": wild.SerialNumber.String(),
	} {
		got, err := handshake(t, m.TLSConfig(), name, ca.pool)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.SerialNumber.String() != want {
			t.Errorf("%s: served serial %s, want %s", name, got.SerialNumber, want)
		}
	}
}

func TestFilesHostPolicyRefusesCoveredButUnknownHost(t *testing.T) {
	t.Parallel()
	ca, dir := newTestCA(t), t.TempDir()
	pair, _ := ca.writePair(t, dir, "wild", "*.tenants.example.com")
	m, err := New(Config{Mode: ModeFiles, HostPolicy: knownHosts("acme.tenants.example.com"),
		Files: FilesConfig{Pairs: []KeyPair{pair}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := handshake(t, m.TLSConfig(), "acme.tenants.example.com", ca.pool); err != nil {
		t.Fatalf("known host: %v", err)
	}
	if _, err := handshake(t, m.TLSConfig(), "gone.tenants.example.com", ca.pool); err == nil {
		t.Error("a host the policy refuses got the wildcard certificate")
	}
}

func TestFilesReloadsChangedFilesAndKeepsTheLastGoodPair(t *testing.T) {
	t.Parallel()
	ca, dir := newTestCA(t), t.TempDir()
	pair, first := ca.writePair(t, dir, "wild", "*.tenants.example.com")
	m, err := New(Config{Mode: ModeFiles, Files: FilesConfig{Pairs: []KeyPair{pair}, CheckInterval: time.Nanosecond}})
	if err != nil {
		t.Fatal(err)
	}
	serial := func() string {
		t.Helper()
		c, err := handshake(t, m.TLSConfig(), "acme.tenants.example.com", ca.pool)
		if err != nil {
			t.Fatal(err)
		}
		return c.SerialNumber.String()
	}
	if got := serial(); got != first.SerialNumber.String() {
		t.Fatalf("served %s, want %s", got, first.SerialNumber)
	}
	// Renewed on disk (same paths): the next handshake serves the new one.
	_, second := ca.writePair(t, dir, "wild", "*.tenants.example.com")
	if got := serial(); got != second.SerialNumber.String() {
		t.Fatalf("after the files changed, served %s, want the new %s", got, second.SerialNumber)
	}
	// A broken key (a half-written renewal): Reload names the file, and the
	// previous certificate is still served.
	mustWrite(t, pair.KeyFile, []byte("not a key"))
	err = m.Reload()
	if err == nil || !strings.Contains(err.Error(), pair.KeyFile) {
		t.Fatalf("Reload with a broken key = %v, want an error naming %s", err, pair.KeyFile)
	}
	if got := serial(); got != second.SerialNumber.String() {
		t.Errorf("after a failed reload, served %s, want the last good %s", got, second.SerialNumber)
	}
}

func TestFilesNewReportsUnusableFiles(t *testing.T) {
	t.Parallel()
	ca, dir := newTestCA(t), t.TempDir()
	a, _ := ca.writePair(t, dir, "a", "a.example.com")
	b, _ := ca.writePair(t, dir, "b", "b.example.com")
	for name, pair := range map[string]KeyPair{
		"missing certificate": {CertFile: dir + "/none.crt", KeyFile: a.KeyFile},
		"key of another cert": {CertFile: a.CertFile, KeyFile: b.KeyFile},
	} {
		_, err := New(Config{Mode: ModeFiles, Files: FilesConfig{Pairs: []KeyPair{pair}}})
		if err == nil {
			t.Errorf("%s: New succeeded", name)
			continue
		}
		if strings.Contains(err.Error(), "-----BEGIN") {
			t.Errorf("%s: the error shows key material", name)
		}
	}
}
