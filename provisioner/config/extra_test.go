package config

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// extraTemplate has variables of several types, a secret and a check.
const extraTemplateSrc = `template "saas" {
  variable "region" {
    default = "eu"
  }
  variable "replicas" {
    type    = number
    default = 1
  }
  variable "zones" {
    type    = list(string)
    default = []
  }
  service "app" {
    image = "example/app:${var.region}-${var.replicas}"
    env   = { TENANT = tenant.name, ZONES = join(",", var.zones), PASSWORD = secret("pw") }
    port "http" {
      container = 8080
    }
  }
  check "home" {
    http {
      service       = "app"
      body_contains = "tenant: ${tenant.name}"
    }
  }
}
`

func TestLoadExtraEvaluatesLikeAFileTenant(t *testing.T) {
	dir := writeProject(t, baseFiles(map[string]string{"templates/saas.hcl": extraTemplateSrc}))
	expires := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	p, _, diags := LoadExtra(dir, fakeSecret, Extra{
		Name:    "smoke-abc123",
		Vars:    map[string]string{"region": "us", "replicas": "3", "zones": `["a", "b"]`},
		Labels:  map[string]string{"purpose": "smoke"},
		Expires: expires,
		Origin:  "tenantctl smoke",
	})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if len(p.Tenants) != 2 || p.Tenants[0].Name != "acme" || p.Tenants[1].Name != "smoke-abc123" {
		t.Fatalf("tenants = %+v", p.Tenants)
	}
	x := p.Tenants[1]
	if x.Template != "saas" || x.Host != "local" || x.Source != "tenantctl smoke" || !x.Expires.Equal(expires) {
		t.Errorf("tenant = %+v", x)
	}
	if !reflect.DeepEqual(x.Labels, map[string]string{"purpose": "smoke"}) {
		t.Errorf("labels = %v", x.Labels)
	}
	app := x.Services[0]
	if app.Image != "example/app:us-3" {
		t.Errorf("image = %q", app.Image)
	}
	if app.Env["TENANT"].Text != "smoke-abc123" || app.Env["ZONES"].Text != "a,b" {
		t.Errorf("env = %v", app.Env)
	}
	if pw := app.Env["PASSWORD"]; !pw.Sensitive || pw.Text != "smoke-abc123-pw-s3cret" {
		t.Errorf("secret = %+v", pw)
	}
	if len(x.Checks) != 1 || x.Checks[0].HTTP.BodyContains != "tenant: smoke-abc123" {
		t.Errorf("checks = %+v", x.Checks)
	}
	if !p.Tenants[0].Expires.IsZero() {
		t.Error("the file tenant became ephemeral")
	}
}

func TestLoadExtraDefaultsToTheOnlyTemplate(t *testing.T) {
	dir := writeProject(t, baseFiles(nil))
	p, _, diags := LoadExtra(dir, fakeSecret, Extra{Name: "smoke-1"})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if x := p.Tenant("smoke-1"); x == nil || x.Template != "saas" || x.Source != "command line" {
		t.Fatalf("tenant = %+v", x)
	}
}

func TestLoadExtraDiagnostics(t *testing.T) {
	two := baseFiles(map[string]string{"templates/small.hcl": "template \"small\" {\n  service \"web\" {\n    image = \"x\"\n  }\n}\n"})
	required := templateWith("  variable \"plan\" {}\n  service \"app\" {\n    image = \"x:${var.plan}\"\n  }\n")
	required["tenants/acme.hcl"] = `tenant "acme" {
  template = "saas"
  vars     = { plan = "gold" }
}
`
	typed := baseFiles(map[string]string{"templates/saas.hcl": extraTemplateSrc})
	cases := []struct {
		name  string
		files map[string]string
		extra Extra
		want  []string
	}{
		{"unknown template", baseFiles(nil), Extra{Name: "s-1", Template: "sass"}, []string{`Unknown template "sass"`, `Did you mean "saas"?`}},
		{"several templates", two, Extra{Name: "s-1"}, []string{"Which template?", `"saas" and "small"`}},
		{"unknown variable", baseFiles(nil), Extra{Name: "s-1", Vars: map[string]string{"regoin": "us"}}, []string{`Unknown variable "regoin"`, `Did you mean "region"?`}},
		{"wrong type", typed, Extra{Name: "s-1", Vars: map[string]string{"replicas": "many"}}, []string{`Invalid value for variable "replicas"`, `given as "many"`, "type number"}},
		{"missing variable", required, Extra{Name: "s-1", Origin: "tenantctl smoke"}, []string{`Missing variable "plan"`, "tenant of tenantctl smoke"}},
		{"missing variable, with the flag", required, Extra{Name: "s-1", Origin: "tenantctl smoke", VarFlag: "--var"}, []string{`Missing variable "plan"`, "pass --var plan=VALUE"}},
		{"name taken", baseFiles(nil), Extra{Name: "acme"}, []string{`Duplicate tenant "acme"`}},
		{"bad name", baseFiles(nil), Extra{Name: "Smoke_1"}, []string{"Invalid tenant name", `Try "smoke-1"`}},
		{"unknown host", baseFiles(nil), Extra{Name: "s-1", Host: "locl"}, []string{`Unknown host "locl"`, `Did you mean "local"?`}},
		{"bad label", baseFiles(nil), Extra{Name: "s-1", Labels: map[string]string{"Bad Key": "x"}}, []string{"Invalid label key"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, _, diags := LoadExtra(writeProject(t, c.files), fakeSecret, c.extra)
			if !diags.HasErrors() || p != nil {
				t.Fatalf("no error; tenants %+v", p)
			}
			text := diagText(diags)
			for _, w := range c.want {
				if !strings.Contains(text, w) {
					t.Errorf("diagnostics lack %q:\n%s", w, text)
				}
			}
			for _, d := range diags.Errs() {
				if d := d.(*hcl.Diagnostic); d.Subject != nil {
					t.Errorf("diagnostic %q points into a file (%s), but the tenant has none", d.Summary, where(d))
				}
			}
		})
	}
}

func TestLoadExtraTemplateErrorNamesTheTenant(t *testing.T) {
	files := templateWith("  service \"app\" {\n    image = \"x:${var.nope}\"\n  }\n")
	files["tenants/acme.hcl"] = ""
	_, _, diags := LoadExtra(writeProject(t, files), fakeSecret, Extra{Name: "smoke-9", Origin: "tenantctl smoke"})
	if !diags.HasErrors() {
		t.Fatal("no error")
	}
	text := diagText(diags)
	if !strings.Contains(text, `for tenant "smoke-9" (tenantctl smoke)`) || where(diags.Errs()[0].(*hcl.Diagnostic)) != "templates/saas.hcl:3" {
		t.Errorf("diagnostics:\n%s", text)
	}
}

func TestLoadIsUnchangedByLoadExtra(t *testing.T) {
	dir := writeProject(t, baseFiles(nil))
	p, _, diags := Load(dir, fakeSecret)
	if diags.HasErrors() || len(p.Tenants) != 1 {
		t.Fatalf("%v %+v", diags, p)
	}
}

func diagText(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.Summary + ": " + d.Detail + "\n")
	}
	return b.String()
}
