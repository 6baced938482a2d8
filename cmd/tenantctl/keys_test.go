package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tenantctl/tenantctl/provisioner/status"
)

// oldRelease is the release before key records and the explicit spec
// hash: tenants it made must plan "No changes" with this build.
const oldRelease = "8f68b7a"

// buildOldRelease builds tenantctl as of oldRelease from this repository's
// history. A clone without that commit fails the test: CI clones whole.
func buildOldRelease(t *testing.T) string {
	t.Helper()
	src := t.TempDir()
	extract := exec.Command("sh", "-c", `git -C ../.. archive --format=tar "$0" | tar -x -C "$1"`, oldRelease, src)
	if out, err := extract.CombinedOutput(); err != nil {
		t.Fatalf("git archive %s (is this a full clone?): %v\n%s", oldRelease, err, out)
	}
	bin := filepath.Join(t.TempDir(), "tenantctl-"+oldRelease)
	build := exec.Command("go", "build", "-o", bin, "./cmd/tenantctl")
	build.Dir = src
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the %s release: %v\n%s", oldRelease, err, out)
	}
	return bin
}

// withKey returns a copy of the project that runs with another master key.
func (p *testProject) withKey(key string) *testProject {
	q := *p
	q.env = append(slices.Clone(p.env), "TENANTCTL_MASTER_KEY="+key)
	return &q
}

// ids lists every object of the project by engine ID (volumes by name, with
// their creation time), so a test can tell that nothing was replaced.
func (p *testProject) ids() string {
	containers, networks, volumes := p.objects()
	var vols []string
	for _, v := range volumes {
		vols = append(vols, v+"@"+docker(p.t, "volume", "inspect", "-f", "{{.CreatedAt}}", v))
	}
	slices.Sort(containers)
	slices.Sort(networks)
	slices.Sort(vols)
	return strings.Join(containers, ",") + "|" + strings.Join(networks, ",") + "|" + strings.Join(vols, ",")
}

// requireRefused runs a command that must be refused for the wrong key
// without changing anything on the engine.
func (p *testProject) requireRefused(before string, wantInError []string, args ...string) {
	p.t.Helper()
	r := p.must(1, args...)
	for _, w := range wantInError {
		if !strings.Contains(r.stderr, w) {
			p.t.Errorf("tenantctl %s: stderr lacks %q:\n%s", strings.Join(args, " "), w, r)
		}
	}
	if after := p.ids(); after != before {
		p.t.Errorf("tenantctl %s changed the engine:\nbefore %s\nafter  %s", strings.Join(args, " "), before, after)
	}
}

