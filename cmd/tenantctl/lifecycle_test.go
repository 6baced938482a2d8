package main

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	appImage = "tenantctl-example/app:1.1.0"
	dbImage  = "tenantctl-example/postgres:15"
)

func saasTenant(name, version string, protect bool) string {
	return `tenant "` + name + `" {
  template = "saas"
  vars     = { app_version = "` + version + `" }
  labels   = { owner = "it" }
  protect  = ` + strconv.FormatBool(protect) + `
}
`
}

// get fetches a URL and returns the status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var urlLine = regexp.MustCompile(`(?m)^\s+(\S+)\s+(http://\S+)$`)

// urls parses the "Tenant URLs" block apply prints.
func urls(t *testing.T, out string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, match := range urlLine.FindAllStringSubmatch(out, -1) {
		m[match[1]] = match[2]
	}
	return m
}

var visitsRe = regexp.MustCompile(`visits: (\d+)`)

func visits(t *testing.T, url string) int {
	t.Helper()
	code, body := get(t, url)
	if code != 200 {
		t.Fatalf("GET %s: %d %s", url, code, body)
	}
	m := visitsRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no visit counter on the page:\n%s", body)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func containerID(t *testing.T, name string) string {
	return docker(t, "inspect", "--format", "{{.Id}}", name)
}

