package main

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// holdLock makes the tenant's lock volume by hand, as another run would;
// extra are more labels (key=value).
func (p *testProject) holdLock(t *testing.T, tenant, id, holder string, pid int, extra ...string) {
	t.Helper()
	args := []string{"volume", "create",
		"--label", "tenantctl.project=" + p.name, "--label", "tenantctl.tenant=" + tenant, "--label", "tenantctl.kind=lock",
		"--label", "tenantctl.lock.id=" + id, "--label", "tenantctl.lock.holder=" + holder,
		"--label", "tenantctl.lock.pid=" + strconv.Itoa(pid), "--label", "tenantctl.lock.since=2026-12-01T10:00:00Z",
		"--label", "tenantctl.lock.operation=apply"}
	for _, l := range extra {
		args = append(args, "--label", l)
	}
	docker(t, append(args, p.name+"_"+tenant+"_lock")...)
}

// thisPIDNamespace is the lock labels that place a holder in this test's
// PID namespace on this boot (which tenantctl, its child, shares), with a
// start time that no process of the PID has.
func thisPIDNamespace(t *testing.T) []string {
	t.Helper()
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		t.Fatal(err)
	}
	ns, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		t.Fatal(err)
	}
	return []string{"tenantctl.lock.boot-id=" + strings.TrimSpace(string(boot)),
		"tenantctl.lock.pid-ns=" + strings.TrimSuffix(strings.TrimPrefix(ns, "pid:["), "]"),
		"tenantctl.lock.start-time=1"}
}

// lockID is the id on the tenant's lock volume, "" if there is none.
func (p *testProject) lockID(tenant string) string {
	out, err := dockerErr("volume", "inspect", "--format", `{{index .Labels "tenantctl.lock.id"}}`, p.name+"_"+tenant+"_lock")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(out)
}

// TestIntegrationTenantLock: a held lock makes apply fail at once naming
// the holder and changing nothing; --lock-timeout waits for it;
// force-unlock needs the right id; a dead holder on this machine is
// detected; two applies of one tenant never run together.
func TestIntegrationTenantLock(t *testing.T) {
	t.Parallel()
	requireEngine(t, "tenantctl-example/app:1.0.0")
	p := newProject(t, map[string]string{"one": `tenant "one" { template = "small" }`})

	p.holdLock(t, "one", "abcd1234", "dana@other-machine", 4242)
	r := p.must(1, "apply", "--auto-approve")
	for _, want := range []string{"locked by dana@other-machine", "pid 4242", "abcd1234", "force-unlock one abcd1234"} {
		if !strings.Contains(r.stderr, want) {
			t.Fatalf("locked apply does not say %q:\n%s", want, r)
		}
	}
	if c, n, _ := p.objects(); len(c)+len(n) != 0 {
		t.Fatal("a locked apply changed the engine")
	}
	if r := p.must(1, "force-unlock", "one", "wrong-id"); !strings.Contains(r.stderr, "does not match") {
		t.Fatalf("force-unlock with a wrong id: %s", r)
	}
	p.must(0, "force-unlock", "one", "abcd1234")
	p.must(0, "apply", "--auto-approve")

	t.Run("lock-timeout waits for the holder", func(t *testing.T) {
		p.write("tenants/one.hcl", `tenant "one" {
  template = "small"
  labels   = { tier = "gold" }
}`)
		p.holdLock(t, "one", "feed0001", "sam@other-machine", 99)
		go func() {
			time.Sleep(2 * time.Second)
			dockerErr("volume", "rm", p.name+"_one_lock")
		}()
		start := time.Now()
		p.must(0, "apply", "--auto-approve", "--lock-timeout", "30s")
		if time.Since(start) < 2*time.Second {
			t.Fatal("apply did not wait for the lock")
		}
	})

	t.Run("a dead holder on this machine is detected", func(t *testing.T) {
		dead := exec.Command("true")
		if err := dead.Run(); err != nil {
			t.Fatal(err)
		}
		host, _ := os.Hostname()
		p.write("tenants/one.hcl", `tenant "one" { template = "small" }`)
		p.holdLock(t, "one", "dead0001", "root@"+host, dead.Process.Pid, thisPIDNamespace(t)...)
		p.must(0, "apply", "--auto-approve")
	})

	t.Run("a lock without the holder's PID namespace is never broken automatically", func(t *testing.T) {
		dead := exec.Command("true")
		if err := dead.Run(); err != nil {
			t.Fatal(err)
		}
		host, _ := os.Hostname()
		p.write("tenants/one.hcl", `tenant "one" {
  template = "small"
  labels   = { tier = "bronze" }
}`)
		// As an older tenantctl wrote it, or a run in another container
		// with this host name: its PID means nothing here.
		p.holdLock(t, "one", "old00001", "root@"+host, dead.Process.Pid)
		if r := p.must(1, "apply", "--auto-approve"); !strings.Contains(r.stderr, "force-unlock one old00001") {
			t.Fatalf("apply past an old-style lock: %s", r)
		}
		p.must(0, "force-unlock", "one", "old00001")
		p.must(0, "apply", "--auto-approve")
	})

	t.Run("two applies of one tenant never run together", func(t *testing.T) {
		p.write("tenants/one.hcl", `tenant "one" {
  template = "small"
  labels   = { tier = "silver" }
}`)
		var wg sync.WaitGroup
		results := make([]result, 2)
		for i := range results {
			wg.Add(1)
			go func() { defer wg.Done(); results[i] = p.tenantctl("apply", "--auto-approve") }()
		}
		wg.Wait()
		ok := 0
		for _, r := range results {
			switch {
			case r.code == 0:
				ok++
			case r.code == 1 && (strings.Contains(r.stderr, "is locked by") || strings.Contains(r.stderr, "changed on the engine while")):
			default:
				t.Fatalf("concurrent apply: %s", r)
			}
		}
		if ok == 0 {
			t.Fatalf("neither apply succeeded: %v", results)
		}
		p.must(0, "plan", "--detailed-exitcode")
		locks := lines(docker(t, "volume", "ls", "-q", "--filter", "label=tenantctl.project="+p.name, "--filter", "label=tenantctl.kind=lock"))
		if c, n, _ := p.objects(); len(c) != 1 || len(n) != 2 || len(locks) != 0 {
			t.Fatalf("after concurrent applies: %d containers, %d networks, %d locks left", len(c), len(n), len(locks))
		}
	})
}

