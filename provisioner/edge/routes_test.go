package edge

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSaveLoadRoutes(t *testing.T) {
	dir := shortDir(t)
	if routes, err := loadRoutes(dir); err != nil || routes != nil {
		t.Fatalf("load of an empty directory = %v, %v; want no routes", routes, err)
	}
	since := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	want := []Route{
		{Tenant: "acme", Hosts: []string{"acme.example.com", "shop.acme.test"}, Backend: "acme-app:8080"},
		{Tenant: "globex", Hosts: []string{"globex.example.com"}, Backend: "10.0.0.7:8080", Maintenance: &Maintenance{Message: "Back at 5", Since: since}},
	}
	if err := saveRoutes(dir, want); err != nil {
		t.Fatal(err)
	}
	got, err := loadRoutes(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("loaded %+v, want %+v", got, want)
	}
	// The atomic write leaves only routes.json behind.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != RoutesFile {
		t.Errorf("data directory holds %v, want only %s", entries, RoutesFile)
	}
	fi, _ := os.Stat(filepath.Join(dir, RoutesFile))
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("routes.json mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestLoadRoutesRefusesDamage(t *testing.T) {
	cases := map[string]string{
		"not JSON":      `{"format":1,"routes":[`,
		"other format":  `{"format":2,"routes":[]}`,
		"bad tenant":    `{"format":1,"routes":[{"tenant":"A","hosts":["a.test"],"backend":"a:80"}]}`,
		"host twice":    `{"format":1,"routes":[{"tenant":"aa","hosts":["x.test"],"backend":"a:80"},{"tenant":"bb","hosts":["x.test"],"backend":"b:80"}]}`,
		"no host":       `{"format":1,"routes":[{"tenant":"aa","hosts":[],"backend":"a:80"}]}`,
		"bad backend":   `{"format":1,"routes":[{"tenant":"aa","hosts":["a.test"],"backend":"a"}]}`,
		"truncated doc": ``,
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			dir := shortDir(t)
			if err := os.WriteFile(filepath.Join(dir, RoutesFile), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := loadRoutes(dir)
			if err == nil {
				t.Fatal("no error: a damaged table would start the proxy with no routes")
			}
			if _, err := OpenRouter(Options{DataDir: dir, Logger: quietLogger()}); err == nil || !strings.Contains(err.Error(), "routes") {
				t.Errorf("OpenRouter: %v, want an error about the routes", err)
			}
		})
	}
}

func TestOpenRouterNeedsDataDir(t *testing.T) {
	_, err := OpenRouter(Options{DataDir: filepath.Join(shortDir(t), "missing")})
	if err == nil || !strings.Contains(err.Error(), "--data") {
		t.Fatalf("err = %v, want one that names --data", err)
	}
}
