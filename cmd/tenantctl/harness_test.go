package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mathrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tenantctl/tenantctl/provisioner/testenv"
)

// binary is the tenantctl binary built once for the integration tests.
var binary string

// binaryEnv hands the built binary to a child test binary (see
// TestIntegrationMissingPrerequisitesFail), which then need not build it.
const binaryEnv = "TENANTCTL_TEST_BINARY"

func TestMain(m *testing.M) {
	if binary = os.Getenv(binaryEnv); binary != "" {
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "tenantctl-bin-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "tenantctl")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building tenantctl:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// requireEngine skips integration tests under -short, and fails when the
// engine does not answer or an example image is missing.
func requireEngine(t *testing.T, images ...string) {
	t.Helper()
	testenv.Images(t, images...)
}

// testProject is a throwaway project directory with its own project name,
// so its resources are found, and removed, by label.
type testProject struct {
	t    *testing.T
	dir  string
	name string
	env  []string
	// settings go in the project block: the project's own network pool
	// and port range.
	settings string
}

// projectBlock is the project block of tenantctl.hcl.
func (p *testProject) projectBlock() string {
	return fmt.Sprintf("project %q {\n%s}\n", p.name, p.settings)
}

// slotMu guards nextSlot, the next network pool and port range
// projectSettings hands out.
var (
	slotMu   sync.Mutex
	nextSlot = -1
)

// projectSettings gives each test project its own network pool (a /20 of
// 10.220.0.0/14: 128 /27 networks) and port range (250 ports of
// 20000-29999), taken in turn from a random start. Tests run in parallel:
// tenantctl skips the subnets and ports in use on the host, but two plans
// made at the same moment do not see each other's, and their applies
// would then fight over one subnet.
func projectSettings() string {
	slotMu.Lock()
	if nextSlot < 0 {
		nextSlot = mathrand.IntN(1 << 16)
	}
	n := nextSlot
	nextSlot++
	slotMu.Unlock()
	pool, ports := n%64, n%40
	return fmt.Sprintf("  network_pool = \"10.%d.%d.0/20\"\n  port_range   = [%d, %d]\n",
		220+pool/16, pool%16*16, 20000+ports*250, 20000+ports*250+249)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// getenv looks a variable up in the project's environment.
func (p *testProject) getenv(name string) string {
	for _, kv := range p.env {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v
		}
	}
	return ""
}

// newProject writes tenantctl.hcl, the repository's templates and the given
// tenant files, and registers a label-based clean-up.
func newProject(t *testing.T, tenants map[string]string) *testProject {
	t.Helper()
	p := &testProject{t: t, dir: t.TempDir(), name: "it-" + randomHex(3)}
	p.env = append(os.Environ(), "TENANTCTL_MASTER_KEY="+randomHex(24), "NO_COLOR=1")
	p.settings = projectSettings()
	p.write("tenantctl.hcl", p.projectBlock()+"host \"local\" {}\n")
	tmpl, err := os.ReadFile("../../templates/saas.hcl")
	if err != nil {
		t.Fatal(err)
	}
	p.write("templates/saas.hcl", string(tmpl))
	p.write("templates/small.hcl", smallTemplate)
	for name, body := range tenants {
		p.write("tenants/"+name+".hcl", body)
	}
	t.Cleanup(p.cleanup)
	return p
}

// smallTemplate is one tiny container per tenant: the example app with no
// database behind it (it starts anyway), and no health check.
const smallTemplate = `template "small" {
  service "web" {
    image = "tenantctl-example/app:1.0.0"
    env   = { TENANT_NAME = tenant.name, DATABASE_URL = "postgres://none@127.0.0.1:1/none" }
    port "http" { container = 8080 }
    resources { memory = "32MiB" }
  }
}
`

func (p *testProject) write(name, text string) {
	p.t.Helper()
	path := filepath.Join(p.dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// result is what a run of tenantctl printed and its exit code.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// tenantctl runs the binary in the project directory.
func (p *testProject) tenantctl(args ...string) result {
	p.t.Helper()
	cmd := exec.Command(binary, append([]string{"--chdir", p.dir}, args...)...)
	cmd.Env = p.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		p.t.Fatal(err)
	}
	return result{out.String(), errb.String(), code}
}

// must runs tenantctl and fails the test unless it exits with want.
func (p *testProject) must(want int, args ...string) result {
	p.t.Helper()
	r := p.tenantctl(args...)
	if r.code != want {
		p.t.Fatalf("tenantctl %s: want exit %d, got %s", strings.Join(args, " "), want, r)
	}
	return r
}

// docker runs the docker CLI and returns its trimmed output.
func docker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// lines splits output into non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// objects lists the project's containers, networks and volumes by label.
func (p *testProject) objects() (containers, networks, volumes []string) {
	filter := "label=tenantctl.project=" + p.name
	containers = lines(docker(p.t, "ps", "-aq", "--filter", filter))
	networks = lines(docker(p.t, "network", "ls", "-q", "--filter", filter))
	volumes = lines(docker(p.t, "volume", "ls", "-q", "--filter", filter))
	return
}

// cleanup removes everything labelled with the project's name, and only that.
func (p *testProject) cleanup() {
	containers, networks, volumes := p.objects()
	if len(containers) > 0 {
		docker(p.t, append([]string{"rm", "-f"}, containers...)...)
	}
	if len(networks) > 0 {
		docker(p.t, append([]string{"network", "rm"}, networks...)...)
	}
	if len(volumes) > 0 {
		docker(p.t, append([]string{"volume", "rm", "-f"}, volumes...)...)
	}
}

// container is the name of a tenant's service container.
func (p *testProject) container(tenant, service string) string {
	return p.name + "_" + tenant + "_" + service
}

// dockerErr runs the docker CLI and returns its output and error.
func dockerErr(args ...string) (string, error) {
	out, err := exec.Command("docker", args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}
