package workspace

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tenantctl/tenantctl/provisioner/status"
	"github.com/tenantctl/tenantctl/provisioner/testpeer"
)

// TestIntegrationSourceRedialsSSHHost: the peer's sshd cuts the Source's
// connection (its session process is killed), and the next status
// request through the Source still observes the host, on a new
// connection, instead of showing its tenants unreachable for good.
func TestIntegrationSourceRedialsSSHHost(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: starts sshd and a second dockerd")
	}
	if err := testpeer.Available(); err != nil {
		t.Skip(err)
	}
	t.Parallel()
	peer, err := testpeer.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := peer.Stop(); err != nil {
			t.Errorf("stopping the peer: %v", err)
		}
	})
	dir := writeProject(t, fmt.Sprintf(`project "srcredial" {}
host "ha" {
  ssh {
    address          = %q
    user             = %q
    identity_file    = %q
    known_hosts_file = %q
    connect_timeout  = "5s"
    keepalive        = "1s"
  }
  docker_socket = %q
}
`, peer.SSHAddr, peer.SSHUser, peer.IdentityFile, peer.KnownHostsFile, peer.DockerSocket))
	s, err := NewSource(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.TTL = 0
	ctx := context.Background()
	state := func(when string) {
		t.Helper()
		r, err := s.Tenants(ctx)
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		if ts := r.Find("t1"); ts == nil || ts.State != status.Missing {
			t.Fatalf("%s: t1 is %+v, want missing (its host observed)", when, ts)
		}
		ts, err := s.Tenant(ctx, "t1")
		if err != nil || ts.State != status.Missing {
			t.Fatalf("%s: Tenant(t1) = %+v, %v", when, ts, err)
		}
	}
	logins := func() int { return strings.Count(peer.SSHLog(), "Accepted publickey") }

	state("first request")
	state("second request")
	if n := logins(); n != 1 {
		t.Fatalf("%d SSH logins before the cut, want 1 (one connection reused)", n)
	}
	cut, err := peer.DropSSHConnections()
	if err != nil || cut == 0 {
		t.Fatalf("cutting the SSH connections: %d cut, %v", cut, err)
	}
	state("after the cut")
	if n := logins(); n != 2 {
		t.Errorf("%d SSH logins after the cut, want 2", n)
	}
	state("later")
	if n := logins(); n != 2 {
		t.Errorf("%d SSH logins later, want 2 (the new connection reused)", n)
	}
}
