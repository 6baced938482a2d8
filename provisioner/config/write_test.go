package config

import (
	"strings"
	"testing"
)

func TestWriteDiagnostics(t *testing.T) {
	files := baseFiles(map[string]string{"tenants/x.hcl": "tenant \"Acme Corp\" {\n  template = \"saas\"\n}\n"})
	_, parsed, diags := Load(writeProject(t, files), fakeSecret)
	var plain strings.Builder
	if err := WriteDiagnostics(&plain, parsed, diags, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Error: Invalid tenant name", "on tenants/x.hcl line 1", `   1: tenant "Acme Corp" {`, `"acme-corp"`} {
		if !strings.Contains(plain.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, plain.String())
		}
	}
	if strings.Contains(plain.String(), "\x1b[") {
		t.Errorf("uncolored output has escape codes:\n%q", plain.String())
	}
	var colored strings.Builder
	if err := WriteDiagnostics(&colored, parsed, diags, true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(colored.String(), "\x1b[31mError") {
		t.Errorf("colored output lacks the red severity:\n%q", colored.String())
	}
}
