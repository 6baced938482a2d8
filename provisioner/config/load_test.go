package config

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/model"
)

// defaults are the limits a service gets when its template sets none.
var defaults = model.Resources{MemoryBytes: 512 << 20, NanoCPUs: 1e9, Pids: 512}

func TestLoadValid(t *testing.T) {
	p, files, diags := Load("testdata/valid", fakeSecret)
	if len(diags) > 0 {
		var b strings.Builder
		_ = WriteDiagnostics(&b, files, diags, false)
		t.Fatalf("unexpected diagnostics:\n%s", b.String())
	}
	for _, name := range []string{"tenantctl.hcl", "templates/saas.hcl", "tenants/acme.hcl", "tenants/globex.hcl"} {
		if files[name] == nil {
			t.Errorf("files has no %q", name)
		}
	}

	abs, _ := filepath.Abs("testdata/valid")
	if p.Name != "acme-saas" || p.Dir != abs {
		t.Errorf("Name, Dir = %q, %q; want acme-saas, %q", p.Name, p.Dir, abs)
	}
	if got := p.NetworkPool.String(); got != "10.210.0.0/16" || p.SubnetBits != 27 {
		t.Errorf("NetworkPool, SubnetBits = %s, %d", got, p.SubnetBits)
	}
	if p.PortRange != (model.PortRange{First: 20000, Last: 29999}) {
		t.Errorf("PortRange = %+v", p.PortRange)
	}
	wantHosts := []model.Host{{Name: "local", Docker: "unix:///var/run/docker.sock"}, {Name: "edge", Docker: "tcp://10.0.0.5:2376"}}
	if !reflect.DeepEqual(p.Hosts, wantHosts) {
		t.Errorf("Hosts = %+v", p.Hosts)
	}
	if len(p.Tenants) != 2 || p.Tenants[0].Name != "acme" || p.Tenants[1].Name != "globex" {
		t.Fatalf("Tenants = %+v, want acme and globex", p.Tenants)
	}

	if diff := compare(*p.Tenant("acme"), wantAcme()); diff != "" {
		t.Error(diff)
	}

	globex := p.Tenant("globex")
	if globex.Host != "edge" || globex.Protect || globex.Source != "tenants/globex.hcl:1" || len(globex.Labels) != 0 {
		t.Errorf("globex = host %q, protect %v, source %q, labels %v", globex.Host, globex.Protect, globex.Source, globex.Labels)
	}
	app := globex.Services[2]
	if app.Image != "tenantctl-example/app:1.0.0" {
		t.Errorf("globex app image = %q, want the variable's default version", app.Image)
	}
	if !reflect.DeepEqual(app.Command, []string{"app", "--workers", "4"}) {
		t.Errorf("globex app command = %q", app.Command)
	}
	if got := app.Env["TIER"]; got != (model.Value{Text: "standard"}) {
		t.Errorf("globex TIER = %+v, want the lookup default", got)
	}
	if got := app.Env["ADMIN_EMAIL"].Text; got != "ops@globex.example" {
		t.Errorf("globex ADMIN_EMAIL = %q, want a function in vars to work", got)
	}
	if got := app.Env["DATABASE_URL"]; got != (model.Value{Text: "postgres://app:globex-db_password-s3cret@db:5432/app", Sensitive: true}) {
		t.Errorf("globex DATABASE_URL = %+v, want the tenant's own secret", got)
	}
}

// wantAcme is the fully evaluated acme tenant of testdata/valid.
func wantAcme() model.Tenant {
	return model.Tenant{
		Name: "acme", Template: "saas", Host: "local", Protect: true,
		Labels: map[string]string{"tier": "enterprise", "owner": "dana"},
		Source: "tenants/acme.hcl:1",
		Services: []model.Service{
			{Name: "cache", Image: "tenantctl-example/redis:7", Internal: true, Env: map[string]model.Value{}, Resources: defaults},
			{
				Name: "db", Image: "tenantctl-example/postgres:15", Internal: true, Resources: defaults,
				Command: []string{"postgres", "-c", "max_connections=50"},
				Env: map[string]model.Value{
					"POSTGRES_PASSWORD": {Text: "acme-db_password-s3cret", Sensitive: true},
					"POSTGRES_DB":       {Text: "app"},
				},
				Volumes: []model.Volume{{Name: "data", Target: "/var/lib/postgresql/data"}},
				Health: &model.Health{
					Command:  []string{"pg_isready", "-h", "127.0.0.1"},
					Interval: 2 * time.Second, Timeout: 3 * time.Second, Retries: 30, StartPeriod: 5 * time.Second,
				},
			},
			{
				Name: "app", Image: "tenantctl-example/app:1.1.0",
				Command:   []string{"app", "--workers", "1"},
				DependsOn: []string{"db", "cache"},
				Env: map[string]model.Value{
					"DATABASE_URL": {Text: "postgres://app:acme-db_password-s3cret@db:5432/app", Sensitive: true},
					"TENANT":       {Text: "acme"},
					"TIER":         {Text: "enterprise"},
					"ADMIN_EMAIL":  {Text: "ops@acme.example"},
					"PROJECT":      {Text: "ACME-SAAS"},
				},
				Ports: []model.Port{
					{Name: "http", Container: 8080, HostIP: "0.0.0.0", Protocol: "tcp"},
					{Name: "metrics", Container: 9090, HostIP: "127.0.0.1", Protocol: "tcp"},
				},
				Health: &model.Health{
					HTTP: "/healthz", Port: "http",
					Interval: time.Second, Timeout: 3 * time.Second, Retries: 10,
				},
				Resources: model.Resources{MemoryBytes: 256 << 20, NanoCPUs: 500_000_000, Pids: 256},
			},
		},
		Checks: []model.Check{
			{Name: "home page", HTTP: &model.HTTPCheck{
				Service: "app", Port: "http", Method: "GET", Path: "/", Status: 200,
				BodyContains: "acme", BodyMatches: "visits: [0-9]+",
				Timeout: 5 * time.Second, Retries: 3, Interval: time.Second,
			}},
			{Name: "database", Exec: &model.ExecCheck{
				Service: "db", Command: []string{"psql", "-U", "app", "-c", "select 1"},
				OutputContains: "1", Timeout: 10 * time.Second,
			}},
		},
	}
}

