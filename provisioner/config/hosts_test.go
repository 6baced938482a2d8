package config

import (
	"strings"
	"testing"
	"time"
)

// project is tenantctl.hcl with a local and an SSH host.
const sshProject = `project "p1" {}

host "local" {
  capacity = 10
  labels   = { region = "us" }
}

host "eu-1" {
  ssh {
    address         = "203.0.113.10"
    user            = "deploy"
    identity_file   = "/keys/id_ed25519"
    connect_timeout = "4s"
  }
  pull     = true
  capacity = 50
  labels   = { region = "eu" }
}
`

func TestLoadSSHHostsAndPlacement(t *testing.T) {
	files := baseFiles(map[string]string{
		"tenantctl.hcl":      sshProject,
		"tenants/acme.hcl":   "tenant \"acme\" {\n  template = \"saas\"\n  host     = \"eu-1\"\n}\n",
		"tenants/globex.hcl": "tenant \"globex\" {\n  template = \"saas\"\n  placement {\n    labels = { region = \"eu\" }\n  }\n}\n",
	})
	p, _, diags := Load(writeProject(t, files), fakeSecret)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if len(p.Hosts) != 2 {
		t.Fatalf("hosts = %+v", p.Hosts)
	}
	local, eu := p.Host("local"), p.Host("eu-1")
	if local.SSH != nil || local.Capacity != 10 || local.Labels["region"] != "us" {
		t.Errorf("local = %+v", local)
	}
	if eu.SSH == nil || eu.SSH.User != "deploy" || eu.SSH.IdentityFile != "/keys/id_ed25519" || eu.Capacity != 50 || eu.Labels["region"] != "eu" {
		t.Fatalf("eu-1 = %+v (ssh %+v)", eu, eu.SSH)
	}
	if !strings.HasSuffix(eu.SSH.Address, ":22") {
		t.Errorf("address %q: the port should default to 22", eu.SSH.Address)
	}
	if eu.SSH.ConnectTimeout != 4*time.Second {
		t.Errorf("connect timeout = %v", eu.SSH.ConnectTimeout)
	}
	if !eu.Pull || local.Pull {
		t.Errorf("pull: eu-1 %v, local %v; want true, false", eu.Pull, local.Pull)
	}
	if eu.DockerSocket != "/var/run/docker.sock" {
		t.Errorf("docker socket = %q, want the default", eu.DockerSocket)
	}
	if eu.SSH.KnownHostsFile == "" {
		t.Error("known_hosts_file has no default")
	}
	if acme := p.Tenant("acme"); acme.Host != "eu-1" {
		t.Errorf("acme's host = %q, want the pinned eu-1", acme.Host)
	}
}

func TestLoadInvalidHosts(t *testing.T) {
	cases := []struct {
		name, project, tenant, summary, at string
	}{
		{"docker and ssh", "project \"p1\" {}\nhost \"h\" {\n  docker = \"unix:///x.sock\"\n  ssh {\n    address = \"a:22\"\n    user = \"u\"\n  }\n}\n", "", "Both docker and ssh", "tenantctl.hcl:3"},
		{"docker_socket without ssh", "project \"p1\" {}\nhost \"h\" {\n  docker_socket = \"/var/run/docker.sock\"\n}\n", "", "docker_socket without ssh", "tenantctl.hcl:3"},
		{"relative docker_socket", "project \"p1\" {}\nhost \"h\" {\n  ssh {\n    address = \"a:22\"\n    user = \"u\"\n  }\n  docker_socket = \"docker.sock\"\n}\n", "", "Invalid docker_socket", "tenantctl.hcl:7"},
		{"pull without ssh", "project \"p1\" {}\nhost \"h\" {\n  pull = true\n}\n", "", "pull without ssh", "tenantctl.hcl:3"},
		{"pull not a bool", "project \"p1\" {}\nhost \"h\" {\n  ssh {\n    address = \"a:22\"\n    user = \"u\"\n  }\n  pull = \"always\"\n}\n", "", "Incorrect attribute value type", "tenantctl.hcl:7"},
		{"two ssh blocks", "project \"p1\" {}\nhost \"h\" {\n  ssh {\n    address = \"a:22\"\n    user = \"u\"\n  }\n  ssh {\n    address = \"b:22\"\n    user = \"u\"\n  }\n}\n", "", "Duplicate ssh block", "tenantctl.hcl:7"},
		{"host and placement", "project \"p1\" {}\nhost \"local\" {}\n", "tenant \"acme\" {\n  template = \"saas\"\n  host     = \"local\"\n  placement {\n    labels = { region = \"eu\" }\n  }\n}\n", "Both host and placement", "tenants/acme.hcl:4"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files := map[string]string{"tenantctl.hcl": c.project}
			if c.tenant != "" {
				files["tenants/acme.hcl"] = c.tenant
			}
			_, _, diags := Load(writeProject(t, baseFiles(files)), fakeSecret)
			for _, d := range diags {
				if d.Summary == c.summary && where(d) == c.at {
					return
				}
			}
			t.Fatalf("no %q at %s; got %v", c.summary, c.at, diags)
		})
	}
}
