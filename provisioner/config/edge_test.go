package config

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/model"
)

// publicTemplate is the base template with its http port public.
const publicTemplate = `template "saas" {
  service "app" {
    image = "example/app:1"
    port "http" {
      container = 8080
      public    = true
    }
  }
}
`

func TestLoadEdge(t *testing.T) {
	files := baseFiles(map[string]string{
		"tenantctl.hcl": `project "p1" {}
edge {
  domain     = "tenants.example.com"
  https_port = 443
  http_port  = 80
  tls        = "files"
  hsts       = "24h"
  certificate {
    cert_file = "certs/wild.pem"
    key_file  = "/keys/wild.key"
  }
}
`,
		"templates/saas.hcl": publicTemplate,
		"tenants/acme.hcl":   "tenant \"acme\" {\n  template = \"saas\"\n  domains  = [\"app.acme.com\", \"acme.example.org\"]\n}\n",
	})
	dir := writeProject(t, files)
	p, _, diags := Load(dir, fakeSecret)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	e := p.Edge
	if e == nil {
		t.Fatal("no edge")
	}
	if e.Domain != "tenants.example.com" || e.HTTPPort != 80 || e.HTTPSPort != 443 || e.TLS != model.TLSFiles || e.HSTS != 24*time.Hour || e.HostIP != "0.0.0.0" {
		t.Errorf("edge = %+v", e)
	}
	abs, _ := filepath.Abs(dir)
	if len(e.Certificates) != 1 || e.Certificates[0].CertFile != filepath.Join(abs, "certs/wild.pem") || e.Certificates[0].KeyFile != "/keys/wild.key" {
		t.Errorf("certificates = %+v, want the relative path resolved against the project", e.Certificates)
	}
	acme := p.Tenant("acme")
	if got := strings.Join(e.Hosts(acme), " "); got != "acme.tenants.example.com app.acme.com acme.example.org" {
		t.Errorf("hosts = %s", got)
	}
	svc, port, ok := acme.PublicPort()
	if !ok || svc.Name != "app" || port.Name != "http" || !port.Public {
		t.Errorf("public port = %v %v %v", svc, port, ok)
	}
}

func TestLoadEdgeDefaults(t *testing.T) {
	files := baseFiles(map[string]string{"tenantctl.hcl": "project \"p1\" {}\nedge {\n  domain = \"tenants.localhost\"\n}\n"})
	p, _, diags := Load(writeProject(t, files), fakeSecret)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if e := p.Edge; e == nil || e.HTTPPort != 8080 || e.HTTPSPort != 8443 || e.TLS != model.TLSLocalCA || e.HSTS != 0 {
		t.Errorf("edge = %+v, want the defaults 8080, 8443, local-ca", p.Edge)
	}
	if _, _, ok := p.Tenant("acme").PublicPort(); ok {
		t.Error("a port without public = true is public")
	}
}

func TestLoadWithoutEdge(t *testing.T) {
	p, _, diags := Load(writeProject(t, baseFiles(nil)), fakeSecret)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if p.Edge != nil {
		t.Errorf("edge = %+v without an edge block", p.Edge)
	}
}

func TestLoadDomainsWithoutEdgeWarns(t *testing.T) {
	files := baseFiles(map[string]string{"tenants/acme.hcl": "tenant \"acme\" {\n  template = \"saas\"\n  domains  = [\"app.acme.com\"]\n}\n"})
	_, _, diags := Load(writeProject(t, files), fakeSecret)
	if diags.HasErrors() || len(diags) != 1 || diags[0].Summary != "Domains without an edge" {
		t.Errorf("diags = %v, want one warning", diags)
	}
}

