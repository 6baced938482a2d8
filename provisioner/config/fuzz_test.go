package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyValid copies testdata/valid into a new directory.
func copyValid(f *testing.F) string {
	dir := f.TempDir()
	err := filepath.WalkDir("testdata/valid", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("testdata/valid", path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), src, 0o644)
	})
	if err != nil {
		f.Fatal(err)
	}
	return dir
}

// fuzzFile writes src to name inside a copy of the valid project and
// checks that Load neither panics nor leaks a secret.
func fuzzFile(f *testing.F, name string, seeds []string) {
	dir := copyValid(f)
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), src, 0o644); err != nil {
			t.Fatal(err)
		}
		p, files, diags := Load(dir, fakeSecret)
		for _, d := range diags {
			if d.Summary == internalErrorSummary {
				t.Fatalf("Load recovered from a panic: %s", d.Detail)
			}
			if strings.Contains(d.Summary+d.Detail, "db_password-s3cret") {
				t.Fatalf("diagnostic shows a secret: %s: %s", d.Summary, d.Detail)
			}
		}
		if diags.HasErrors() != (p == nil) {
			t.Fatalf("project = %v with errors = %v", p != nil, diags.HasErrors())
		}
		if err := WriteDiagnostics(&strings.Builder{}, files, diags, false); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzLoad(f *testing.F) {
	fuzzFile(f, "tenants/fuzz.hcl", []string{
		"",
		`tenant "initech" { template = "saas" }`,
		"tenant \"initech\" {\n  template = \"saas\"\n  vars = { admin_email = \"a@b.c\", workers = 2 }\n  labels = { tier = \"gold\" }\n  host = \"edge\"\n}\n",
		"tenant \"initech\" {\n  template = \"saas\"\n  vars = { admin_email = [1, 2], workers = \"x\" }\n}\n",
		"tenant \"acme\" {\n  template = \"saas\"\n}\n",
		"tenant \"Initech Inc\" {\n  template = upper(\"saas\")\n  vars = merge({ admin_email = null }, jsondecode(\"{}\"))\n  protect = \"yes\"\n}\n",
		"tenant \"initech\" {\n  template = \"saas\"\n  vars = { admin_email = \"${var.x}\" }\n}\n",
		"tenant {",
	})
}

// FuzzLoadTemplate fuzzes a template file, where secret() is available.
func FuzzLoadTemplate(f *testing.F) {
	valid, err := os.ReadFile("testdata/valid/templates/saas.hcl")
	if err != nil {
		f.Fatal(err)
	}
	fuzzFile(f, "templates/saas.hcl", []string{
		string(valid),
		"template \"saas\" {\n  service \"app\" {\n    image = secret(\"db_password\")\n    env = { (secret(\"db_password\")) = 1, X = jsondecode(secret(\"db_password\")) }\n  }\n}\n",
		"template \"saas\" {\n  service \"app\" {\n    image = \"x\"\n    env = merge({ A = secret(\"db_password\") }, { B = [secret(\"db_password\")] })\n    command = [for c in split(\"\", secret(\"db_password\")) : c]\n  }\n}\n",
	})
}
