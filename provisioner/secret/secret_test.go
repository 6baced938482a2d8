package secret

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func noEnv(string) string { return "" }

func TestCreateLoadDerive(t *testing.T) {
	dir := t.TempDir()
	created, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Fatalf("key file mode = %#o, want 0600", perm)
	}
	loaded, err := Load(dir, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	a := loaded.Derive("acme", "db_password")
	if a != created.Derive("acme", "db_password") {
		t.Fatal("derived value differs between created and loaded key")
	}
	if len(a) != 32 {
		t.Fatalf("len = %d, want 32", len(a))
	}
	for _, other := range []string{loaded.Derive("globex", "db_password"), loaded.Derive("acme", "api_key"), loaded.Derive("acm", "edb_password")} {
		if other == a {
			t.Fatalf("secrets for different tenants or names collide: %s", a)
		}
	}
	if _, err := Create(dir); err == nil {
		t.Fatal("Create overwrote an existing key")
	}
}

func TestLoadRefusesReadableKey(t *testing.T) {
	dir := t.TempDir()
	if _, err := Create(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, KeyFile), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(dir, noEnv)
	if err == nil || !strings.Contains(err.Error(), "readable by others") {
		t.Fatalf("err = %v, want a refusal naming the mode", err)
	}
}

func TestLoadFromEnv(t *testing.T) {
	env := func(k string) string {
		if k == EnvVar {
			return strings.Repeat("k", 40)
		}
		return ""
	}
	k, err := Load(t.TempDir(), env)
	if err != nil {
		t.Fatal(err)
	}
	if k.Derive("a", "b") == "" {
		t.Fatal("empty secret")
	}
	short := func(string) string { return "short" }
	if _, err := Load(t.TempDir(), short); err == nil {
		t.Fatal("a short key was accepted")
	}
	if _, err := Load(t.TempDir(), noEnv); err == nil {
		t.Fatal("a missing key was accepted")
	}
}
