package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tenantctl/tenantctl/provisioner/secret"
)

// inspected is the part of `docker inspect` these tests read.
type inspected struct {
	Config struct {
		User   string
		Labels map[string]string
	}
	HostConfig struct {
		CapDrop       []string
		CapAdd        []string
		SecurityOpt   []string
		Privileged    bool
		Memory        int64
		PidsLimit     *int64
		RestartPolicy struct{ Name string }
		LogConfig     struct {
			Type   string
			Config map[string]string
		}
		PortBindings map[string]any
	}
	Mounts []struct {
		Type, Source, Destination string
	}
	NetworkSettings struct {
		Networks map[string]any
	}
}

func inspect(t *testing.T, name string) inspected {
	t.Helper()
	var out []inspected
	if err := json.Unmarshal([]byte(docker(t, "inspect", name)), &out); err != nil || len(out) != 1 {
		t.Fatalf("docker inspect %s: %v", name, err)
	}
	return out[0]
}

// TestIntegrationHardenedAndSecretFree applies the example stack and checks
// the real containers: no privileges, capabilities dropped, limits, restart
// policy, log rotation, no engine socket, the database on the internal
// network only — and that the derived secret appears in no output, label or
// plan file.
func TestIntegrationHardenedAndSecretFree(t *testing.T) {
	t.Parallel()
	requireEngine(t, appImage, dbImage)
	p := newProject(t, map[string]string{"hard": saasTenant("hard", "1.1.0", false)})
	planFile := filepath.Join(p.dir, "hard.tfplan")
	outputs := []result{
		p.must(2, "plan", "--detailed-exitcode", "--out", planFile),
		p.must(0, "plan", "--json"),
		p.must(0, "apply", "--auto-approve"),
		p.must(0, "apply", "--auto-approve", "--json"),
		p.must(0, "plan", "--json", "--inspect"),
	}

	for _, svc := range []string{"db", "app"} {
		c := inspect(t, p.container("hard", svc))
		h := c.HostConfig
		if h.Privileged || len(h.CapAdd) != 0 || len(h.CapDrop) != 1 || h.CapDrop[0] != "ALL" {
			t.Errorf("%s: privileged=%v cap_add=%v cap_drop=%v", svc, h.Privileged, h.CapAdd, h.CapDrop)
		}
		if strings.Join(h.SecurityOpt, ",") != "no-new-privileges:true" {
			t.Errorf("%s: security options %v", svc, h.SecurityOpt)
		}
		if h.Memory == 0 || h.PidsLimit == nil || *h.PidsLimit == 0 {
			t.Errorf("%s: no memory or pids limit", svc)
		}
		if h.RestartPolicy.Name != "unless-stopped" {
			t.Errorf("%s: restart policy %q", svc, h.RestartPolicy.Name)
		}
		if h.LogConfig.Config["max-size"] == "" || h.LogConfig.Config["max-file"] == "" {
			t.Errorf("%s: logs are not rotated: %+v", svc, h.LogConfig)
		}
		if c.Config.User == "" || c.Config.User == "root" || c.Config.User == "0" {
			t.Errorf("%s runs as root", svc)
		}
		for _, m := range c.Mounts {
			if strings.Contains(m.Source, "docker.sock") || m.Type == "bind" {
				t.Errorf("%s mounts %s", svc, m.Source)
			}
		}
	}
	db := inspect(t, p.container("hard", "db"))
	if len(db.HostConfig.PortBindings) != 0 || len(db.NetworkSettings.Networks) != 1 {
		t.Errorf("database: ports %v, networks %v; want none published and the internal network only", db.HostConfig.PortBindings, db.NetworkSettings.Networks)
	}
	if _, ok := db.NetworkSettings.Networks[p.name+"_hard_internal"]; !ok {
		t.Errorf("database is not on the internal network: %v", db.NetworkSettings.Networks)
	}

	key := strings.TrimPrefix(envValue(p.env, secret.EnvVar), secret.EnvVar+"=")
	k, err := secret.Load(p.dir, func(string) string { return key })
	if err != nil {
		t.Fatal(err)
	}
	value := k.Derive("hard", "db_password")
	planBytes, err := os.ReadFile(planFile)
	if err != nil {
		t.Fatal(err)
	}
	haystacks := map[string]string{"plan file": string(planBytes)}
	for i, r := range outputs {
		haystacks["output "+string(rune('1'+i))] = r.stdout + r.stderr
	}
	for _, svc := range []string{"db", "app"} {
		labels, _ := json.Marshal(inspect(t, p.container("hard", svc)).Config.Labels)
		haystacks[svc+" labels"] = string(labels)
	}
	for where, text := range haystacks {
		if strings.Contains(text, value) {
			t.Errorf("the derived secret appears in the %s", where)
		}
	}
	// The secret is really in use: the app reaches its database with it.
	if code, _ := get(t, urls(t, outputs[2].stdout)["hard"]); code != 200 {
		t.Fatalf("app answers %d", code)
	}
}

func envValue(env []string, name string) string {
	for _, kv := range env {
		if strings.HasPrefix(kv, name+"=") {
			return kv
		}
	}
	return ""
}
