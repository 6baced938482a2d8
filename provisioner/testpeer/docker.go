package testpeer

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// startDocker runs the peer's dockerd in its namespace with its own data
// root, exec root (and so its own managed containerd), pidfile, socket and
// address pool. Its iptables rules live in the namespace's own tables, so
// it never touches the main engine's. --debug logs every API request,
// which DockerCalls counts.
func (p *Peer) startDocker(ctx context.Context) error {
	p.DockerSocket = filepath.Join(p.Dir, "docker.sock")
	cfg := filepath.Join(p.Dir, "daemon.json")
	if err := os.WriteFile(cfg, []byte("{}\n"), 0o644); err != nil {
		return err
	}
	p.dockerLog = filepath.Join(p.Dir, "dockerd.log")
	logf, err := os.Create(p.dockerLog)
	if err != nil {
		return err
	}
	defer logf.Close()
	p.dockerd = p.inNetns("dockerd",
		"--config-file", cfg,
		"--data-root", filepath.Join(p.Dir, "data"),
		"--exec-root", filepath.Join(p.Dir, "exec"),
		"--pidfile", filepath.Join(p.Dir, "dockerd.pid"),
		"-H", "unix://"+p.DockerSocket,
		"--storage-driver", storageDriver(),
		"--bridge=none",
		"--default-address-pool", "base=10.233.0.0/16,size=24",
		"--debug",
	)
	p.dockerd.Stdout, p.dockerd.Stderr = logf, logf
	if err := startInOwnGroup(p.dockerd); err != nil {
		return err
	}
	go p.dockerd.Wait()
	err = waitFor(ctx, 60*time.Second, "the peer's dockerd", func() bool {
		_, err := p.Docker("version", "--format", "{{.Server.Version}}")
		return err == nil
	})
	if err != nil {
		return fmt.Errorf("%w\n%s", err, tail(p.dockerLog, 20))
	}
	return nil
}

// storageDriver is the main engine's storage driver (what works on this
// machine's file systems), else vfs.
func storageDriver() string {
	if d := os.Getenv("TENANTCTL_TESTPEER_STORAGE_DRIVER"); d != "" {
		return d
	}
	out, err := exec.Command("docker", "info", "--format", "{{.Driver}}").Output()
	switch d := strings.TrimSpace(string(out)); {
	case err == nil && (d == "overlay2" || d == "fuse-overlayfs" || d == "vfs" || d == "btrfs"):
		return d
	default:
		return "vfs"
	}
}

// Docker runs the docker CLI against the peer's engine (directly on its
// socket: the tests look at the peer from the side; tenantctl reaches it
// only through SSH).
func (p *Peer) Docker(args ...string) (string, error) {
	cmd := exec.Command("docker", append([]string{"-H", "unix://" + p.DockerSocket}, args...)...)
	cmd.Env = append(os.Environ(), "DOCKER_CONTEXT=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("docker %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return strings.TrimSpace(string(out)), nil
}

// DockerCalls is the number of API requests the peer's engine has served.
func (p *Peer) DockerCalls() int { return p.DockerRequests("") }

// DockerRequests is the number of API requests the peer's engine has
// served whose method and path contain s, e.g. "POST" or "/images/create"
// (a pull).
func (p *Peer) DockerRequests(s string) int {
	f, err := os.Open(p.dockerLog)
	if err != nil {
		return -1
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		_, call, ok := strings.Cut(sc.Text(), `msg="Calling `)
		if ok && strings.Contains(call, s) {
			n++
		}
	}
	return n
}

// stopDocker removes every container on the peer (all of them are the
// tests'), then stops dockerd, which stops its containerd.
func (p *Peer) stopDocker() {
	if p.dockerd == nil || p.dockerd.Process == nil {
		return
	}
	if ids, err := p.Docker("ps", "-aq"); err == nil && ids != "" {
		p.Docker(append([]string{"rm", "-f"}, strings.Fields(ids)...)...)
	}
	p.dockerd.Process.Signal(syscall.SIGTERM)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && alive(p.dockerd.Process.Pid) {
		time.Sleep(200 * time.Millisecond)
	}
	if alive(p.dockerd.Process.Pid) {
		signalGroup(p.dockerd.Process.Pid, syscall.SIGKILL)
	}
}

// alive reports whether pid runs (and is not a zombie).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	fields := strings.Fields(string(b))
	return len(fields) > 2 && fields[2] != "Z"
}

// tail returns the last n lines of a file.
func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
