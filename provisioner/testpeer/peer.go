// Package testpeer starts a real second Docker host for integration tests:
// a dockerd with its own data root, exec root, containerd and iptables,
// inside its own network namespace, and an OpenSSH server (Debian's
// openssh-server) in the same namespace in front of it. The host is
// reachable only through SSH, at an address on a veth pair, so its
// containers, networks and published ports are on another network stack,
// exactly as on a remote machine. It needs root, ip, nsenter, dockerd,
// sshd and ssh-keygen, on Linux; Available says what is missing.
//
// It is test support, imported only by _test.go files.
package testpeer

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Peer is a running second host.
type Peer struct {
	// Dir holds everything the peer owns; it is removed by Stop.
	Dir string
	// SSHAddr is host:port of its sshd; SSHUser logs in with IdentityFile.
	SSHAddr      string
	SSHUser      string
	IdentityFile string
	// KnownHostsFile holds the peer's host key line (only that).
	KnownHostsFile string
	// HostKeyFingerprint is SHA256:… of the peer's ed25519 host key.
	HostKeyFingerprint string
	// DockerSocket is the engine's socket path on the peer.
	DockerSocket string

	id        string
	netns     string
	hostIf    string
	dockerd   *exec.Cmd
	sshd      *exec.Cmd
	dockerLog string
}

// Available reports why a peer cannot be started here, or nil.
func Available() error {
	if err := platformSupported(); err != nil {
		return err
	}
	if os.Geteuid() != 0 {
		return errors.New("testpeer needs root (network namespaces, dockerd)")
	}
	for _, tool := range []struct{ name, pkg string }{
		{"ip", "iproute2"}, {"nsenter", "util-linux"}, {"dockerd", "docker.io"},
		{"ssh-keygen", "openssh-client"}, {"docker", "docker.io"},
	} {
		if _, err := exec.LookPath(tool.name); err != nil {
			return fmt.Errorf("testpeer needs %s (Debian package %s): %w", tool.name, tool.pkg, err)
		}
	}
	if _, err := os.Stat(sshdPath); err != nil {
		return fmt.Errorf("testpeer needs OpenSSH's server (Debian package openssh-server): %w", err)
	}
	return nil
}

const sshdPath = "/usr/sbin/sshd"

// Start brings up a peer: namespace and veth, dockerd, sshd, keys. On
// error everything started so far is stopped again.
func Start(ctx context.Context) (p *Peer, err error) {
	if err := Available(); err != nil {
		return nil, err
	}
	b := make([]byte, 3)
	rand.Read(b)
	id := hex.EncodeToString(b)
	dir, err := os.MkdirTemp("", "tenantctl-peer-")
	if err != nil {
		return nil, err
	}
	p = &Peer{Dir: dir, id: id, netns: "tctl-peer-" + id, hostIf: "tctl" + id + "h", SSHUser: "root"}
	defer func() {
		if err != nil {
			p.Stop()
			p = nil
		}
	}()
	if err := p.startNetwork(int(b[2])); err != nil {
		return p, err
	}
	if err := p.startDocker(ctx); err != nil {
		return p, err
	}
	if err := p.startSSH(ctx); err != nil {
		return p, err
	}
	return p, nil
}

// startNetwork makes the namespace and a veth pair to it, with a /30 in
// 10.233.255.0/24 (slot chosen at random, retried when taken).
func (p *Peer) startNetwork(seed int) error {
	if err := run("ip", "netns", "add", p.netns); err != nil {
		return err
	}
	peerIf := "tctl" + p.id + "p"
	if err := run("ip", "link", "add", p.hostIf, "type", "veth", "peer", "name", peerIf); err != nil {
		return err
	}
	if err := run("ip", "link", "set", peerIf, "netns", p.netns); err != nil {
		return err
	}
	var hostIP, peerIP string
	for i := 0; i < 64; i++ {
		slot := (seed + i) % 64
		hostIP, peerIP = fmt.Sprintf("10.233.255.%d", slot*4+1), fmt.Sprintf("10.233.255.%d", slot*4+2)
		if run("ip", "addr", "add", hostIP+"/30", "dev", p.hostIf) == nil {
			break
		}
		hostIP = ""
	}
	if hostIP == "" {
		return errors.New("testpeer: no free /30 in 10.233.255.0/24")
	}
	steps := [][]string{
		{"ip", "link", "set", p.hostIf, "up"},
		{"ip", "netns", "exec", p.netns, "ip", "addr", "add", peerIP + "/30", "dev", peerIf},
		{"ip", "netns", "exec", p.netns, "ip", "link", "set", peerIf, "up"},
		{"ip", "netns", "exec", p.netns, "ip", "link", "set", "lo", "up"},
	}
	for _, s := range steps {
		if err := run(s[0], s[1:]...); err != nil {
			return err
		}
	}
	p.SSHAddr = net.JoinHostPort(peerIP, "22")
	return nil
}

// inNetns returns a command run in the peer's network namespace. nsenter
// (unlike ip netns exec) keeps the host's /sys, where dockerd finds the
// cgroup mounts.
func (p *Peer) inNetns(name string, args ...string) *exec.Cmd {
	return exec.Command("nsenter", append([]string{"--net=/var/run/netns/" + p.netns, name}, args...)...)
}

// SetReachable takes the peer's network link down (a partition: packets
// are dropped, nothing answers) or up again.
func (p *Peer) SetReachable(up bool) error {
	state := "down"
	if up {
		state = "up"
	}
	return run("ip", "link", "set", p.hostIf, state)
}

func run(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

// waitFor polls ok until it is true or the time runs out.
func waitFor(ctx context.Context, d time.Duration, what string, ok func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for !ok() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("testpeer: %s did not come up within %s", what, d)
		case <-time.After(200 * time.Millisecond):
		}
	}
	return nil
}

// Run runs a command inside the peer's network namespace (to look at its
// published ports from the peer's side) and returns its output.
func (p *Peer) Run(name string, args ...string) (string, error) {
	out, err := p.inNetns(name, args...).CombinedOutput()
	return string(out), err
}
