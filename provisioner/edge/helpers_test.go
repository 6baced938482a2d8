package edge

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// shortDir returns a new temporary directory with a short path (a unix
// socket path is limited to ~100 bytes) removed when the test ends.
func shortDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "edge")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// quietLogger discards the log.
func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// newTestRouter opens a Router on a new data directory.
func newTestRouter(t *testing.T) *Router {
	t.Helper()
	rt, err := OpenRouter(Options{DataDir: shortDir(t), Logger: quietLogger(), RetryAfter: 7 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

// testBackend is an HTTP server standing for one tenant's app. It answers
// "backend NAME" and records every request it gets whose Host is not one
// of its tenant's: a request that reached the wrong tenant.
type testBackend struct {
	name  string
	hosts []string
	srv   *httptest.Server
	hits  atomic.Int64

	mu      sync.Mutex
	foreign []string
	last    *http.Request
}

// newTestBackend starts a backend for the tenant named name with hosts.
// handler, if set, answers instead of the default.
func newTestBackend(t *testing.T, name string, hosts []string, handler http.HandlerFunc) *testBackend {
	t.Helper()
	b := &testBackend{name: name, hosts: hosts}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.hits.Add(1)
		h, _ := NormalizeHost(r.Host)
		b.mu.Lock()
		if !slices.Contains(b.hosts, h) {
			b.foreign = append(b.foreign, r.Host)
		}
		b.last = r.Clone(r.Context())
		b.mu.Unlock()
		if handler != nil {
			handler(w, r)
			return
		}
		fmt.Fprintf(w, "backend %s\n", b.name)
	}))
	t.Cleanup(b.srv.Close)
	return b
}

// addr returns the backend's HOST:PORT.
func (b *testBackend) addr() string { return b.srv.Listener.Addr().String() }

// foreignHosts returns the Hosts of requests that were not for its tenant.
func (b *testBackend) foreignHosts() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.foreign)
}

// lastRequest returns the last request the backend got.
func (b *testBackend) lastRequest() *http.Request {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.last
}

// mustSet routes hosts to addr for tenant.
func mustSet(t *testing.T, rt *Router, tenant, addr string, hosts ...string) SetResult {
	t.Helper()
	res, err := rt.SetRoute(Route{Tenant: tenant, Hosts: hosts, Backend: addr}, 5*time.Second)
	if err != nil {
		t.Fatalf("SetRoute %s: %v", tenant, err)
	}
	return res
}

// get sends GET url with Host host through client and returns the status
// and body.
func get(t *testing.T, client *http.Client, url, host string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s (Host %s): %v", url, host, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s (Host %s): reading: %v", url, host, err)
	}
	return resp.StatusCode, resp.Header, string(b)
}