// TestIntegrationLifecycle walks the core acceptance on the real engine:
// apply, idempotence, drift repair, data survival, an upgrade that touches
// one container, isolation between tenants, destroy and protect.
func TestIntegrationLifecycle(t *testing.T) {
	t.Parallel()
	requireEngine(t, appImage, "tenantctl-example/app:1.0.0", dbImage)
	p := newProject(t, map[string]string{
		"alpha": saasTenant("alpha", "1.1.0", true),
		"beta":  saasTenant("beta", "1.0.0", false),
	})

	r := p.must(0, "apply", "--auto-approve")
	u := urls(t, r.stdout)
	for _, tenant := range []string{"alpha", "beta"} {
		code, body := get(t, u[tenant])
		if code != 200 || !strings.Contains(body, "tenant: "+tenant) {
			t.Fatalf("%s at %s: %d\n%s", tenant, u[tenant], code, body)
		}
	}
	if !strings.Contains(docker(t, "exec", p.container("alpha", "db"), "pg_isready", "-h", "127.0.0.1"), "accepting") {
		t.Fatal("alpha's database does not accept connections")
	}

	t.Run("plan after apply has no changes", func(t *testing.T) {
		r := p.must(0, "plan", "--detailed-exitcode")
		if !strings.Contains(r.stdout, "No changes") {
			t.Fatalf("plan output:\n%s", r.stdout)
		}
	})

	before := visits(t, u["alpha"])
	alphaDB := containerID(t, p.container("alpha", "db"))
	betaApp := containerID(t, p.container("beta", "app"))

	t.Run("drift is planned with causes and repaired exactly", func(t *testing.T) {
		docker(t, "rm", "-f", p.container("alpha", "app"))
		docker(t, "stop", p.container("beta", "db"))
		r := p.must(2, "plan", "--detailed-exitcode")
		for _, want := range []string{"container app", "removed by hand", "container db", "stopped (exited)", "1 to create, 1 to update, 0 to replace, 0 to delete"} {
			if !strings.Contains(r.stdout, want) {
				t.Fatalf("plan lacks %q:\n%s", want, r.stdout)
			}
		}
		r = p.must(0, "apply", "--auto-approve")
		if !strings.Contains(r.stdout, "1 created, 1 updated, 0 replaced, 0 deleted") {
			t.Fatalf("apply did more or less than the repair:\n%s", r.stdout)
		}
		if got := urls(t, r.stdout)["alpha"]; got != u["alpha"] {
			t.Fatalf("alpha's URL moved: %s → %s", u["alpha"], got)
		}
		if containerID(t, p.container("alpha", "db")) != alphaDB || containerID(t, p.container("beta", "app")) != betaApp {
			t.Fatal("apply touched a container that had not drifted")
		}
		if after := visits(t, u["alpha"]); after != before+1 {
			t.Fatalf("visit counter: %d before the app was removed, %d after (want %d): data lost", before, after, before+1)
		}
		p.must(0, "plan", "--detailed-exitcode")
	})

	t.Run("an upgrade replaces only that tenant's app", func(t *testing.T) {
		p.write("tenants/beta.hcl", saasTenant("beta", "1.1.0", false))
		r := p.must(2, "plan", "--detailed-exitcode")
		if !strings.Contains(r.stdout, "image: tenantctl-example/app:1.0.0 → tenantctl-example/app:1.1.0") || !strings.Contains(r.stdout, "0 to create, 0 to update, 1 to replace") {
			t.Fatalf("plan:\n%s", r.stdout)
		}
		betaDB := containerID(t, p.container("beta", "db"))
		alphaApp := containerID(t, p.container("alpha", "app"))
		p.must(0, "apply", "--auto-approve")
		if containerID(t, p.container("beta", "db")) != betaDB {
			t.Fatal("beta's database was replaced by an app upgrade")
		}
		if containerID(t, p.container("alpha", "app")) != alphaApp {
			t.Fatal("alpha's app was touched by beta's upgrade")
		}
		if _, body := get(t, u["beta"]); !strings.Contains(body, "version: 1.1.0") {
			t.Fatalf("beta does not run 1.1.0:\n%s", body)
		}
	})

	t.Run("tenants are isolated and databases are not published", func(t *testing.T) {
		betaDBIP := docker(t, "inspect", "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", p.container("beta", "db"))
		probe := func(target string) error {
			// A probe in alpha's app network namespace sees what alpha's app sees.
			_, err := dockerErr("run", "--rm", "--label", "tenantctl.project="+p.name,
				"--network", "container:"+p.container("alpha", "app"), "--entrypoint", "pg_isready",
				dbImage, "-h", target, "-p", "5432", "-t", "3")
			return err
		}
		if err := probe("db"); err != nil {
			t.Fatalf("alpha's app cannot reach its own database: %v", err)
		}
		for _, ip := range strings.Fields(betaDBIP) {
			if err := probe(ip); err == nil {
				t.Fatalf("alpha's app reaches beta's database at %s", ip)
			}
		}
		for _, tenant := range []string{"alpha", "beta"} {
			if ports := docker(t, "port", p.container(tenant, "db")); ports != "" {
				t.Fatalf("%s's database publishes ports: %s", tenant, ports)
			}
		}
	})

	t.Run("destroy keeps data, delete-data removes it, protect refuses", func(t *testing.T) {
		r := p.must(1, "destroy", "alpha", "--auto-approve")
		if !strings.Contains(r.stderr, "protected") {
			t.Fatalf("destroy of a protected tenant:\n%s", r)
		}
		volume := p.name + "_beta_db.data"
		p.must(0, "destroy", "beta", "--auto-approve")
		if docker(t, "volume", "ls", "-q", "--filter", "name="+volume) == "" {
			t.Fatal("destroy deleted the volume without --delete-data")
		}
		if ps := docker(t, "ps", "-aq", "--filter", "label=tenantctl.tenant=beta", "--filter", "label=tenantctl.project="+p.name); ps != "" {
			t.Fatalf("destroy left containers: %s", ps)
		}
		p.must(0, "destroy", "beta", "--auto-approve", "--delete-data")
		if v := docker(t, "volume", "ls", "-q", "--filter", "name="+volume); v != "" {
			t.Fatalf("--delete-data kept the volume %s", v)
		}
	})
}

// TestIntegrationInspectFindsHandChangedLimits: changes that list calls
// cannot see (here a limit changed with docker update) are found and
// repaired with --inspect.
func TestIntegrationInspectFindsHandChangedLimits(t *testing.T) {
	t.Parallel()
	requireEngine(t, "tenantctl-example/app:1.0.0")
	p := newProject(t, map[string]string{"one": `tenant "one" { template = "small" }`})
	p.must(0, "apply", "--auto-approve")
	web := p.container("one", "web")
	before := containerID(t, web)
	docker(t, "update", "--pids-limit", "77", web)
	p.must(0, "plan", "--detailed-exitcode") // the cheap plan cannot see it
	r := p.must(2, "plan", "--detailed-exitcode", "--inspect")
	if !strings.Contains(r.stdout, "resource limits changed on the engine") {
		t.Fatalf("plan --inspect:\n%s", r.stdout)
	}
	p.must(0, "apply", "--auto-approve", "--inspect")
	p.must(0, "plan", "--detailed-exitcode", "--inspect")
	if containerID(t, web) == before {
		t.Fatal("the container was not replaced")
	}
}
