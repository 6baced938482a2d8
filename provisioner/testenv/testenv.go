// Package testenv holds the checks integration tests make before they
// start, in one place: an integration test skips only under -short; when
// something it needs is missing (the Docker engine, an example image,
// Chromium, the tools of the SSH test peer, root) it fails, saying what is
// missing and the command that installs it (`make deps`, `make images`).
// A test that must not run with the others is behind an explicit gate
// (Gate), which says that it is off and how to turn it on.
//
// It is test support, imported only by _test.go files.
package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/testpeer"
)

// Integration skips t under -short, the one reason an integration test
// skips.
func Integration(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: skipped with -short")
	}
}

// Gate skips t unless the environment variable env is set to a non-empty
// value. It is for a test that must not run with the others (it restarts
// the engine, say); what says what it does.
func Gate(t testing.TB, env, what string) {
	t.Helper()
	Integration(t)
	if os.Getenv(env) == "" {
		t.Skipf("off: this test %s, so it runs only when %s=1 is set (make test runs it that way, alone, last)", what, env)
	}
}

var (
	engineOnce sync.Once
	engineErr  error
)

// Docker fails t unless the Docker engine answers the docker CLI. The
// answer is checked once per test binary.
func Docker(t testing.TB) {
	t.Helper()
	Integration(t)
	engineOnce.Do(func() { engineErr = pingEngine() })
	if engineErr != nil {
		t.Fatal(engineErr)
	}
}

func pingEngine() error {
	if _, err := exec.LookPath("docker"); err != nil {
		return errors.New("the docker CLI is not installed: install Docker (Debian: apt-get install docker.io), then run `make deps`")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", "version", "--format", "{{.Server.Version}}").CombinedOutput()
	if err != nil {
		return fmt.Errorf("the Docker engine does not answer (docker version: %v: %s): start it, or run `make deps` as root, which starts dockerd", err, bytes.TrimSpace(out))
	}
	return nil
}

// Images fails t unless the Docker engine answers and has every image.
func Images(t testing.TB, images ...string) {
	t.Helper()
	Docker(t)
	var missing []string
	for _, img := range images {
		if err := exec.Command("docker", "image", "inspect", "--format", "{{.Id}}", img).Run(); err != nil {
			missing = append(missing, img)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("the engine has no image %s: run `make images` first", strings.Join(missing, ", "))
	}
}

// Chromium returns the path of Chromium, or fails t.
func Chromium(t testing.TB) string {
	t.Helper()
	Integration(t)
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	t.Fatal("Chromium is not installed: run `make deps` as root (it installs Debian's chromium and fonts-dejavu-core)")
	return ""
}

// Peer fails t unless a testpeer (the SSH tests' second host) can be
// started on this machine.
func Peer(t testing.TB) {
	t.Helper()
	Docker(t)
	if err := testpeer.Available(); err != nil {
		t.Fatalf("the SSH test peer cannot start: %v; run `make deps` as root", err)
	}
}

// Root fails t unless it runs as root; what says what needs it.
func Root(t testing.TB, what string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatalf("%s needs root: run the test as root", what)
	}
}
