package config

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// fakeSecret derives a recognisable secret per tenant and name.
func fakeSecret(tenant, name string) (string, error) {
	return fmt.Sprintf("%s-%s-s3cret", tenant, name), nil
}

// baseTemplate is a small valid template the invalid cases start from.
const baseTemplate = `template "saas" {
  variable "region" {
    default = "eu"
  }
  service "app" {
    image = "example/app:1"
    port "http" {
      container = 8080
    }
  }
}
`

// baseFiles returns a small valid project with files added or replaced.
func baseFiles(files map[string]string) map[string]string {
	out := map[string]string{
		"tenantctl.hcl":      "project \"p1\" {}\n",
		"templates/saas.hcl": baseTemplate,
		"tenants/acme.hcl":   "tenant \"acme\" {\n  template = \"saas\"\n}\n",
	}
	for name, src := range files {
		if src == "" {
			delete(out, name)
		} else {
			out[name] = src
		}
	}
	return out
}

// writeProject writes files into a temporary project directory.
func writeProject(t testing.TB, files map[string]string) string {
	dir := t.TempDir()
	for name, src := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// where is "file:line" of a diagnostic's subject, or "" without one.
func where(d *hcl.Diagnostic) string {
	if d.Subject == nil {
		return ""
	}
	return fmt.Sprintf("%s:%d", d.Subject.Filename, d.Subject.Start.Line)
}

// templateWith is the base project with template "saas" replaced by one
// whose body is body.
func templateWith(body string) map[string]string {
	return baseFiles(map[string]string{"templates/saas.hcl": "template \"saas\" {\n" + body + "}\n"})
}
