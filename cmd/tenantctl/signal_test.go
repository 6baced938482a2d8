package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// stallingEngine is a proxy in front of the local engine whose container
// creates can be made to hang, like an engine that takes a request and
// never answers. Point DOCKER_HOST at its Host.
type stallingEngine struct {
	Host  string
	stall atomic.Bool
	// held receives a value each time a request is held.
	held chan struct{}
}

func newStallingEngine(t *testing.T) *stallingEngine {
	t.Helper()
	socket := "/var/run/docker.sock"
	if h, ok := strings.CutPrefix(os.Getenv("DOCKER_HOST"), "unix://"); ok {
		socket = h
	} else if os.Getenv("DOCKER_HOST") != "" {
		t.Skip("the stalling proxy needs the engine on a unix socket")
	}
	s := &stallingEngine{held: make(chan struct{}, 16)}
	quit := make(chan struct{})
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) { r.Out.URL.Scheme, r.Out.URL.Host = "http", "docker" },
		Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		}},
		FlushInterval: -1,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.stall.Load() && r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/containers/create") {
			s.held <- struct{}{}
			// Read the body, so the server notices when the client goes.
			io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-quit:
			}
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(quit) })
	s.Host = "tcp://" + srv.Listener.Addr().String()
	return s
}

// TestIntegrationSecondInterruptExitsAtOnce: the engine hangs on a
// container create. The first SIGINT lets the step in flight go on (it
// is not cut); the second ends the process at once with exit code 130 and
// one line saying the next apply converges, which it does.
func TestIntegrationSecondInterruptExitsAtOnce(t *testing.T) {
	requireEngine(t, "tenantctl-example/app:1.0.0")
	t.Parallel()
	eng := newStallingEngine(t)
	p := newProject(t, map[string]string{"sig": `tenant "sig" { template = "small" }`})
	eng.stall.Store(true)
	cmd := exec.Command(binary, "--chdir", p.dir, "apply", "--auto-approve")
	cmd.Env = append(p.env, "DOCKER_HOST="+eng.Host)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-eng.held:
	case err := <-exited:
		t.Fatalf("apply ended before its create: %v\n%s", err, out.String())
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		t.Fatalf("apply never created a container:\n%s", out.String())
	}

	cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-exited:
		t.Fatalf("the first interrupt cut the step in flight: %v\n%s", err, out.String())
	case <-time.After(2 * time.Second):
	}
	cmd.Process.Signal(syscall.SIGINT)
	sent := time.Now()
	select {
	case err := <-exited:
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitInterrupted {
			t.Fatalf("after the second interrupt: %v, want exit %d\n%s", err, exitInterrupted, out.String())
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-exited
		t.Fatalf("still running 10s after the second interrupt: it was swallowed\n%s", out.String())
	}
	t.Logf("exited %s after the second interrupt", time.Since(sent).Round(time.Millisecond))
	if n := strings.Count(out.String(), secondInterrupt); n != 1 {
		t.Fatalf("the second interrupt printed %d times %q:\n%s", n, secondInterrupt, out.String())
	}

	eng.stall.Store(false)
	p.must(0, "apply", "--auto-approve")
	p.must(0, "plan", "--detailed-exitcode")
	if c, _, _ := p.objects(); len(c) != 1 {
		t.Fatalf("%d containers after converging, want 1", len(c))
	}
}