// TestIntegrationLockTakenOver: when a run's lock is broken and taken by
// another run while the first one works, the first run's release leaves
// the new lock alone and warns.
func TestIntegrationLockTakenOver(t *testing.T) {
	t.Parallel()
	requireEngine(t, "tenantctl-example/app:1.0.0")
	// The app never turns healthy (no database), so apply waits out its
	// health timeout with the lock held.
	p := newProject(t, map[string]string{"one": `tenant "one" { template = "slow" }`})
	p.write("templates/slow.hcl", `template "slow" {
  service "web" {
    image = "tenantctl-example/app:1.0.0"
    env   = { DATABASE_URL = "postgres://none@127.0.0.1:1/none" }
    port "http" { container = 8080 }
    health {
      http     = "/healthz"
      interval = "1s"
      retries  = 1000
    }
  }
}
`)
	done := make(chan result, 1)
	go func() { done <- p.tenantctl("apply", "--auto-approve", "--health-timeout", "15s") }()
	deadline := time.Now().Add(10 * time.Second)
	for p.lockID("one") == "" {
		if time.Now().After(deadline) {
			t.Fatalf("apply took no lock: %s", <-done)
		}
		time.Sleep(50 * time.Millisecond)
	}
	first := p.lockID("one")
	p.must(0, "force-unlock", "one", first)
	p.holdLock(t, "one", "feed0002", "sam@other-machine", 4242)

	r := <-done
	for _, want := range []string{"Warning: the lock " + first + " of tenant one was broken", "sam@other-machine (pid 4242, apply) holds it now as lock id feed0002"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("apply whose lock was taken over does not say %q:\n%s", want, r)
		}
	}
	if got := p.lockID("one"); got != "feed0002" {
		t.Fatalf("the new holder's lock is %q after the old run released, want feed0002", got)
	}
}
