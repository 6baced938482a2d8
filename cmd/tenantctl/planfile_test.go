package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestIntegrationSavedPlan: a saved plan applies as made, and refuses once
// the engine changed; apply with no terminal needs --auto-approve.
func TestIntegrationSavedPlan(t *testing.T) {
	t.Parallel()
	requireEngine(t, "tenantctl-example/app:1.0.0")
	p := newProject(t, map[string]string{"one": `tenant "one" { template = "small" }`})

	r := p.must(1, "apply")
	if !strings.Contains(r.stderr, "--auto-approve") {
		t.Fatalf("apply without a terminal: %s", r)
	}
	if c, n, v := p.objects(); len(c)+len(n)+len(v) != 0 {
		t.Fatal("a refused apply changed the engine")
	}

	planFile := filepath.Join(p.dir, "one.tfplan")
	p.must(2, "plan", "--detailed-exitcode", "--out", planFile)
	if info, err := os.Stat(planFile); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("plan file: %v %v", info, err)
	}
	stale := filepath.Join(p.dir, "stale.tfplan")
	p.must(0, "plan", "--out", stale)
	p.must(0, "apply", planFile)
	p.must(0, "plan", "--detailed-exitcode")

	// The engine changed since stale.tfplan was made: it must not apply.
	r = p.must(1, "apply", stale)
	if !strings.Contains(r.stderr, "stale") {
		t.Fatalf("stale plan: %s", r)
	}
}

// TestIntegrationInterruptConverges: SIGINT during apply stops new work,
// exits 130, and the next apply converges with no duplicates.
func TestIntegrationInterruptConverges(t *testing.T) {
	t.Parallel()
	requireEngine(t, "tenantctl-example/app:1.0.0")
	tenants := map[string]string{}
	for _, n := range []string{"i1", "i2", "i3", "i4", "i5", "i6"} {
		tenants[n] = `tenant "` + n + `" { template = "small" }`
	}
	p := newProject(t, tenants)
	cmd := exec.Command(binary, "--chdir", p.dir, "apply", "--auto-approve", "--parallelism", "1")
	cmd.Env = p.env
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(out.String(), "create container web") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Fatalf("interrupted apply: %v\n%s", err, out.String())
	}
	if containers, _, _ := p.objects(); len(containers) >= 6 {
		t.Fatalf("the interrupted apply went on to the end (%d containers)", len(containers))
	}
	p.must(0, "apply", "--auto-approve")
	p.must(0, "plan", "--detailed-exitcode")
	containers, networks, _ := p.objects()
	if len(containers) != 6 || len(networks) != 12 {
		t.Fatalf("after converging: %d containers, %d networks; want 6 and 12", len(containers), len(networks))
	}
}

// syncBuffer is a buffer safe to write from a child's output pipes while
// the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
