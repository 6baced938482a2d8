package sshx_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/sshx"
	"github.com/tenantctl/tenantctl/provisioner/testpeer"
)

func peerConfig(p *testpeer.Peer) sshx.Config {
	return sshx.Config{Address: p.SSHAddr, User: p.SSHUser, IdentityFiles: []string{p.IdentityFile}, KnownHostsFile: p.KnownHostsFile, AgentSocket: "/nonexistent", ConnectTimeout: 5 * time.Second}
}

// TestIntegrationSSHDockerSocket reaches the peer's Docker socket through
// the SSH connection and pings the engine, twice on one connection.
func TestIntegrationSSHDockerSocket(t *testing.T) {
	t.Parallel()
	p := requirePeer(t)
	c, err := sshx.Dial(context.Background(), peerConfig(p))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return c.DialContext(ctx, "unix", p.DockerSocket)
	}}}
	for i := 0; i < 2; i++ {
		resp, err := hc.Get("http://docker/_ping")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "OK" {
			t.Fatalf("ping answered %q", b)
		}
	}
}

// TestIntegrationSSHHostKeys: an unknown host is refused with its
// fingerprint; a tampered entry is a HostKeyChangedError before any
// authentication; a wrong user key is an AuthError.
//
// Not parallel: it counts the logins in the shared peer's sshd log, which
// the other tests' logins would change.
func TestIntegrationSSHHostKeys(t *testing.T) {
	p := requirePeer(t)
	dir := t.TempDir()

	cfg := peerConfig(p)
	cfg.KnownHostsFile = filepath.Join(dir, "none")
	_, err := sshx.Dial(context.Background(), cfg)
	var unknown *sshx.UnknownHostError
	if !errors.As(err, &unknown) || unknown.Fingerprint != p.HostKeyFingerprint || !strings.Contains(err.Error(), p.HostKeyFingerprint) {
		t.Fatalf("unknown host: want UnknownHostError with %s, got %v", p.HostKeyFingerprint, err)
	}

	// Another key under the peer's address: what a changed host looks like.
	other := filepath.Join(dir, "other")
	if err := testpeer.GenerateKey(other); err != nil {
		t.Fatal(err)
	}
	known, _ := os.ReadFile(p.KnownHostsFile)
	pub, _ := os.ReadFile(other + ".pub")
	host := strings.Fields(string(known))[0]
	tampered := filepath.Join(dir, "tampered")
	os.WriteFile(tampered, []byte(host+" "+strings.Join(strings.Fields(string(pub))[:2], " ")+"\n"), 0o600)
	cfg = peerConfig(p)
	cfg.KnownHostsFile = tampered
	before := strings.Count(p.SSHLog(), "Accepted publickey")
	_, err = sshx.Dial(context.Background(), cfg)
	if !errors.Is(err, sshx.ErrHostKeyChanged) || !strings.Contains(err.Error(), "HOST KEY CHANGED") {
		t.Fatalf("tampered known_hosts: want ErrHostKeyChanged, got %v", err)
	}
	if after := strings.Count(p.SSHLog(), "Accepted publickey"); after != before {
		t.Fatalf("a login happened despite the changed host key")
	}

	cfg = peerConfig(p)
	cfg.IdentityFiles = []string{other}
	_, err = sshx.Dial(context.Background(), cfg)
	var auth *sshx.AuthError
	if !errors.As(err, &auth) || !strings.Contains(err.Error(), "authentication") {
		t.Fatalf("wrong user key: want AuthError, got %v", err)
	}
}

// TestIntegrationSSHTrust scans the peer's host key and adds it to a fresh
// known_hosts, after which Dial succeeds.
func TestIntegrationSSHTrust(t *testing.T) {
	t.Parallel()
	p := requirePeer(t)
	key, err := sshx.ScanHostKey(context.Background(), p.SSHAddr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), ".ssh", "known_hosts")
	if err := sshx.AddKnownHost(file, p.SSHAddr, key); err != nil {
		t.Fatal(err)
	}
	cfg := peerConfig(p)
	cfg.KnownHostsFile = file
	c, err := sshx.Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}
