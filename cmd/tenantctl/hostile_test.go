package main

import (
	"bytes"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/tools/txtar"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files of the hostile-input corpus")

// hostileBase is the valid project every hostile case starts from; a case's
// files replace or add to it.
var hostileBase = map[string]string{
	"tenantctl.hcl":      "project \"hostile\" {}\n\nhost \"local\" {}\n",
	"tenants/acme.hcl":   "tenant \"acme\" {\n  template = \"saas\"\n}\n",
	"templates/saas.hcl": "",
}

// TestHostileInputCorpus runs every case under testdata/hostile: each is a
// broken project (or a broken command line, or a broken plan file) that
// must exit 1 with the diagnostic pinned in its .golden file, never panic,
// and never contact the engine — DOCKER_HOST points at a trap socket that
// counts connections.
func TestHostileInputCorpus(t *testing.T) {
	t.Parallel()
	cases, err := filepath.Glob("testdata/hostile/*.txtar")
	if err != nil || len(cases) < 40 {
		t.Fatalf("the corpus has %d cases, want at least 40 (%v)", len(cases), err)
	}
	saas, err := os.ReadFile("../../templates/saas.hcl")
	if err != nil {
		t.Fatal(err)
	}
	trap, connections := trapSocket(t)
	for _, path := range cases {
		name := strings.TrimSuffix(filepath.Base(path), ".txtar")
		t.Run(name, func(t *testing.T) {
			ar, err := txtar.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			files := map[string]string{}
			for k, v := range hostileBase {
				files[k] = v
			}
			files["templates/saas.hcl"] = string(saas)
			var commands [][]string
			var env []string
			for _, line := range strings.Split(string(ar.Comment), "\n") {
				switch {
				case strings.HasPrefix(line, "env: "):
					env = append(env, strings.TrimPrefix(line, "env: "))
				case strings.HasPrefix(line, "run: "):
					commands = append(commands, strings.Fields(strings.TrimPrefix(line, "run: ")))
				case strings.HasPrefix(line, "delete: "):
					delete(files, strings.TrimPrefix(line, "delete: "))
				}
			}
			if len(commands) == 0 {
				t.Fatal("the case has no `run:` line")
			}
			for _, f := range ar.Files {
				files[f.Name] = string(f.Data)
			}
			for rel, text := range files {
				p := filepath.Join(dir, rel)
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var got bytes.Buffer
			before := connections.Load()
			for _, args := range commands {
				cmd := exec.Command(binary, args...)
				cmd.Dir = dir
				cmd.Env = append(os.Environ(), "DOCKER_HOST=unix://"+trap, "TENANTCTL_MASTER_KEY="+strings.Repeat("k", 40), "NO_COLOR=1")
				cmd.Env = append(cmd.Env, env...)
				var stdout, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				err := cmd.Run()
				code := 0
				if ee, ok := err.(*exec.ExitError); ok {
					code = ee.ExitCode()
				}
				if code != 1 {
					t.Errorf("tenantctl %s: exit %d, want 1\n%s%s", strings.Join(args, " "), code, stdout.String(), stderr.String())
				}
				if strings.Contains(stderr.String(), "panic") || strings.Contains(stderr.String(), "goroutine ") {
					t.Errorf("tenantctl %s panicked:\n%s", strings.Join(args, " "), stderr.String())
				}
				fmt.Fprintf(&got, "$ tenantctl %s\n%s", strings.Join(args, " "), stderr.String())
			}
			if n := connections.Load() - before; n != 0 {
				t.Errorf("bad input contacted the engine (%d connections)", n)
			}
			golden := strings.TrimSuffix(path, ".txtar") + ".golden"
			if *updateGolden {
				os.WriteFile(golden, got.Bytes(), 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run Hostile -update)", err)
			}
			if got.String() != string(want) {
				t.Errorf("messages differ from %s:\n--- got\n%s--- want\n%s", golden, got.String(), want)
			}
		})
	}
}

// trapSocket listens on a unix socket and counts every connection to it.
func trapSocket(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "trap.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { l.Close() })
	return path, &n
}
