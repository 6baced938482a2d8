package main

import (
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// haltedRe finds the step the fault hook halted after: "(tenant step)".
var haltedRe = regexp.MustCompile(`fault injection: halted after step \d+ \((.*)\)`)

// killAtStep runs apply with the fault hook, waits until it halts after
// step n, and kills it with SIGKILL. It returns the step it halted after
// ("crash create container db"), or false when apply finished before
// reaching step n (there are fewer steps).
func (p *testProject) killAtStep(t *testing.T, n int) (string, bool) {
	t.Helper()
	cmd := exec.Command(binary, "--chdir", p.dir, "apply", "--auto-approve")
	cmd.Env = append(p.env, fmt.Sprintf("%s=%d", faultEnv, n))
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(2 * time.Minute)
	for {
		select {
		case <-exited:
			if strings.Contains(out.String(), "Apply complete") {
				return "", false
			}
			t.Fatalf("apply died on its own before step %d:\n%s", n, out.String())
		case <-deadline:
			cmd.Process.Kill()
			t.Fatalf("apply never halted at step %d:\n%s", n, out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if m := haltedRe.FindStringSubmatch(out.String()); m != nil {
			cmd.Process.Signal(syscall.SIGKILL)
			<-exited
			return m[1], true
		}
	}
}

// converged checks that apply repairs everything, the plan is then empty,
// and the tenant has exactly its objects: no duplicates. (The killed run's
// lock may remain until the next run that needs it breaks it: its holder
// is dead, which the next locker detects.)
func (p *testProject) converged(t *testing.T, step int) {
	t.Helper()
	p.must(0, "apply", "--auto-approve")
	p.must(0, "plan", "--detailed-exitcode")
	c, n, _ := p.objects()
	v := lines(docker(t, "volume", "ls", "-q", "--filter", "label=tenantctl.project="+p.name, "--filter", "label=tenantctl.kind=volume"))
	if len(c) != 2 || len(n) != 2 || len(v) != 1 {
		t.Fatalf("after a kill at step %d and apply: %d containers, %d networks, %d volumes; want 2, 2, 1", step, len(c), len(n), len(v))
	}
}

// pendingBesideOld checks the state a kill right after "create container
// SERVICE beside the old one" leaves: the old container still running
// under its name, the replacement created (never started) under the
// temporary name, and status showing the old one as the service.
func (p *testProject) pendingBesideOld(t *testing.T, service string) {
	t.Helper()
	name := p.container("crash", service)
	if st := docker(t, "inspect", "-f", "{{.State.Status}}", name); st != "running" {
		t.Fatalf("old %s is %s after the replacement was created beside it", name, st)
	}
	// The label stays on a replacement once it is switched in; the
	// temporary name is what tells.
	var pending []string
	for _, c := range lines(docker(t, "ps", "-a", "--format", "{{.Names}} {{.State}} {{.Label \"tenantctl.replacement\"}}", "--filter", "label=tenantctl.project="+p.name)) {
		if strings.HasSuffix(strings.Fields(c)[0], ".next") {
			pending = append(pending, c)
		}
	}
	if want := name + ".next created " + name + ".next"; len(pending) != 1 || pending[0] != want {
		t.Fatalf("replacements beside the old %s: %q, want one, created", name, pending)
	}
	for _, ts := range p.statusJSON(0, "crash").Tenants {
		for _, s := range ts.Services {
			if strings.HasSuffix(s.Container, ".next") || (s.Name == service && (s.Container != name || s.State != "running")) {
				t.Fatalf("status counts the replacement as the service: %+v", ts.Services)
			}
		}
	}
}

// TestIntegrationCrashSafety kills apply with SIGKILL at every step
// boundary — of a fresh tenant's apply, and of an apply that replaces its
// database and app — and checks that the next apply converges to exactly
// the desired objects with no data lost. A replace has three boundaries of
// its own: after the new container is created beside the old one, after
// the old one is removed, and after the new one is renamed into place. The
// two halves are two projects, in parallel.
func TestIntegrationCrashSafety(t *testing.T) {
	t.Parallel()
	requireEngine(t, appImage, "tenantctl-example/app:1.0.0", dbImage)
	t.Run("fresh apply", func(t *testing.T) {
		t.Parallel()
		p := newProject(t, map[string]string{"crash": saasTenant("crash", "1.0.0", false)})
		fresh := 0
		for step := 1; ; step++ {
			if _, ok := p.killAtStep(t, step); !ok {
				break
			}
			fresh++
			p.converged(t, step)
			p.must(0, "destroy", "crash", "--auto-approve", "--delete-data")
		}
		if fresh < 9 {
			t.Fatalf("only %d step boundaries in a fresh apply, want at least 9", fresh)
		}
		t.Logf("killed and converged: %d steps of a fresh apply", fresh)
	})

	t.Run("replacing apply", func(t *testing.T) {
		t.Parallel()
		p := newProject(t, map[string]string{"crash": saasTenant("crash", "1.0.0", false)})
		r := p.must(0, "apply", "--auto-approve")
		url := urls(t, r.stdout)["crash"]
		count := visits(t, url)
		replaced, besides := 0, 0
		for step := 1; ; step++ {
			// A new database memory limit and app version force both to be replaced.
			version := []string{"1.1.0", "1.0.0"}[step%2]
			p.write("tenants/crash.hcl", fmt.Sprintf(`tenant "crash" {
  template = "saas"
  vars     = { app_version = %q, db_memory = "%dMiB" }
}
`, version, 200+step))
			halted, ok := p.killAtStep(t, step)
			if !ok {
				break
			}
			replaced++
			if service, beside := strings.CutSuffix(strings.TrimPrefix(halted, "crash create container "), " beside the old one"); beside {
				besides++
				p.pendingBesideOld(t, service)
			}
			p.converged(t, step)
			now := visits(t, url)
			if now != count+1 {
				t.Fatalf("after a kill at step %d: %d visits, want %d: data lost", step, now, count+1)
			}
			count = now
		}
		if replaced < 10 || besides != 2 {
			t.Fatalf("%d step boundaries in a replacing apply, %d of them after creating a replacement beside the old container; want at least 10, and 2", replaced, besides)
		}
		t.Logf("killed and converged: %d steps of a replacing apply", replaced)
	})
}
