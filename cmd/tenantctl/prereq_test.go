package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestIntegrationMissingPrerequisitesFail runs this package's own
// integration tests in a child test binary with one prerequisite taken
// away each time: the test must fail, saying what is missing and how to
// get it, instead of skipping. Under -short they skip; the engine-restart
// test, when not enabled, says it is off and how to turn it on.
func TestIntegrationMissingPrerequisitesFail(t *testing.T) {
	t.Parallel()
	requireEngine(t, appImage, "tenantctl-example/app:1.0.0", dbImage)
	// A PATH with only the docker CLI: no Chromium, no ip, no nsenter.
	bare := t.TempDir()
	for _, tool := range []string{"docker"} {
		path, err := exec.LookPath(tool)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(path, filepath.Join(bare, tool)); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name, run string
		env       []string
		short     bool
		want      []string
	}{
		{"no engine", "TestIntegrationSavedPlan", []string{"DOCKER_HOST=unix:///nonexistent/docker.sock"}, false,
			[]string{"--- FAIL: TestIntegrationSavedPlan", "the Docker engine does not answer", "make deps"}},
		{"no chromium", "TestIntegrationServe", []string{"PATH=" + bare}, false,
			[]string{"--- FAIL: TestIntegrationServe", "Chromium is not installed", "make deps"}},
		{"no tools for the SSH peer", "TestIntegrationSSHHostKeys", []string{"PATH=" + bare}, false,
			[]string{"--- FAIL: TestIntegrationSSHHostKeys", "the SSH test peer cannot start", "needs ip (Debian package iproute2)", "make deps"}},
		{"skipped under -short", "TestIntegrationSavedPlan", []string{"DOCKER_HOST=unix:///nonexistent/docker.sock"}, true,
			[]string{"--- SKIP: TestIntegrationSavedPlan", "skipped with -short"}},
		{"engine restart not enabled", "TestIntegrationEngineRestart", []string{restartEnv + "="}, false,
			[]string{"--- SKIP: TestIntegrationEngineRestart", "off: this test restarts the machine's Docker engine", restartEnv + "=1"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			args := []string{"-test.run", "^" + c.run + "$", "-test.v", "-test.count=1"}
			if c.short {
				args = append(args, "-test.short")
			}
			cmd := exec.Command(os.Args[0], args...)
			cmd.Env = append(append(os.Environ(), binaryEnv+"="+binary), c.env...)
			out, err := cmd.CombinedOutput()
			failed := err != nil
			if wantFail := strings.HasPrefix(c.want[0], "--- FAIL"); failed != wantFail {
				t.Errorf("the child exited with %v, want failed=%v", err, wantFail)
			}
			for _, w := range c.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("the child's output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}
