package main

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/testenv"
)

// restartEnv enables TestIntegrationEngineRestart, which restarts the
// machine's Docker engine: `make test` runs it on its own, after every
// other test, because a restart disturbs anything else using the engine.
const restartEnv = "TENANTCTL_TEST_ENGINE_RESTART"

// restartEngine stops the running dockerd with SIGTERM — and, should its
// shutdown hang, kills it and its containerd with SIGKILL, as a crash
// would — then starts it again with the same command line and waits until
// it answers.
func restartEngine(t *testing.T) {
	t.Helper()
	out, err := exec.Command("pgrep", "-x", "dockerd").Output()
	if err != nil {
		t.Fatalf("no dockerd process to restart: %v", err)
	}
	pid, _ := strconv.Atoi(strings.Fields(string(out))[0])
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
	children, _ := exec.Command("pgrep", "-P", strconv.Itoa(pid), "-x", "containerd").Output()
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if !waitGone(pid, 45*time.Second) {
		t.Logf("dockerd did not stop within 45 s: killing it")
		syscall.Kill(pid, syscall.SIGKILL)
		for _, f := range strings.Fields(string(children)) {
			if c, err := strconv.Atoi(f); err == nil {
				syscall.Kill(c, syscall.SIGKILL)
			}
		}
		if !waitGone(pid, 15*time.Second) {
			t.Fatal("dockerd survived SIGKILL")
		}
	}
	startEngine(t, args)
}

// waitGone waits until the process has exited. A zombie counts as gone:
// the machine's init may never reap a daemon it did not start.
func waitGone(pid int, limit time.Duration) bool {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return true
		}
		// The state follows the command name in parentheses: "pid (comm) S ...".
		if i := strings.LastIndexByte(string(stat), ')'); i > 0 && strings.HasPrefix(string(stat[i+1:]), " Z") {
			return true
		}
	}
	return false
}

// startEngine starts dockerd detached and waits until it answers.
func startEngine(t *testing.T, args []string) {
	t.Helper()
	log, err := os.OpenFile(os.TempDir()+"/tenantctl-dockerd-restart.log", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	d := exec.Command(args[0], args[1:]...)
	d.Stdout, d.Stderr = log, log
	d.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	d.Process.Release()
	for i := 0; exec.Command("docker", "info").Run() != nil; i++ {
		if i > 180 {
			t.Fatal("dockerd did not come back within 90 s")
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// ensureEngine starts dockerd again if a failed restart left it down, so
// nothing after this test finds the engine gone.
func ensureEngine(t *testing.T, args []string) {
	if exec.Command("docker", "info").Run() == nil {
		return
	}
	if out, err := exec.Command("pgrep", "-x", "dockerd").Output(); err == nil {
		pid, _ := strconv.Atoi(strings.Fields(string(out))[0])
		syscall.Kill(pid, syscall.SIGKILL)
		waitGone(pid, 15*time.Second)
	}
	startEngine(t, args)
}

// TestIntegrationEngineRestart restarts the Docker engine in the middle of
// an apply — of a fresh tenant, and of one that replaces a tenant's
// database and app — and checks that the next apply converges with no
// duplicates and no data lost.
//
// Not parallel: it stops the engine every other test uses.
func TestIntegrationEngineRestart(t *testing.T) {
	testenv.Gate(t, restartEnv, "restarts the machine's Docker engine")
	requireEngine(t, appImage, "tenantctl-example/app:1.0.0", dbImage)
	testenv.Root(t, "restarting the Docker engine")
	out, err := exec.Command("pgrep", "-x", "dockerd").Output()
	if err != nil {
		t.Fatalf("no dockerd process on this machine to restart (pgrep -x dockerd: %v): the test restarts a local dockerd, not a remote engine", err)
	}
	raw, _ := os.ReadFile("/proc/" + strings.Fields(string(out))[0] + "/cmdline")
	args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
	p := newProject(t, map[string]string{"restart": saasTenant("restart", "1.0.0", false)})
	// Registered after the project, so it runs first: the clean-up by
	// label needs the engine.
	t.Cleanup(func() { ensureEngine(t, args) })

	applyDuringRestart := func(after string) {
		t.Helper()
		cmd := exec.Command(binary, "--chdir", p.dir, "apply", "--auto-approve")
		cmd.Env = p.env
		var out syncBuffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(2 * time.Minute); !strings.Contains(out.String(), after); {
			if time.Now().After(deadline) {
				t.Fatalf("apply never reached %q:\n%s", after, out.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		restartEngine(t)
		cmd.Wait() // it may fail or finish: either way the next apply must converge
		p.must(0, "apply", "--auto-approve")
		p.must(0, "plan", "--detailed-exitcode")
		c, n, _ := p.objects()
		v := lines(docker(t, "volume", "ls", "-q", "--filter", "label=tenantctl.project="+p.name, "--filter", "label=tenantctl.kind=volume"))
		if len(c) != 2 || len(n) != 2 || len(v) != 1 {
			var b bytes.Buffer
			b.WriteString(out.String())
			t.Fatalf("after an engine restart: %d containers, %d networks, %d volumes; want 2, 2, 1\n%s", len(c), len(n), len(v), b.String())
		}
	}

	applyDuringRestart("done     start container db")
	r := p.must(0, "apply", "--auto-approve")
	url := urls(t, r.stdout)["restart"]
	before := visits(t, url)
	p.write("tenants/restart.hcl", `tenant "restart" {
  template = "saas"
  vars     = { app_version = "1.1.0", db_memory = "300MiB" }
}
`)
	applyDuringRestart("done     create container db")
	if after := visits(t, url); after != before+1 {
		t.Fatalf("visits %d before the restart, %d after: data lost", before, after)
	}
}
