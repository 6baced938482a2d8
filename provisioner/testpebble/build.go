package testpebble

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
)

// Module and Version pin the Pebble release the tests run against. The
// binaries are built from the Go module proxy, never from a checkout.
const (
	Module  = "github.com/letsencrypt/pebble/v2"
	Version = "v2.10.3"
)

// Binaries holds the paths of the two programs a Server runs.
type Binaries struct {
	Pebble       string
	ChallTestSrv string
}

var (
	buildOnce sync.Once
	built     Binaries
	buildErr  error
)

// Build returns Pebble and pebble-challtestsrv at Version, installed once
// into <module root>/bin/testtools/pebble-<Version>/ (or the user cache
// directory outside a module) and reused by later runs. It needs the go
// command and the Go module proxy on the first run only.
func Build(ctx context.Context) (Binaries, error) {
	buildOnce.Do(func() { built, buildErr = build(ctx) })
	return built, buildErr
}

func build(ctx context.Context) (Binaries, error) {
	goTool, err := goCommand()
	if err != nil {
		return Binaries{}, err
	}
	base, err := cacheBase(ctx, goTool)
	if err != nil {
		return Binaries{}, err
	}
	dir := filepath.Join(base, "pebble-"+Version)
	bins := Binaries{Pebble: filepath.Join(dir, exe("pebble")), ChallTestSrv: filepath.Join(dir, exe("pebble-challtestsrv"))}
	if present(bins) {
		return bins, nil
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		return Binaries{}, err
	}
	// Install into a fresh directory and rename it into place, so that
	// test binaries of several packages building at once never see a
	// half-written program: the first rename wins, the others are dropped.
	tmp, err := os.MkdirTemp(base, ".pebble-build-")
	if err != nil {
		return Binaries{}, err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, goTool, "install",
		Module+"/cmd/pebble@"+Version, Module+"/cmd/pebble-challtestsrv@"+Version)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOWORK=off", "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		return Binaries{}, fmt.Errorf("testpebble: go install %s@%s (needs the Go module proxy): %w\n%s", Module, Version, err, out)
	}
	if err := os.Rename(tmp, dir); err != nil && !present(bins) {
		return Binaries{}, fmt.Errorf("testpebble: install into %s: %w", dir, err)
	}
	if !present(bins) {
		return Binaries{}, fmt.Errorf("testpebble: go install left no binaries in %s", dir)
	}
	return bins, nil
}

// goCommand finds the go command. go test puts its own toolchain's bin
// directory first on PATH, so this is the go that runs the tests.
func goCommand() (string, error) {
	p, err := exec.LookPath("go")
	if err != nil {
		return "", errors.New("testpebble: the go command is needed to build Pebble; put it on PATH")
	}
	return p, nil
}

// cacheBase is <module root>/bin/testtools (bin/ is ignored by git), or
// <user cache>/tenantctl/testtools when not run inside a module.
func cacheBase(ctx context.Context, goTool string) (string, error) {
	out, err := exec.CommandContext(ctx, goTool, "env", "GOMOD").Output()
	if gomod := strings.TrimSpace(string(out)); err == nil && gomod != "" && gomod != os.DevNull {
		return filepath.Join(filepath.Dir(gomod), "bin", "testtools"), nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("testpebble: no module root and no user cache directory: %w", err)
	}
	return filepath.Join(cache, "tenantctl", "testtools"), nil
}

func present(b Binaries) bool {
	for _, p := range []string{b.Pebble, b.ChallTestSrv} {
		if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() {
			return false
		}
	}
	return true
}

func exe(name string) string {
	if runtime.GOOS == "windows" {
		return name + ".exe"
	}
	return name
}
