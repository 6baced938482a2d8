package check

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/model"
)

// serve starts a server and returns a target whose app.http is it.
func serve(t *testing.T, h http.HandlerFunc) *Target {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &Target{Addrs: map[string]string{"app.http": strings.TrimPrefix(srv.URL, "http://")}}
}

// httpCheck is a check with the loader's defaults, shortened for tests.
func httpCheck(mod func(*model.HTTPCheck)) model.Check {
	hc := &model.HTTPCheck{Service: "app", Port: "http", Method: "GET", Path: "/", Status: 200, Timeout: time.Second, Retries: 0, Interval: 10 * time.Millisecond}
	if mod != nil {
		mod(hc)
	}
	return model.Check{Name: "home", HTTP: hc}
}

func TestHTTPCheck(t *testing.T) {
	page := func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			fmt.Fprint(w, "tenant: acme\nvisits: 42\n")
		case "/old":
			http.Redirect(w, r, "/", http.StatusMovedPermanently)
		case "/post":
			if r.Method != http.MethodPost {
				http.Error(w, "method", http.StatusMethodNotAllowed)
			}
		default:
			http.NotFound(w, r)
		}
	}
	cases := []struct {
		name string
		mod  func(*model.HTTPCheck)
		pass bool
		msg  []string
	}{
		{"status and body", func(h *model.HTTPCheck) { h.BodyContains = "tenant: acme"; h.BodyMatches = `visits: \d+` }, true, nil},
		{"wrong status", func(h *model.HTTPCheck) { h.Path = "/nope" }, false, []string{"GET /nope: status 404 Not Found, want 200", "404 page not found"}},
		{"expected 404", func(h *model.HTTPCheck) { h.Path = "/nope"; h.Status = 404 }, true, nil},
		{"body lacks text", func(h *model.HTTPCheck) { h.BodyContains = "tenant: globex" }, false, []string{`body does not contain "tenant: globex"`, `tenant: acme`}},
		{"body does not match", func(h *model.HTTPCheck) { h.BodyMatches = `visits: [a-z]+` }, false, []string{"body does not match /visits: [a-z]+/"}},
		{"redirect not followed", func(h *model.HTTPCheck) { h.Path = "/old"; h.Status = 301 }, true, nil},
		{"method", func(h *model.HTTPCheck) { h.Path = "/post"; h.Method = "POST" }, true, nil},
		{"wrong method", func(h *model.HTTPCheck) { h.Path = "/post" }, false, []string{"status 405"}},
		{"unknown port", func(h *model.HTTPCheck) { h.Port = "admin" }, false, []string{`publishes no port "admin"`}},
	}
	target := serve(t, page)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := target.Run(context.Background(), httpCheck(c.mod))
			if r.Passed != c.pass || r.Kind != KindHTTP || r.Name != "home" || r.Duration <= 0 {
				t.Fatalf("result %+v, want passed=%v", r, c.pass)
			}
			if c.pass && r.Message != "" {
				t.Errorf("a passed check has a message: %q", r.Message)
			}
			for _, m := range c.msg {
				if !strings.Contains(r.Message, m) {
					t.Errorf("message %q lacks %q", r.Message, m)
				}
			}
		})
	}
}

func TestHTTPCheckRetries(t *testing.T) {
	var calls atomic.Int32
	target := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "ok")
	})
	r := target.Run(context.Background(), httpCheck(func(h *model.HTTPCheck) { h.Retries = 5 }))
	if !r.Passed || r.Attempts != 3 {
		t.Fatalf("third attempt should pass: %+v", r)
	}

	calls.Store(-100)
	start := time.Now()
	r = target.Run(context.Background(), httpCheck(func(h *model.HTTPCheck) { h.Retries = 2; h.Interval = 50 * time.Millisecond }))
	if r.Passed || r.Attempts != 3 || !strings.HasPrefix(r.Message, "after 3 attempts: GET /: status 503") {
		t.Fatalf("retries used up: %+v", r)
	}
	if elapsed := time.Since(start); elapsed < 100*time.Millisecond {
		t.Errorf("two intervals of 50ms took %s", elapsed)
	}
}

func TestHTTPCheckTimeoutAndCancel(t *testing.T) {
	release := make(chan struct{})
	target := serve(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	r := target.Run(context.Background(), httpCheck(func(h *model.HTTPCheck) { h.Timeout = 50 * time.Millisecond }))
	if r.Passed || !strings.Contains(r.Message, "no answer within 50ms") {
		t.Fatalf("timeout: %+v", r)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	r = target.Run(ctx, httpCheck(func(h *model.HTTPCheck) { h.Timeout = 40 * time.Millisecond; h.Retries = 1000 }))
	if r.Passed || !strings.Contains(r.Message, "deadline of the run passed") {
		t.Fatalf("run deadline: %+v", r)
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("the check went on after the run's deadline: %s", time.Since(start))
	}
}

func TestHTTPCheckConnectionRefused(t *testing.T) {
	target := &Target{Addrs: map[string]string{"app.http": "127.0.0.1:1"}}
	r := target.Run(context.Background(), httpCheck(nil))
	if r.Passed || !strings.Contains(r.Message, "connection refused") || strings.Contains(r.Message, `Get "`) {
		t.Fatalf("%+v", r)
	}
}

func TestQuoteTruncates(t *testing.T) {
	long := strings.Repeat("é", 1000)
	q := quote(long)
	if len(q) > maxQuoted+40 || !strings.Contains(q, "more bytes)") || !strings.HasPrefix(q, "éé") {
		t.Fatalf("quote = %q", q)
	}
	if strings.ContainsRune(q, '\uFFFD') {
		t.Fatal("quote cut a character in half")
	}
}