// compare describes how got differs from want, service by service.
func compare(got, want model.Tenant) string {
	if reflect.DeepEqual(got, want) {
		return ""
	}
	var b strings.Builder
	for i := 0; i < len(got.Services) || i < len(want.Services); i++ {
		var g, w any
		if i < len(got.Services) {
			g = got.Services[i]
		}
		if i < len(want.Services) {
			w = want.Services[i]
		}
		if !reflect.DeepEqual(g, w) {
			fmt.Fprintf(&b, "service %d:\n got  %+v\n want %+v\n", i, g, w)
		}
	}
	got.Services, want.Services = nil, nil
	if !reflect.DeepEqual(got, want) {
		fmt.Fprintf(&b, "tenant:\n got  %+v\n want %+v\n", got, want)
	}
	return b.String()
}

func TestLoadDefaults(t *testing.T) {
	old := DefaultDockerHost
	DefaultDockerHost = func() string { return "tcp://docker.test:2375" }
	defer func() { DefaultDockerHost = old }()

	dir := writeProject(t, map[string]string{
		"tenantctl.hcl":      `project "p1" {}`,
		"templates/web.hcl":  "template \"web\" {\n  service \"web\" {\n    image = \"nginx\"\n  }\n}\n",
		"tenants/acme.hcl":   `tenant "acme" { template = "web" }`,
		"tenants/README.txt": "not configuration",
	})
	p, _, diags := Load(dir, nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if !reflect.DeepEqual(p.Hosts, []model.Host{{Name: "local", Docker: "tcp://docker.test:2375"}}) {
		t.Errorf("Hosts = %+v, want the default local host", p.Hosts)
	}
	if p.NetworkPool.String() != "10.210.0.0/16" || p.SubnetBits != 27 || p.PortRange != (model.PortRange{First: 20000, Last: 29999}) {
		t.Errorf("defaults = %s /%d %+v", p.NetworkPool, p.SubnetBits, p.PortRange)
	}
	acme := p.Tenants[0]
	if acme.Host != "local" || acme.Services[0].Command != nil || acme.Services[0].Health != nil {
		t.Errorf("acme = %+v", acme)
	}
}

// TestLoadEnvExpressions checks env written as an expression rather than
// a literal object: marks survive merge() and a null value drops the key.
func TestLoadEnvExpressions(t *testing.T) {
	files := templateWith(`  service "app" {
    image = "example/app:1"
    env = merge(
      { PASSWORD = "pw=${secret("pw")}", DEBUG = null },
      { for k in ["A", "B"] : k => lower(k) },
    )
  }
`)
	p, _, diags := Load(writeProject(t, files), fakeSecret)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	want := map[string]model.Value{
		"PASSWORD": {Text: "pw=acme-pw-s3cret", Sensitive: true},
		"A":        {Text: "a"},
		"B":        {Text: "b"},
	}
	if got := p.Tenants[0].Services[0].Env; !reflect.DeepEqual(got, want) {
		t.Errorf("Env = %+v, want %+v", got, want)
	}
}

func TestLoadWarnsAboutUnusedTemplate(t *testing.T) {
	dir := writeProject(t, baseFiles(map[string]string{
		"templates/spare.hcl": "template \"spare\" {\n  service \"web\" {\n    image = \"nginx\"\n  }\n}\n",
	}))
	p, _, diags := Load(dir, fakeSecret)
	if p == nil || diags.HasErrors() || len(diags) != 1 || diags[0].Summary != `Unused template "spare"` {
		t.Fatalf("diags = %v, want one unused-template warning", diags)
	}
}

// TestLoadStopsAfterFailedPhase checks that evaluation errors are not
// reported while a tenant still names an unknown template.
func TestLoadStopsAfterFailedPhase(t *testing.T) {
	files := templateWith(`  service "app" {
    image = "example/app:${secret("tag")}"
  }
`)
	files["tenants/globex.hcl"] = "tenant \"globex\" {\n  template = \"nope\"\n}\n"
	_, _, diags := Load(writeProject(t, files), fakeSecret)
	if len(diags) != 1 || diags[0].Summary != `Unknown template "nope"` {
		t.Fatalf("diags = %v, want only the unknown template", diags)
	}
}

// TestLoadGroupsTenantDiagnostics checks that a template mistake is
// reported once for all the tenants that use it.
func TestLoadGroupsTenantDiagnostics(t *testing.T) {
	files := templateWith(`  service "app" {
    image = "example/app:1"
    resources {
      memory = "lots"
    }
  }
`)
	files["tenants/globex.hcl"] = "tenant \"globex\" {\n  template = \"saas\"\n}\n"
	_, _, diags := Load(writeProject(t, files), fakeSecret)
	if len(diags) != 1 || !strings.Contains(diags[0].Detail, `for tenants "acme" and "globex"`) {
		t.Fatalf("diags = %v, want one diagnostic naming both tenants", diags)
	}
}