// TestIntegrationWrongMasterKey is issue 10's acceptance 1 and 2 on the
// real engine: a tenant made by the previous release plans "No changes"
// with this build; with another key plan, apply and destroy exit 1 naming
// the mismatch and change nothing — first for that tenant (judged by its
// secrets), then once this build has recorded its key (judged by the
// record, named by fingerprint), when status shows key-mismatch too.
func TestIntegrationWrongMasterKey(t *testing.T) {
	requireEngine(t, "tenantctl-example/app:1.0.0", dbImage)
	t.Parallel()
	old := buildOldRelease(t)
	p := newProject(t, map[string]string{"acme": `tenant "acme" { template = "saas" }`})
	// The configuration the old release was used with: the upgrade changes
	// the binary, not the project.
	tmpl, err := exec.Command("git", "-C", "../..", "show", oldRelease+":templates/saas.hcl").Output()
	if err != nil {
		t.Fatalf("git show %s:templates/saas.hcl: %v", oldRelease, err)
	}
	p.write("templates/saas.hcl", string(tmpl))
	right, wrong := randomHex(24), randomHex(24)
	p = p.withKey(right)
	bad := p.withKey(wrong)

	oldApply := exec.Command(old, "--chdir", p.dir, "apply", "--auto-approve")
	oldApply.Env = p.env
	if out, err := oldApply.CombinedOutput(); err != nil {
		t.Fatalf("apply by the %s release: %v\n%s", oldRelease, err, out)
	}
	before := p.ids()

	// Acceptance 2: upgrading tenantctl replaces nothing.
	p.must(0, "plan", "--detailed-exitcode")

	// Without a key record, the tenant's secrets show the other key.
	for _, args := range [][]string{{"plan"}, {"apply", "--auto-approve"}, {"destroy", "acme", "--auto-approve"}} {
		bad.requireRefused(before, []string{"wrong master key", "tenant acme on host local was made with another master key", "tenantctl key id"}, args...)
	}

	// The right key's next apply records it, replacing nothing.
	r := p.must(0, "apply", "--auto-approve")
	if !strings.Contains(r.stdout, "No changes") {
		t.Errorf("apply after the upgrade changed something:\n%s", r)
	}
	rightID := strings.TrimSpace(p.must(0, "key", "id").stdout)
	wrongID := strings.TrimSpace(bad.must(0, "key", "id").stdout)
	record := p.name + "_acme_key"
	if got := docker(t, "volume", "inspect", "-f", `{{index .Labels "tenantctl.key-id"}}`, record); got != rightID {
		t.Fatalf("key record %s names %q, want %s", record, got, rightID)
	}
	after := p.ids()
	if strings.Split(after, "|")[0] != strings.Split(before, "|")[0] {
		t.Fatalf("recording the key replaced containers:\nbefore %s\nafter  %s", before, after)
	}
	before = after
	p.must(0, "plan", "--detailed-exitcode")

	for _, args := range [][]string{{"plan"}, {"apply", "--auto-approve"}, {"destroy", "acme", "--auto-approve", "--delete-data"}} {
		bad.requireRefused(before, []string{"tenant acme on host local was made with master key " + rightID, "this project's key is " + wrongID}, args...)
	}
	var rep status.Report
	out := bad.tenantctl("status", "--json")
	if err := json.Unmarshal([]byte(out.stdout), &rep); err != nil {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	if len(rep.Tenants) != 1 || rep.Tenants[0].State != status.KeyMismatch || !strings.Contains(strings.Join(rep.Tenants[0].Reasons, " "), rightID) {
		t.Errorf("status with the wrong key: %+v", rep.Tenants)
	}
	if text := bad.tenantctl("status").stdout; !strings.Contains(text, "key-mismatch") {
		t.Errorf("status table lacks key-mismatch:\n%s", text)
	}
	if st := p.statusJSON(0); st.Tenants[0].State != status.Running {
		t.Errorf("status with the right key: %+v", st.Tenants[0])
	}
	if after := p.ids(); after != before {
		t.Errorf("status changed the engine")
	}
}

// TestIntegrationInitRefusesANewKey: in a project whose engine holds its
// tenants, init without the key refuses to make a new one unless --force.
func TestIntegrationInitRefusesANewKey(t *testing.T) {
	requireEngine(t, "tenantctl-example/app:1.0.0")
	t.Parallel()
	p := newProject(t, map[string]string{"one": `tenant "one" { template = "small" }`})
	p.must(0, "apply", "--auto-approve")
	fresh := *p
	fresh.env = slices.DeleteFunc(slices.Clone(p.env), func(kv string) bool { return strings.HasPrefix(kv, "TENANTCTL_MASTER_KEY=") })
	r := fresh.must(1, "init")
	if !strings.Contains(r.stderr, "already has tenants (one on local)") || !strings.Contains(r.stderr, "--force") {
		t.Errorf("init did not say why:\n%s", r)
	}
	if _, err := os.Stat(filepath.Join(p.dir, ".tenantctl", "master.key")); err == nil {
		t.Fatal("init made a key anyway")
	}
	fresh.must(0, "init", "--force")
	if _, err := os.Stat(filepath.Join(p.dir, ".tenantctl", "master.key")); err != nil {
		t.Fatalf("init --force made no key: %v", err)
	}
}
