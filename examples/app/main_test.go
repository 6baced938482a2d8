package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// fakeStore is an in-memory store for handler tests.
type fakeStore struct {
	err    error
	visits int64
}

func (f *fakeStore) Ping(ctx context.Context) error { return f.err }

func (f *fakeStore) IncrementVisits(ctx context.Context) (int64, error) {
	if f.err != nil {
		return 0, f.err
	}
	f.visits++
	return f.visits, nil
}

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadConfig(t *testing.T) {
	if _, err := loadConfig(env(nil)); !errors.Is(err, errNoDatabaseURL) {
		t.Fatalf("missing DATABASE_URL: err = %v, want errNoDatabaseURL", err)
	}
	c, err := loadConfig(env(map[string]string{"DATABASE_URL": "postgres://db/app"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.ListenAddr != ":8080" || c.TenantName != "unknown" {
		t.Errorf("defaults = %+v", c)
	}
	c, err = loadConfig(env(map[string]string{
		"DATABASE_URL": "postgres://db/app", "TENANT_NAME": "acme", "LISTEN_ADDR": "127.0.0.1:9000",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.ListenAddr != "127.0.0.1:9000" || c.TenantName != "acme" {
		t.Errorf("explicit = %+v", c)
	}
}

func TestNewPGStoreIsLazyAndHidesSecrets(t *testing.T) {
	// Nothing listens on port 1: creating the pool must still succeed.
	s, err := newPGStore("postgres://app:s3cret@127.0.0.1:1/app?connect_timeout=1")
	if err != nil {
		t.Fatalf("newPGStore: %v", err)
	}
	defer s.Close()
	if got := s.target(); got != "127.0.0.1:1/app" || strings.Contains(got, "s3cret") {
		t.Errorf("target() = %q", got)
	}

	_, err = newPGStore("postgres://app:s3cret@127.0.0.1:notaport/app")
	if err == nil {
		t.Fatal("invalid DATABASE_URL accepted")
	}
	if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "127.0.0.1") {
		t.Errorf("error leaks the connection string: %v", err)
	}
}

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	body, _ := io.ReadAll(rec.Result().Body)
	return rec.Code, string(body)
}

func newTestServer(db store, tenant string) http.Handler {
	return (&server{db: db, tenant: tenant, version: "1.2.3", log: slog.New(slog.NewTextHandler(io.Discard, nil))}).routes()
}

func TestIndexCountsVisits(t *testing.T) {
	h := newTestServer(&fakeStore{}, "acme")
	for i := 1; i <= 2; i++ {
		code, body := get(t, h, "/")
		if code != http.StatusOK {
			t.Fatalf("GET / = %d", code)
		}
		for _, want := range []string{"tenant: acme", "version: 1.2.3", fmt.Sprintf("visits: %d", i)} {
			if !strings.Contains(body, want) {
				t.Errorf("visit %d: page lacks %q:\n%s", i, want, body)
			}
		}
	}
	if code, _ := get(t, h, "/nope"); code != http.StatusNotFound {
		t.Errorf("GET /nope = %d, want 404", code)
	}
}

func TestIndexEscapesTenant(t *testing.T) {
	_, body := get(t, newTestServer(&fakeStore{}, "<b>x</b>"), "/")
	if strings.Contains(body, "<b>x</b>") || !strings.Contains(body, "tenant: &lt;b&gt;x&lt;/b&gt;") {
		t.Errorf("tenant not escaped:\n%s", body)
	}
}

func TestDatabaseDown(t *testing.T) {
	down := &fakeStore{err: errors.New("dial tcp 10.0.0.1:5432: connect: connection refused (password=hunter2)")}
	h := newTestServer(down, "acme")
	for _, path := range []string{"/", "/healthz"} {
		code, body := get(t, h, path)
		if code != http.StatusServiceUnavailable {
			t.Errorf("GET %s = %d, want 503", path, code)
		}
		if strings.TrimSpace(body) != "database unavailable" {
			t.Errorf("GET %s body = %q", path, body)
		}
	}
	timeout := &fakeStore{err: fmt.Errorf("ping: %w", context.DeadlineExceeded)}
	if _, body := get(t, newTestServer(timeout, "acme"), "/healthz"); strings.TrimSpace(body) != "database timeout" {
		t.Errorf("timeout body = %q", body)
	}
}

func TestHealthzOK(t *testing.T) {
	code, body := get(t, newTestServer(&fakeStore{}, "acme"), "/healthz")
	if code != http.StatusOK || strings.TrimSpace(body) != "ok" {
		t.Errorf("GET /healthz = %d %q", code, body)
	}
}
