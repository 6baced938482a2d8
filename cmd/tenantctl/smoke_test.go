package main

import (
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// smokeVariant is templates/saas.hcl renamed to name, with replacements
// (old, new, old, new, ...) applied; each old text must be there.
func smokeVariant(t *testing.T, name string, replace ...string) string {
	t.Helper()
	src, err := os.ReadFile("../../templates/saas.hcl")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(src), `template "saas"`, `template "`+name+`"`, 1)
	for i := 0; i < len(replace); i += 2 {
		if !strings.Contains(text, replace[i]) {
			t.Fatalf("templates/saas.hcl has no %q any more; update the test", replace[i])
		}
		text = strings.ReplaceAll(text, replace[i], replace[i+1])
	}
	return text
}

// junitDoc is the part of a JUnit file the tests read.
type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Suites   []struct {
		Name  string `xml:"name,attr"`
		Tests int    `xml:"tests,attr"`
		Cases []struct {
			Name    string `xml:"name,attr"`
			Time    string `xml:"time,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"error"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func readJUnit(t *testing.T, path string) junitDoc {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc junitDoc
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("invalid JUnit XML: %v\n%s", err, b)
	}
	if len(doc.Suites) != 1 {
		t.Fatalf("want one testsuite:\n%s", b)
	}
	return doc
}

var smokeTenantRE = regexp.MustCompile(`as tenant (smoke-[0-9a-f]{6}) \(`)

// smokeTenant is the tenant name a smoke run announced.
func smokeTenant(t *testing.T, out string) string {
	t.Helper()
	m := smokeTenantRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("the run did not announce its tenant:\n%s", out)
	}
	return m[1]
}

// requireNothingRemains fails unless the project has no object left, and
// none anywhere carries the smoke tenant's name label.
func (p *testProject) requireNothingRemains(tenants ...string) {
	p.t.Helper()
	if c, n, v := p.objects(); len(c)+len(n)+len(v) > 0 {
		p.t.Fatalf("left behind: containers %v, networks %v, volumes %v", c, n, v)
	}
	for _, tenant := range tenants {
		filter := "label=tenantctl.tenant=" + tenant
		left := append(lines(docker(p.t, "ps", "-aq", "--filter", filter)), lines(docker(p.t, "network", "ls", "-q", "--filter", filter))...)
		left = append(left, lines(docker(p.t, "volume", "ls", "-q", "--filter", filter))...)
		if len(left) > 0 {
			p.t.Fatalf("objects of %s left behind: %v", tenant, left)
		}
	}
}

// TestIntegrationSmokePasses is acceptance 1: the example template passes,
// every check is printed with its duration, the JUnit file is valid, and
// nothing of the run remains.
func TestIntegrationSmokePasses(t *testing.T) {
	t.Parallel()
	requireEngine(t, "tenantctl-example/app:1.0.0", dbImage)
	p := newProject(t, nil)
	junit := filepath.Join(t.TempDir(), "smoke.xml")
	r := p.must(0, "smoke", "--template", "saas", "--junit", junit, "--timeout", "3m")
	tenant := smokeTenant(t, r.stdout)
	for _, re := range []string{`(?m)^  PASS  home page\s+\d[\d.]*m?s  GET app.http /$`, `(?m)^  PASS  database answers\s+\d[\d.]*m?s  exec in db: psql`, `Smoke test passed: 2 of 2 checks`, `nothing of tenant ` + tenant + ` remains`} {
		if !regexp.MustCompile(re).MatchString(r.stdout) {
			t.Errorf("output lacks %s:\n%s", re, r.stdout)
		}
	}
	doc := readJUnit(t, junit)
	s := doc.Suites[0]
	if doc.Tests != 4 || doc.Failures != 0 || doc.Errors != 0 || s.Name != "tenantctl smoke "+tenant {
		t.Errorf("JUnit: %+v", doc)
	}
	var names []string
	for _, c := range s.Cases {
		names = append(names, c.Name)
		if c.Failure != nil || c.Error != nil || c.Skipped != nil || c.Time == "" {
			t.Errorf("testcase %+v", c)
		}
	}
	if strings.Join(names, ",") != "provision,home page,database answers,cleanup" {
		t.Errorf("testcases %v", names)
	}
	p.requireNothingRemains(tenant)
}

// TestIntegrationSmokeFailingCheck is acceptance 2: a failing check exits
// 1, the JUnit file names it with its message, and nothing remains.
func TestIntegrationSmokeFailingCheck(t *testing.T) {
	t.Parallel()
	requireEngine(t, "tenantctl-example/app:1.0.0", dbImage)
	p := newProject(t, nil)
	p.write("templates/failing.hcl", smokeVariant(t, "failing", `output_contains = "1"`, `output_contains = "no such row"`))
	junit := filepath.Join(t.TempDir(), "smoke.xml")
	r := p.must(1, "smoke", "--template", "failing", "--junit", junit)
	tenant := smokeTenant(t, r.stdout)
	if !strings.Contains(r.stdout, "  FAIL  database answers") || !strings.Contains(r.stdout, `output does not contain "no such row"`) || !strings.Contains(r.stdout, "  PASS  home page") {
		t.Errorf("output:\n%s", r.stdout)
	}
	doc := readJUnit(t, junit)
	if doc.Failures != 1 || doc.Errors != 0 {
		t.Errorf("JUnit counts: %+v", doc)
	}
	found := false
	for _, c := range doc.Suites[0].Cases {
		if c.Failure != nil {
			found = true
			if c.Name != "database answers" || !strings.Contains(c.Failure.Message, `output does not contain "no such row"; output: "1"`) {
				t.Errorf("failed testcase %q: %q", c.Name, c.Failure.Message)
			}
		}
	}
	if !found {
		t.Error("no failed testcase in the JUnit file")
	}
	p.requireNothingRemains(tenant)
}

// TestIntegrationSmokeNeverHealthy is acceptance 3: an app whose health
// check never passes exits 4 within the timeout (plus clean-up), prints the
// app's last log lines, and nothing remains.
//
// Not parallel: it measures how long the run takes (the timeout plus the
// clean-up), which the other tests' load on the engine would stretch.
func TestIntegrationSmokeNeverHealthy(t *testing.T) {
	requireEngine(t, "tenantctl-example/app:1.0.0", dbImage)
	p := newProject(t, nil)
	p.write("templates/broken.hcl", smokeVariant(t, "broken", `http     = "/healthz"`, `http     = "/nope"`))
	junit := filepath.Join(t.TempDir(), "smoke.xml")
	start := time.Now()
	r := p.must(4, "smoke", "--template", "broken", "--timeout", "25s", "--junit", junit)
	if took := time.Since(start); took > 25*time.Second+20*time.Second {
		t.Errorf("took %s with --timeout 25s", took)
	}
	tenant := smokeTenant(t, r.stdout)
	for _, want := range []string{"wait for app healthy: not healthy", "last log lines:", "path=/nope status=404", "could not be provisioned"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	doc := readJUnit(t, junit)
	prov := doc.Suites[0].Cases[0]
	if prov.Name != "provision" || prov.Error == nil || !strings.Contains(prov.Error.Text, "path=/nope") {
		t.Errorf("provision testcase: %+v", prov)
	}
	for _, c := range doc.Suites[0].Cases[1:3] {
		if c.Skipped == nil {
			t.Errorf("check %q ran after provisioning failed", c.Name)
		}
	}
	p.requireNothingRemains(tenant)
}

// TestIntegrationSmokeSIGTERM is acceptance 4: SIGTERM while the tenant is
// being provisioned; after the process exits (130), nothing remains.
func TestIntegrationSmokeSIGTERM(t *testing.T) {
	t.Parallel()
	requireEngine(t, "tenantctl-example/app:1.0.0", dbImage)
	p := newProject(t, nil)
	cmd := exec.Command(binary, "--chdir", p.dir, "smoke", "--template", "saas")
	cmd.Env = p.env
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(out.String(), "start container db") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if c, _, _ := p.objects(); len(c) == 0 {
		t.Fatalf("nothing was made before the signal:\n%s", out.String())
	}
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 130 {
		t.Fatalf("after SIGTERM: %v\n%s", err, out.String())
	}
	tenant := smokeTenant(t, out.String())
	if !strings.Contains(out.String(), "Smoke test interrupted") {
		t.Errorf("output:\n%s", out.String())
	}
	p.requireNothingRemains(tenant)
}

// TestIntegrationSmokeParallel is acceptance 5: three runs started at the
// same moment in one project all pass, with distinct names, subnets and
// ports, and leave nothing.
func TestIntegrationSmokeParallel(t *testing.T) {
	t.Parallel()
	requireEngine(t, "tenantctl-example/app:1.0.0", dbImage)
	p := newProject(t, nil)
	const n = 3
	results := make([]result, n)
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(binary, "--chdir", p.dir, "smoke", "--template", "saas", "--timeout", "4m")
			cmd.Env = p.env
			var out, errb syncBuffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			<-gate
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				code = -1
			}
			results[i] = result{out.String(), errb.String(), code}
		}()
	}
	close(gate)
	wg.Wait()
	names := map[string]bool{}
	for i, r := range results {
		if r.code != 0 {
			t.Errorf("run %d: %s", i, r)
			continue
		}
		names[smokeTenant(t, r.stdout)] = true
	}
	if len(names) != n && !t.Failed() {
		t.Errorf("names %v are not distinct", names)
	}
	var tenants []string
	for name := range names {
		tenants = append(tenants, name)
	}
	p.requireNothingRemains(tenants...)
}

// TestIntegrationSmokeKeepOnFailure: --keep-on-failure keeps a failed
// run's tenant, labelled ephemeral with an expiry, and the printed command
// removes it.
func TestIntegrationSmokeKeepOnFailure(t *testing.T) {
	t.Parallel()
	requireEngine(t, "tenantctl-example/app:1.0.0", dbImage)
	p := newProject(t, nil)
	p.write("templates/failing.hcl", smokeVariant(t, "failing", `body_contains = "tenant: ${tenant.name}"`, `body_contains = "no such text"`))
	before := time.Now()
	r := p.must(1, "smoke", "--template", "failing", "--keep-on-failure", "--timeout", "2m")
	tenant := smokeTenant(t, r.stdout)
	m := regexp.MustCompile(`(?m)^  tenantctl (--chdir \S+ destroy \S+ --delete-data --auto-approve)$`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no removal command printed:\n%s", r.stdout)
	}
	volume := p.name + "_" + tenant + "_db.data"
	for _, obj := range [][]string{
		{"container", "inspect", p.container(tenant, "app"), "--format", `{{index .Config.Labels "tenantctl.ephemeral"}} {{index .Config.Labels "tenantctl.expires"}}`},
		{"volume", "inspect", volume, "--format", `{{index .Labels "tenantctl.ephemeral"}} {{index .Labels "tenantctl.expires"}}`},
	} {
		labels := docker(t, obj...)
		eph, exp, _ := strings.Cut(labels, " ")
		expires, err := time.Parse(time.RFC3339, exp)
		if eph != "true" || err != nil || !expires.After(before.Add(2*time.Minute)) {
			t.Errorf("%v labels: %q", obj, labels)
		}
	}
	p.must(0, strings.Fields(m[1])...)
	p.requireNothingRemains(tenant)
}
