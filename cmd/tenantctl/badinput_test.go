package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestIntegrationBadInputChangesNothing: each broken configuration makes
// validate and plan exit 1 with a file:line diagnostic, and apply leaves
// the engine untouched.
func TestIntegrationBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	requireEngine(t)
	cases := []struct {
		name, file, text, want string
	}{
		{"bad tenant name", "tenants/acme.hcl", `tenant "Acme Corp" { template = "saas" }`, "Invalid tenant name"},
		{"unknown template", "tenants/acme.hcl", `tenant "acme" { template = "sass" }`, `did you mean "saas"`},
		{"misspelled attribute", "tenants/acme.hcl", `tenant "acme" {
  template = "saas"
  lables   = { tier = "gold" }
}`, `Did you mean "labels"`},
		{"depends_on cycle", "templates/cycle.hcl", `template "cycle" {
  service "one" {
    image      = "x"
    depends_on = ["two"]
  }
  service "two" {
    image      = "x"
    depends_on = ["one"]
  }
}`, "cycle"},
		{"duplicate tenant", "tenants/acme-again.hcl", `tenant "acme" { template = "saas" }`, "Duplicate tenant"},
	}
	location := regexp.MustCompile(`on (tenants|templates)/[a-z-]+\.hcl line \d+`)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := newProject(t, map[string]string{"acme": `tenant "acme" { template = "saas" }`})
			p.write(c.file, c.text)
			for _, cmd := range [][]string{{"validate"}, {"plan"}, {"apply", "--auto-approve"}} {
				r := p.must(1, cmd...)
				if !strings.Contains(strings.ToLower(r.stderr), strings.ToLower(c.want)) || !location.MatchString(r.stderr) {
					t.Fatalf("%s: want a diagnostic with %q and a file:line, got %s", cmd[0], c.want, r)
				}
				if strings.Contains(r.stderr, "panic") {
					t.Fatalf("%s panicked: %s", cmd[0], r)
				}
			}
			if c, n, v := p.objects(); len(c)+len(n)+len(v) != 0 {
				t.Fatalf("bad input created objects: %v %v %v", c, n, v)
			}
		})
	}
}
