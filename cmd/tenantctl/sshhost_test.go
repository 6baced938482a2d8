package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tenantctl/tenantctl/provisioner/testpeer"
)

// TestIntegrationSSHSplit (acceptance 1 and 4): tenants split over the
// local engine and an SSH host. The SSH host starts with no image at all,
// so apply streams both images to it from the local engine; the plan then
// shows no changes, both tenants are healthy, and each tenant's containers
// are only on its own host's engine.
func TestIntegrationSSHSplit(t *testing.T) {
	t.Parallel()
	requireEngine(t, appImage, dbImage)
	peer := startPeer(t)
	p := newProject(t, map[string]string{
		"alpha": saasTenant("alpha", "1.1.0", false) + "", // on local (the first host)
		"beta":  strings.Replace(saasTenant("beta", "1.1.0", false), "protect", "host     = \"peer\"\n  protect", 1),
	})
	p.projectHCL("host \"local\" {}\n", sshHostHCL("peer", peer, "", "", ""))
	if out, _ := peer.Docker("images", "-q"); out != "" {
		t.Fatalf("the peer should start without images, has:\n%s", out)
	}

	plan := p.must(0, "plan")
	for _, want := range []string{"tenant alpha on host local (new)", "tenant beta on host peer (new)"} {
		if !strings.Contains(plan.stdout, want) {
			t.Fatalf("plan lacks %q:\n%s", want, plan)
		}
	}
	r := p.must(0, "apply", "--auto-approve")
	for _, img := range []string{appImage, dbImage} {
		if !strings.Contains(r.stdout, "image "+img+" → host peer: done") {
			t.Errorf("apply did not report copying %s to the peer:\n%s", img, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "→ host local") {
		t.Errorf("an image was copied to the local host:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "Apply complete") {
		t.Fatalf("apply did not complete:\n%s", r)
	}
	p.must(0, "plan", "--detailed-exitcode")

	local, remote := localContainers(t, p.name), peerContainers(t, peer, p.name)
	if !hasPrefixed(local, p.name+"_alpha_") || hasPrefixed(local, p.name+"_beta_") {
		t.Errorf("local engine holds %v: want alpha's containers only", local)
	}
	if !hasPrefixed(remote, p.name+"_beta_") || hasPrefixed(remote, p.name+"_alpha_") {
		t.Errorf("peer engine holds %v: want beta's containers only", remote)
	}
	for _, c := range []string{p.container("beta", "db"), p.container("beta", "app")} {
		state, err := peer.Docker("inspect", "--format", "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}", c)
		if err != nil || !strings.HasPrefix(state, "running") || strings.Contains(state, "unhealthy") {
			t.Errorf("%s on the peer: %q %v", c, state, err)
		}
	}
	// beta's page answers on the peer's own loopback, with its database.
	port, err := peer.Docker("inspect", "--format", `{{(index (index .NetworkSettings.Ports "8080/tcp") 0).HostPort}}`, p.container("beta", "app"))
	if err != nil {
		t.Fatal(err)
	}
	page, err := peer.Run("curl", "-sf", "http://127.0.0.1:"+port+"/")
	if err != nil || !strings.Contains(page, "tenant: beta") || !strings.Contains(page, "visits:") {
		t.Errorf("beta's page on the peer: %v\n%s", err, page)
	}
	// A second apply transfers nothing.
	r = p.must(0, "apply", "--auto-approve")
	if strings.Contains(r.stdout, "copying") || !strings.Contains(r.stdout, "No changes") {
		t.Errorf("second apply:\n%s", r)
	}
}

// TestIntegrationSSHHostKeys (acceptance 2): an unknown host key is
// refused with its fingerprint (and `hosts trust` fixes it), a tampered
// known_hosts entry fails with exit code 6 and not one Docker call on the
// host, and a wrong user key fails with an authentication error.
func TestIntegrationSSHHostKeys(t *testing.T) {
	t.Parallel()
	requireEngine(t, "tenantctl-example/app:1.0.0")
	peer := startPeer(t)
	p := newProject(t, map[string]string{
		"gamma": pinned("gamma", "small", "peer"),
		"delta": pinned("delta", "small", "local"),
	})
	dir := t.TempDir()

	// Unknown: an empty known_hosts. The local tenant is still planned.
	known := filepath.Join(dir, "known_hosts")
	p.projectHCL("host \"local\" {}\n", sshHostHCL("peer", peer, known, "", ""))
	r := p.must(1, "plan")
	if !strings.Contains(r.stderr, peer.HostKeyFingerprint) || !strings.Contains(r.stderr, "tenantctl hosts trust") {
		t.Errorf("unknown host: want the fingerprint and the way to trust it:\n%s", r)
	}
	if !strings.Contains(r.stdout, "tenant delta on host local (new)") || !regexp.MustCompile(`tenant gamma on host peer: host unreachable: .*unknown host key`).MatchString(r.stdout) {
		t.Errorf("unknown host: plan should go on for local and name gamma as not planned:\n%s", r)
	}
	// hosts trust without a terminal needs --yes; with it, the key is added.
	p.must(1, "hosts", "trust", "peer")
	r = p.must(0, "hosts", "trust", "peer", "--yes")
	if !strings.Contains(r.stdout, peer.HostKeyFingerprint) {
		t.Errorf("hosts trust should show the fingerprint:\n%s", r)
	}
	p.must(0, "plan")
	r = p.must(0, "hosts")
	if !regexp.MustCompile(`peer\s+ssh://\S+\s+yes\s+20\.\S+\s+1/-`).MatchString(r.stdout) {
		t.Errorf("hosts should show the peer reachable with its engine version and 1 tenant:\n%s", r)
	}

	// Tampered: another key under the peer's address.
	other := filepath.Join(dir, "other")
	if err := testpeer.GenerateKey(other); err != nil {
		t.Fatal(err)
	}
	pub, _ := os.ReadFile(other + ".pub")
	host := strings.Fields(readFile(t, peer.KnownHostsFile))[0]
	tampered := filepath.Join(dir, "tampered")
	os.WriteFile(tampered, []byte(host+" "+strings.Join(strings.Fields(string(pub))[:2], " ")+"\n"), 0o600)
	p.projectHCL("host \"local\" {}\n", sshHostHCL("peer", peer, tampered, "", ""))
	calls := peer.DockerCalls()
	for _, cmd := range [][]string{{"plan"}, {"apply", "--auto-approve"}} {
		r = p.must(6, cmd...)
		if !strings.Contains(r.stderr, "HOST KEY CHANGED") {
			t.Errorf("%s with a tampered known_hosts:\n%s", cmd[0], r)
		}
	}
	if after := peer.DockerCalls(); after != calls {
		t.Errorf("the peer's engine served %d calls despite the changed host key", after-calls)
	}
	if c := localContainers(t, p.name); len(c) != 0 {
		t.Errorf("apply changed the local engine despite the changed host key: %v", c)
	}

	// Wrong user key.
	p.projectHCL("host \"local\" {}\n", sshHostHCL("peer", peer, "", other, ""))
	r = p.must(1, "plan")
	if !strings.Contains(r.stderr, "authentication") || !strings.Contains(r.stderr, "host peer") {
		t.Errorf("wrong user key: want a clear authentication error:\n%s", r)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestIntegrationSmokeOnSSHHost: a smoke tenant placed on an SSH host is
// made on that host's engine — not on the local one, as smoke did when it
// connected engines by itself — and its images are copied there first.
func TestIntegrationSmokeOnSSHHost(t *testing.T) {
	requireEngine(t, appImage)
	t.Parallel()
	peer := startPeer(t)
	p := newProject(t, nil)
	p.projectHCL(sshHostHCL("peer", peer, "", "", ""))
	p.write("templates/failing.hcl", strings.Replace(smallTemplate, `template "small" {`, `template "failing" {
  check "fails" {
    exec {
      service = "web"
      command = ["false"]
    }
  }`, 1))
	r := p.must(1, "smoke", "--template", "failing", "--keep-on-failure", "--timeout", "2m")
	tenant := smokeTenant(t, r.stdout)
	if !strings.Contains(r.stdout, "host peer") || !strings.Contains(r.stdout, "→ host peer: done") {
		t.Errorf("smoke did not run on the peer, copying its image first:\n%s", r)
	}
	if !hasPrefixed(peerContainers(t, peer, p.name), p.name+"_"+tenant+"_") {
		t.Errorf("the smoke tenant's containers are not on the peer: %v", peerContainers(t, peer, p.name))
	}
	if local := localContainers(t, p.name); len(local) > 0 {
		t.Errorf("the smoke tenant's containers are on the local engine: %v", local)
	}
	p.must(0, "destroy", tenant, "--auto-approve", "--delete-data")
	if left := peerContainers(t, peer, p.name); len(left) > 0 {
		t.Errorf("left on the peer: %v", left)
	}
}
