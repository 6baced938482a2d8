package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/tenantctl/tenantctl/provisioner/testenv"
	"github.com/tenantctl/tenantctl/provisioner/testpeer"
)

// startPeer starts a second Docker host behind sshd for one test and
// stops it (engine, namespace, files) when the test ends.
func startPeer(t *testing.T) *testpeer.Peer {
	t.Helper()
	testenv.Peer(t)
	peer, err := testpeer.Start(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := peer.Stop(); err != nil {
			t.Errorf("stopping the peer: %v", err)
		}
	})
	return peer
}

// sshHostHCL is a host block for the peer; extra goes inside it.
func sshHostHCL(name string, peer *testpeer.Peer, knownHosts, identity, extra string) string {
	if knownHosts == "" {
		knownHosts = peer.KnownHostsFile
	}
	if identity == "" {
		identity = peer.IdentityFile
	}
	return fmt.Sprintf(`host %q {
  ssh {
    address          = %q
    user             = %q
    identity_file    = %q
    known_hosts_file = %q
    connect_timeout  = "5s"
    keepalive        = "1s"
  }
  docker_socket = %q
%s}
`, name, peer.SSHAddr, peer.SSHUser, identity, knownHosts, peer.DockerSocket, extra)
}

// projectHCL writes tenantctl.hcl with the given host blocks.
func (p *testProject) projectHCL(hosts ...string) {
	p.write("tenantctl.hcl", p.projectBlock()+strings.Join(hosts, ""))
}

// pinned is a tenant of template tmpl pinned to host.
func pinned(name, tmpl, host string) string {
	return fmt.Sprintf("tenant %q {\n  template = %q\n  host = %q\n}\n", name, tmpl, host)
}

// peerContainers lists the project's container names on the peer.
func peerContainers(t *testing.T, peer *testpeer.Peer, project string) []string {
	t.Helper()
	out, err := peer.Docker("ps", "-a", "--format", "{{.Names}}", "--filter", "label=tenantctl.project="+project)
	if err != nil {
		t.Fatal(err)
	}
	return lines(out)
}

// localContainers lists the project's container names on the main engine.
func localContainers(t *testing.T, project string) []string {
	return lines(docker(t, "ps", "-a", "--format", "{{.Names}}", "--filter", "label=tenantctl.project="+project))
}

func hasPrefixed(names []string, prefix string) bool {
	for _, n := range names {
		if strings.HasPrefix(n, prefix) {
			return true
		}
	}
	return false
}
