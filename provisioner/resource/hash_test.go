package resource

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/hashes.golden.json")

// hashFixtures are specs whose hashes are pinned: a changed hash would
// replace every container of every tenant on the next apply after an
// upgrade of tenantctl.
func hashFixtures() map[string]any {
	full := ContainerSpec{
		Name: "p_acme_app", Tenant: "acme", Service: "app",
		Image:   "tenantctl-example/app:1.1.0",
		Command: []string{"/app", "--listen", ":8080"},
		Env: []EnvVar{
			{Name: "DATABASE_URL", Value: "postgres://app:s3cr3t@db:5432/app", Sensitive: true},
			{Name: "MODE", Value: "prod"},
		},
		Labels:   map[string]string{LabelTenant: "acme"},
		Networks: []Attachment{{Network: "p_acme_internal", Aliases: []string{"app"}}, {Network: "p_acme_edge"}},
		Ports:    []PortBinding{{Name: "http", Container: 8080, Protocol: "tcp", HostIP: "127.0.0.1", HostPort: 20001}},
		Mounts:   []Mount{{Volume: "p_acme_data", Target: "/data", ReadOnly: true}},
		Health: &HealthCheck{Command: []string{"pg_isready"}, Interval: time.Second, Timeout: 2 * time.Second,
			Retries: 3, StartPeriod: 5 * time.Second},
		Probe:  &HTTPProbe{Path: "/healthz", HostPort: 20001, Interval: time.Second, Timeout: time.Second, Retries: 30},
		Memory: 512 << 20, NanoCPUs: 1e9, PidsLimit: 512,
	}
	minimal := ContainerSpec{Name: "p_b_db", Tenant: "b", Service: "db", Image: "postgres:15"}
	withCaps := full
	withCaps.CapAdd = []string{"NET_BIND_SERVICE"}
	return map[string]any{
		"container full":    full.Hash(),
		"container minimal": minimal.Hash(),
		"container cap_add": withCaps.Hash(),
		"container fields":  EncodeFields(full.FieldHashes()),
		"network internal":  NetworkSpec{Name: "p_acme_internal", Internal: true}.Hash(),
		"network edge":      NetworkSpec{Name: "p_acme_edge"}.Hash(),
		"volume":            VolumeSpec{Name: "p_acme_data"}.Hash(),
	}
}

// TestSpecHashesArePinned compares every fixture's hash with the golden
// file, made by the release of commit 8f68b7a. A difference means an
// upgrade would replace running containers: introduce a new hash version
// instead of changing v1.
func TestSpecHashesArePinned(t *testing.T) {
	got := hashFixtures()
	path := filepath.Join("testdata", "hashes.golden.json")
	if *updateGolden {
		b, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]any
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	for name, h := range got {
		if want[name] != h {
			t.Errorf("%s: hash %v, pinned %v", name, h, want[name])
		}
	}
	if len(want) != len(got) {
		t.Errorf("golden file has %d entries, fixtures %d", len(want), len(got))
	}
}
