package testpeer

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// sshdConfig lets root in with the generated user key only, allows
// forwarding to unix sockets (direct-streamlocal: how the Docker client
// reaches the engine's socket) and to TCP ports (HTTP health probes of
// published ports), and refuses agent forwarding.
const sshdConfig = `ListenAddress %s
HostKey %s
PidFile %s
AuthorizedKeysFile %s
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowStreamLocalForwarding yes
AllowTcpForwarding yes
AllowAgentForwarding no
X11Forwarding no
MaxStartups 100
LogLevel VERBOSE
`

// GenerateKey writes a new passphrase-less ed25519 key pair at path and
// path.pub.
func GenerateKey(path string) error {
	return run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "tenantctl-test", "-f", path)
}

// startSSH generates the host and user keys, writes sshd_config and
// known_hosts and runs sshd in the namespace in front of dockerd.
func (p *Peer) startSSH(ctx context.Context) error {
	hostKey := filepath.Join(p.Dir, "ssh_host_ed25519_key")
	p.IdentityFile = filepath.Join(p.Dir, "id_ed25519")
	for _, k := range []string{hostKey, p.IdentityFile} {
		if err := GenerateKey(k); err != nil {
			return err
		}
	}
	pub, err := os.ReadFile(p.IdentityFile + ".pub")
	if err != nil {
		return err
	}
	authorized := filepath.Join(p.Dir, "authorized_keys")
	if err := os.WriteFile(authorized, pub, 0o600); err != nil {
		return err
	}
	hostPub, err := os.ReadFile(hostKey + ".pub")
	if err != nil {
		return err
	}
	fields := strings.Fields(string(hostPub))
	host, _, _ := net.SplitHostPort(p.SSHAddr)
	p.KnownHostsFile = filepath.Join(p.Dir, "known_hosts")
	if err := os.WriteFile(p.KnownHostsFile, []byte(host+" "+fields[0]+" "+fields[1]+"\n"), 0o600); err != nil {
		return err
	}
	fp, err := exec.Command("ssh-keygen", "-l", "-E", "sha256", "-f", hostKey+".pub").Output()
	if err != nil {
		return err
	}
	p.HostKeyFingerprint = strings.Fields(string(fp))[1]

	cfg := filepath.Join(p.Dir, "sshd_config")
	text := fmt.Sprintf(sshdConfig, p.SSHAddr, hostKey, filepath.Join(p.Dir, "sshd.pid"), authorized)
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		return err
	}
	// sshd's privilege separation needs this directory.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		return err
	}
	logf, err := os.Create(filepath.Join(p.Dir, "sshd.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	p.sshd = p.inNetns(sshdPath, "-D", "-e", "-f", cfg)
	p.sshd.Stdout, p.sshd.Stderr = logf, logf
	if err := startInOwnGroup(p.sshd); err != nil {
		return err
	}
	go p.sshd.Wait()
	return waitFor(ctx, 20*time.Second, "the peer's sshd", func() bool {
		c, err := net.DialTimeout("tcp", p.SSHAddr, time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
}

// SSHLog is what the peer's sshd has logged so far.
func (p *Peer) SSHLog() string {
	b, _ := os.ReadFile(filepath.Join(p.Dir, "sshd.log"))
	return string(b)
}

// Stop stops sshd and dockerd, removes the namespace and the peer's
// directory. It is safe to call on a half-started peer.
func (p *Peer) Stop() error {
	if p.sshd != nil && p.sshd.Process != nil {
		signalGroup(p.sshd.Process.Pid, syscall.SIGTERM)
	}
	p.stopDocker()
	killStrays(p.Dir)
	if p.netns != "" {
		run("ip", "netns", "del", p.netns)
	}
	if p.hostIf != "" {
		run("ip", "link", "del", p.hostIf) // normally gone with the namespace
	}
	unmountUnder(p.Dir)
	return os.RemoveAll(p.Dir)
}

// killStrays kills processes whose command line names dir (a containerd
// or shim left by a dockerd that had to be killed).
func killStrays(dir string) {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && strings.Contains(string(b), dir+"/") {
			killProcess(pid)
		}
	}
}

// unmountUnder lazily unmounts whatever is still mounted below dir.
func unmountUnder(dir string) {
	b, _ := os.ReadFile("/proc/self/mounts")
	lines := strings.Split(string(b), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		f := strings.Fields(lines[i])
		if len(f) > 1 && strings.HasPrefix(f[1], dir+"/") {
			unmountLazily(f[1])
		}
	}
}

// DropSSHConnections kills the peer's sshd session processes but not the
// listener, so every established SSH connection is cut, as when the host
// restarts sshd or a firewall forgets the flow, while new connections are
// still accepted. It returns how many sessions it cut, once they are gone.
func (p *Peer) DropSSHConnections() (int, error) {
	if p.sshd == nil || p.sshd.Process == nil {
		return 0, fmt.Errorf("testpeer: sshd is not running")
	}
	sessions := childrenOf(p.sshd.Process.Pid)
	for _, pid := range sessions {
		killProcess(pid)
	}
	err := waitFor(context.Background(), 10*time.Second, "the end of the cut SSH sessions", func() bool {
		for _, pid := range sessions {
			if alive(pid) {
				return false
			}
		}
		return true
	})
	return len(sessions), err
}

// childrenOf lists the processes whose parent is pid.
func childrenOf(pid int) []int {
	var out []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces and parentheses.
		fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			out = append(out, child)
		}
	}
	return out
}