func TestLoadEdgeInvalid(t *testing.T) {
	edge := func(body string) map[string]string {
		return baseFiles(map[string]string{"tenantctl.hcl": "project \"p1\" {}\nedge {\n" + body + "}\n", "templates/saas.hcl": publicTemplate})
	}
	withTenants := func(files map[string]string, tenants map[string]string) map[string]string {
		for k, v := range tenants {
			files[k] = v
		}
		return files
	}
	tests := []struct {
		name                  string
		files                 map[string]string
		summary, at, inDetail string
	}{
		{"no domain", edge("  http_port = 80\n"), "Missing required argument", "tenantctl.hcl:2", "domain"},
		{"bad domain", edge("  domain = \"Tenants.Example.com\"\n"), "Invalid edge domain", "tenantctl.hcl:3", "tenants.example.com"},
		{"one-label domain", edge("  domain = \"localhost\"\n"), "Invalid edge domain", "tenantctl.hcl:3", ""},
		{"port zero", edge("  domain = \"t.example.com\"\n  http_port = 0\n"), "Invalid http_port", "tenantctl.hcl:4", "1 to 65535"},
		{"port too high", edge("  domain = \"t.example.com\"\n  https_port = 70000\n"), "Invalid https_port", "tenantctl.hcl:4", "1 to 65535"},
		{"same ports", edge("  domain = \"t.example.com\"\n  http_port = 8443\n"), "Same edge ports", "tenantctl.hcl:4", "8443"},
		{"bad tls", edge("  domain = \"t.example.com\"\n  tls = \"letsencrypt\"\n"), "Invalid tls", "tenantctl.hcl:4", `"acme"`},
		{"files without certificate", edge("  domain = \"t.example.com\"\n  tls = \"files\"\n"), "No certificate", "tenantctl.hcl:4", "*.t.example.com"},
		{"acme block with local-ca", edge("  domain = \"t.example.com\"\n  acme {\n    email = \"ops@example.com\"\n  }\n"), "acme block without tls = \"acme\"", "tenantctl.hcl:4", ""},
		{"acme http directory", edge("  domain = \"t.example.com\"\n  tls = \"acme\"\n  acme {\n    directory = \"http://ca.example.com/dir\"\n  }\n"), "Invalid ACME directory", "tenantctl.hcl:6", "https"},
		{"bad hsts", edge("  domain = \"t.example.com\"\n  hsts = \"a year\"\n"), "Invalid duration", "tenantctl.hcl:4", ""},
		{"edge port in port_range", baseFiles(map[string]string{"tenantctl.hcl": "project \"p1\" {\n  port_range = [8000, 9000]\n}\nedge {\n  domain = \"a.example.com\"\n}\n"}), "Edge port in port_range", "tenantctl.hcl:4", "8080"},
		{"two edge blocks", baseFiles(map[string]string{"tenantctl.hcl": "project \"p1\" {}\nedge {\n  domain = \"a.example.com\"\n}\nedge {\n  domain = \"b.example.com\"\n}\n"}), "Duplicate edge block", "tenantctl.hcl:5", "tenantctl.hcl:2"},
		{"two public ports", baseFiles(map[string]string{"templates/saas.hcl": `template "saas" {
  service "app" {
    image = "example/app:1"
    port "http" {
      container = 8080
      public    = true
    }
    port "admin" {
      container = 9090
      public    = true
    }
  }
}
`}), "Second public port", "templates/saas.hcl:10", "templates/saas.hcl:6"},
		{"public udp port", baseFiles(map[string]string{"templates/saas.hcl": "template \"saas\" {\n  service \"app\" {\n    image = \"example/app:1\"\n    port \"dns\" {\n      container = 53\n      protocol  = \"udp\"\n      public    = true\n    }\n  }\n}\n"}), "Public UDP port", "templates/saas.hcl:7", ""},
		{"public port of an internal service", baseFiles(map[string]string{"templates/saas.hcl": "template \"saas\" {\n  service \"db\" {\n    image = \"example/db:1\"\n    internal = true\n    port \"pg\" {\n      container = 5432\n      public    = true\n    }\n  }\n}\n"}), "Public port of an internal service", "templates/saas.hcl:7", ""},
		{"bad tenant domain", withTenants(edge("  domain = \"t.example.com\"\n"), map[string]string{"tenants/acme.hcl": "tenant \"acme\" {\n  template = \"saas\"\n  domains  = [\"https://app.acme.com\"]\n}\n"}), "Invalid domain", "tenants/acme.hcl:3", "without scheme"},
		{"domain of two tenants", withTenants(edge("  domain = \"t.example.com\"\n"), map[string]string{
			"tenants/globex.hcl": "tenant \"globex\" {\n  template = \"saas\"\n  domains  = [\"shop.example.com\"]\n}\n",
			"tenants/acme.hcl":   "tenant \"acme\" {\n  template = \"saas\"\n  domains  = [\"shop.example.com\"]\n}\n",
		}), `Duplicate domain "shop.example.com"`, "tenants/globex.hcl:3", `tenant "acme"`},
		{"domain is another tenant's name", withTenants(edge("  domain = \"t.example.com\"\n"), map[string]string{
			"tenants/globex.hcl": "tenant \"globex\" {\n  template = \"saas\"\n  domains  = [\"acme.t.example.com\"]\n}\n",
		}), `Duplicate domain "acme.t.example.com"`, "tenants/globex.hcl:3", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, _, diags := Load(writeProject(t, tt.files), fakeSecret)
			if !diags.HasErrors() || p != nil {
				t.Fatalf("no errors (project %v), want %q", p, tt.summary)
			}
			for _, d := range diags {
				if d.Summary == tt.summary && where(d) == tt.at && strings.Contains(d.Detail, tt.inDetail) {
					return
				}
			}
			t.Errorf("no diagnostic %q at %s with %q; got %v", tt.summary, tt.at, tt.inDetail, diags)
		})
	}
}
