package config

import (
	"errors"
	"strings"
	"testing"
)

func TestLoadInvalid(t *testing.T) {
	type want struct {
		summary string
		at      string // "file:line" of the subject
		detail  string // substring of the detail, if set
	}
	tests := []struct {
		name   string
		files  map[string]string
		secret SecretFunc
		want   []want
	}{
		{
			name:  "bad tenant name",
			files: baseFiles(map[string]string{"tenants/acme.hcl": "tenant \"Acme Corp\" {\n  template = \"saas\"\n}\n"}),
			want:  []want{{"Invalid tenant name", "tenants/acme.hcl:1", `Try "acme-corp".`}},
		},
		{
			name:  "unknown template",
			files: baseFiles(map[string]string{"tenants/acme.hcl": "tenant \"acme\" {\n  template = \"sass\"\n}\n"}),
			want:  []want{{`Unknown template "sass"`, "tenants/acme.hcl:2", `Did you mean "saas"?`}},
		},
		{
			name: "misspelled attribute",
			files: templateWith(`  service "app" {
    image = "example/app:1"
    comand = ["app"]
  }
`),
			want: []want{{"Unsupported argument", "templates/saas.hcl:4", `Did you mean "command"?`}},
		},
		{
			name: "misspelled block",
			files: templateWith(`  service "app" {
    image = "example/app:1"
    helth {
      command = ["true"]
    }
  }
`),
			want: []want{{"Unsupported block type", "templates/saas.hcl:4", `Did you mean "health"?`}},
		},
		{
			name: "depends_on cycle",
			files: templateWith(`  service "app" {
    image      = "example/app:1"
    depends_on = ["worker"]
  }
  service "worker" {
    image      = "example/worker:1"
    depends_on = ["app"]
  }
`),
			want: []want{{"Dependency cycle", "templates/saas.hcl:4", "app → worker → app"}},
		},
		{
			name: "self dependency",
			files: templateWith(`  service "app" {
    image      = "example/app:1"
    depends_on = ["app"]
  }
`),
			want: []want{{"Dependency cycle", "templates/saas.hcl:4", "app → app"}},
		},
		{
			name: "unknown dependency",
			files: templateWith(`  service "app" {
    image      = "example/app:1"
    depends_on = ["dbb"]
  }
  service "db" {
    image = "example/db:1"
  }
`),
			want: []want{{`Unknown service "dbb"`, "templates/saas.hcl:4", `Did you mean "db"?`}},
		},
		{
			name:  "duplicate tenant across files",
			files: baseFiles(map[string]string{"tenants/acme2.hcl": "tenant \"acme\" {\n  template = \"saas\"\n}\n"}),
			want:  []want{{`Duplicate tenant "acme"`, "tenants/acme2.hcl:1", "previous definition was at tenants/acme.hcl:1,8-14."}},
		},
		{
			name: "duplicate service",
			files: templateWith(`  service "app" {
    image = "example/app:1"
  }
  service "app" {
    image = "example/app:2"
  }
`),
			want: []want{{`Duplicate service "app"`, "templates/saas.hcl:5", "templates/saas.hcl:2,11-16"}},
		},
		{
			name: "missing variable",
			files: templateWith(`  variable "region" {}
  service "app" {
    image = "example/app:${var.region}"
  }
`),
			want: []want{{`Missing variable "region"`, "tenants/acme.hcl:1", `vars = { region = ... }`}},
		},
		{
			name:  "unknown variable",
			files: baseFiles(map[string]string{"tenants/acme.hcl": "tenant \"acme\" {\n  template = \"saas\"\n  vars = { regoin = \"us\" }\n}\n"}),
			want:  []want{{`Unknown variable "regoin"`, "tenants/acme.hcl:3", `Did you mean "region"?`}},
		},
		{
			name: "variable of the wrong type",
			files: baseFiles(map[string]string{
				"templates/saas.hcl": "template \"saas\" {\n  variable \"n\" {\n    type = number\n  }\n  service \"app\" {\n    image = \"x:${var.n}\"\n  }\n}\n",
				"tenants/acme.hcl":   "tenant \"acme\" {\n  template = \"saas\"\n  vars = {\n    n = \"many\"\n  }\n}\n",
			}),
			want: []want{{`Invalid value for variable "n"`, "tenants/acme.hcl:4", "must be number"}},
		},
		{
			name: "secret in image",
			files: templateWith(`  service "app" {
    image = "example/app:${secret("tag")}"
  }
`),
			want: []want{{"secret values may only be used in env", "templates/saas.hcl:3", ""}},
		},
		{
			name: "secret in command",
			files: templateWith(`  service "app" {
    image   = "example/app:1"
    command = ["app", "--password", secret("pw")]
  }
`),
			want: []want{{"secret values may only be used in env", "templates/saas.hcl:4", ""}},
		},
		{
			name: "secret func error",
			files: templateWith(`  service "app" {
    image = "example/app:1"
    env   = { PASSWORD = secret("pw") }
  }
`),
			secret: func(string, string) (string, error) { return "", errors.New("vault is sealed") },
			want:   []want{{"Error in function call", "templates/saas.hcl:4", "vault is sealed"}},
		},
		{
			name: "invalid duration",
			files: templateWith(`  service "app" {
    image = "example/app:1"
    health {
      command  = ["true"]
      interval = "5 seconds"
    }
  }
`),
			want: []want{{"Invalid duration", "templates/saas.hcl:6", `"2s"`}},
		},
		{
			name: "invalid memory size",
			files: templateWith(`  service "app" {
    image = "example/app:1"
    resources {
      memory = "lots"
    }
  }
`),
			want: []want{{"Invalid memory size", "templates/saas.hcl:5", `"512MiB"`}},
		},
		{
			name: "negative cpus",
			files: templateWith(`  service "app" {
    image = "example/app:1"
    resources {
      cpus = -1
    }
  }
`),
			want: []want{{"Invalid cpus", "templates/saas.hcl:5", "from 0 to 1024"}},
		},
		{
			name: "internal service with port",
			files: templateWith(`  service "db" {
    image    = "example/db:1"
    internal = true
    port "pg" {
      container = 5432
    }
  }
`),
			want: []want{{"Internal service with ports", "templates/saas.hcl:5", ""}},
		},
		{
			name: "port container not a number",
			files: templateWith(`  service "app" {
    image = "example/app:1"
    port "http" {
      container = "abc"
    }
  }
`),
			want: []want{{"Incorrect attribute value type", "templates/saas.hcl:5", "a number is required"}},
		},
		{
			name: "port out of range",
			files: templateWith(`  service "app" {
    image = "example/app:1"
    port "http" {
      container = 70000
    }
  }
`),
			want: []want{{"Invalid container", "templates/saas.hcl:5", "from 1 to 65535"}},
		},
		{
			name:  "protect not a bool",
			files: baseFiles(map[string]string{"tenants/acme.hcl": "tenant \"acme\" {\n  template = \"saas\"\n  protect = \"yes\"\n}\n"}),
			want:  []want{{"Incorrect attribute value type", "tenants/acme.hcl:3", "a bool is required"}},
		},
		{
			name: "empty image",
			files: templateWith(`  service "app" {
    image = "  "
  }
`),
			want: []want{{"Empty image", "templates/saas.hcl:3", ""}},
		},
		{
			name: "missing image",
			files: templateWith(`  service "app" {
  }
`),
			want: []want{{"Missing required argument", "templates/saas.hcl:2", `"image"`}},
		},
		{
			name: "http health without a port",
			files: templateWith(`  service "app" {
    image = "example/app:1"
    health {
      http = "/healthz"
    }
  }
`),
			want: []want{{"HTTP health check without a port", "templates/saas.hcl:5", ""}},
		},
		{
			name: "health with both probes",
			files: templateWith(`  service "app" {
    image = "example/app:1"
    health {
      command = ["true"]
      http    = "/healthz"
    }
  }
`),
			want: []want{{"Conflicting health probes", "templates/saas.hcl:6", ""}},
		},
		{
			name: "unknown health port",
			files: templateWith(`  service "app" {
    image = "example/app:1"
    port "http" {
      container = 8080
    }
    health {
      http = "/healthz"
      port = "htp"
    }
  }
`),
			want: []want{{`Unknown port "htp"`, "templates/saas.hcl:9", `Did you mean "http"?`}},
		},
		{
			name: "relative volume target",
			files: templateWith(`  service "app" {
    image = "example/app:1"
    volume "data" {
      target = "data"
    }
  }
`),
			want: []want{{"Invalid volume target", "templates/saas.hcl:5", "absolute path"}},
		},
		{
			name: "check with no probe and unknown service",
			files: templateWith(`  service "app" {
    image = "example/app:1"
  }
  check "empty" {
  }
`),
			want: []want{{"Missing check probe", "templates/saas.hcl:5", ""}},
		},
		{
			name: "check of an unknown service",
			files: templateWith(`  service "app" {
    image = "example/app:1"
  }
  check "smoke" {
    exec {
      service = "ap"
      command = ["true"]
    }
  }
`),
			want: []want{{`Unknown service "ap"`, "templates/saas.hcl:7", `Did you mean "app"?`}},
		},
		{
			name:  "unknown host",
			files: baseFiles(map[string]string{"tenants/acme.hcl": "tenant \"acme\" {\n  template = \"saas\"\n  host = \"locl\"\n}\n"}),
			want:  []want{{`Unknown host "locl"`, "tenants/acme.hcl:3", `Did you mean "local"?`}},
		},
		{
			name:  "invalid label key",
			files: baseFiles(map[string]string{"tenants/acme.hcl": "tenant \"acme\" {\n  template = \"saas\"\n  labels = {\n    Tier = \"gold\"\n  }\n}\n"}),
			want:  []want{{"Invalid label key", "tenants/acme.hcl:4", ""}},
		},
		{
			name: "duplicate fixed host port across tenants",
			files: baseFiles(map[string]string{
				"templates/saas.hcl": "template \"saas\" {\n  service \"app\" {\n    image = \"x:1\"\n    port \"http\" {\n      container = 80\n      host = 8080\n    }\n  }\n}\n",
				"tenants/globex.hcl": "tenant \"globex\" {\n  template = \"saas\"\n}\n",
			}),
			want: []want{{"Duplicate host port 8080/tcp", "templates/saas.hcl:6", `tenant "acme"`}},
		},
		{
			name:  "secret outside templates",
			files: baseFiles(map[string]string{"tenants/acme.hcl": "tenant \"acme\" {\n  template = \"saas\"\n  vars = { region = secret(\"r\") }\n}\n"}),
			want:  []want{{"Error in function call", "tenants/acme.hcl:3", "only be used inside templates"}},
		},
		{
			name: "secret in an env name",
			files: templateWith(`  service "app" {
    image = "example/app:1"
    env   = { (secret("name")) = "x" }
  }
`),
			want: []want{{"secret values may only be used in env", "templates/saas.hcl:4", ""}},
		},
		{
			name: "secret value in a function error",
			files: templateWith(`  service "app" {
    image = "example/app:1"
    env   = { N = tonumber(secret("pw")) }
  }
`),
			want: []want{{"Invalid function argument", "templates/saas.hcl:4", `"(sensitive)"`}},
		},
		{
			name: "http check on an internal service",
			files: templateWith(`  service "db" {
    image    = "example/db:1"
    internal = true
  }
  check "db" {
    http {
      service = "db"
    }
  }
`),
			want: []want{{"HTTP check on an internal service", "templates/saas.hcl:8", "exec check"}},
		},
		{
			name: "duplicate check",
			files: templateWith(`  service "app" {
    image = "example/app:1"
  }
  check "smoke" {
    exec {
      service = "app"
      command = ["true"]
    }
  }
  check "smoke" {
    exec {
      service = "app"
      command = ["true"]
    }
  }
`),
			want: []want{{`Duplicate check "smoke"`, "templates/saas.hcl:11", "templates/saas.hcl:5,9-16"}},
		},
		{
			name:  "missing tenantctl.hcl",
			files: baseFiles(map[string]string{"tenantctl.hcl": ""}),
			want:  []want{{"Missing tenantctl.hcl", "", "tenantctl init"}},
		},
		{
			name:  "bad project",
			files: baseFiles(map[string]string{"tenantctl.hcl": "project \"p\" {\n  network_pool = \"10.210.0.0/33\"\n  port_range = [80, 90]\n}\nhost \"local\" {\n  docker = \"/var/run/docker.sock\"\n}\n"}),
			want: []want{
				{"Invalid project name", "tenantctl.hcl:1", ""},
				{"Invalid network_pool", "tenantctl.hcl:2", ""},
				{"Invalid port_range", "tenantctl.hcl:3", "1024 <= first <= last <= 65535"},
				{"Invalid Docker address", "tenantctl.hcl:6", ""},
			},
		},
		{
			name:  "tenant in tenantctl.hcl",
			files: baseFiles(map[string]string{"tenantctl.hcl": "project \"p1\" {}\n\ntenant \"acme\" {\n  template = \"saas\"\n}\n"}),
			want:  []want{{"Unsupported block type", "tenantctl.hcl:3", "tenant blocks belong in tenants/*.hcl."}},
		},
		{
			name:  "syntax error",
			files: baseFiles(map[string]string{"tenants/acme.hcl": "tenant \"acme\" {\n  template = \n}\n"}),
			want:  []want{{"Invalid expression", "tenants/acme.hcl:2", ""}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			secret := tt.secret
			if secret == nil {
				secret = fakeSecret
			}
			p, files, diags := Load(writeProject(t, tt.files), secret)
			if !diags.HasErrors() {
				t.Fatalf("no errors, want %v", tt.want)
			}
			if p != nil {
				t.Errorf("project = %v, want nil with errors", p)
			}
			var out strings.Builder
			if err := WriteDiagnostics(&out, files, diags, false); err != nil {
				t.Fatal(err)
			}
			t.Log("\n" + out.String())
			if strings.Contains(out.String(), "s3cret") {
				t.Errorf("diagnostics show a secret:\n%s", out.String())
			}
			for _, w := range tt.want {
				found := false
				for _, d := range diags {
					if d.Summary == w.summary && where(d) == w.at && strings.Contains(d.Detail, w.detail) {
						found = true
					}
				}
				if !found {
					t.Errorf("no diagnostic %q at %q with detail containing %q; got:\n%s", w.summary, w.at, w.detail, out.String())
				}
			}
		})
	}
}
