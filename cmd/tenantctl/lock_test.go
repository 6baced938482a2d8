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

// holdLock makes the tenant's lock volume by hand, as another run would.
func (p *testProject) holdLock(t *testing.T, tenant, id, holder string, pid int) {
	t.Helper()
	docker(t, "volume", "create",
		"--label", "tenantctl.project="+p.name, "--label", "tenantctl.tenant="+tenant, "--label", "tenantctl.kind=lock",
		"--label", "tenantctl.lock.id="+id, "--label", "tenantctl.lock.holder="+holder,
		"--label", "tenantctl.lock.pid="+strconv.Itoa(pid), "--label", "tenantctl.lock.since=2026-12-01T10:00:00Z",
		"--label", "tenantctl.lock.operation=apply", p.name+"_"+tenant+"_lock")
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
		p.holdLock(t, "one", "dead0001", "root@"+host, dead.Process.Pid)
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
		if c, n, v := p.objects(); len(c) != 1 || len(n) != 2 || len(v) != 0 {
			t.Fatalf("after concurrent applies: %d containers, %d networks, %d volumes (locks left?)", len(c), len(n), len(v))
		}
	})
}
