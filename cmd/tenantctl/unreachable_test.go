package main

import (
	"bytes"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestIntegrationSSHUnreachable (acceptance 5): the SSH host drops off
// the network in the middle of an apply (its link goes down: packets are
// lost, nothing answers). The run ends with a clear error well within the
// timeout, the local tenant is fine, plan says which tenant could not be
// planned, and once the host is back a later apply converges.
func TestIntegrationSSHUnreachable(t *testing.T) {
	t.Parallel()
	requireEngine(t, appImage, dbImage)
	peer := startPeer(t)
	p := newProject(t, map[string]string{
		"ul": pinned("ul", "small", "local"),
		"ur": pinned("ur", "saas", "peer"),
	})
	p.projectHCL("host \"local\" {}\n", sshHostHCL("peer", peer, "", "", ""))

	cmd := exec.Command(binary, "--chdir", p.dir, "apply", "--auto-approve", "--health-timeout", "2m")
	cmd.Env = p.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// Cut the link once ur's database container exists on the peer: the
	// apply is then waiting for it to become healthy.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if names, _ := peer.Docker("ps", "-a", "--format", "{{.Names}}"); strings.Contains(names, p.container("ur", "db")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ur's database never appeared on the peer:\n%s", out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := peer.SetReachable(false); err != nil {
		t.Fatal(err)
	}
	cut := time.Now()
	select {
	case err := <-done:
		if err == nil {
			t.Fatalf("apply succeeded although the peer went away:\n%s", out.String())
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("apply did not end within 60s of the peer going away:\n%s", out.String())
	}
	t.Logf("apply ended %s after the cut", time.Since(cut).Round(time.Second))
	if !strings.Contains(out.String(), "1 tenant(s) failed: ur") {
		t.Errorf("apply should name ur as failed:\n%s", out.String())
	}
	if state := docker(t, "inspect", "--format", "{{.State.Status}}", p.container("ul", "web")); state != "running" {
		t.Errorf("the local tenant's container is %s", state)
	}

	start := time.Now()
	r := p.must(1, "plan")
	if !strings.Contains(r.stdout, "tenant ur on host peer: host unreachable") || !strings.Contains(r.stderr, "host peer") {
		t.Errorf("plan should say ur's host is unreachable:\n%s", r)
	}
	if time.Since(start) > 20*time.Second {
		t.Errorf("plan took %s with the peer unreachable", time.Since(start))
	}

	// Status carries on too: the local tenant as usual, ur unreachable.
	r = p.must(1, "status")
	if !regexp.MustCompile(`(?m)^ul\s+running`).MatchString(r.stdout) || !regexp.MustCompile(`(?m)^ur\s+unreachable`).MatchString(r.stdout) {
		t.Errorf("status with the peer unreachable:\n%s", r)
	}
	p.must(3, "status", "--fail-unhealthy")

	if err := peer.SetReachable(true); err != nil {
		t.Fatal(err)
	}
	p.must(0, "apply", "--auto-approve")
	p.must(0, "plan", "--detailed-exitcode")
	p.must(0, "status", "--fail-unhealthy")
}
