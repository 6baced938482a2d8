package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/status"
)

// fakeSource serves a fixed report.
type fakeSource struct {
	report *status.Report
	err    error
}

func (f *fakeSource) Tenants(context.Context) (*status.Report, error) { return f.report, f.err }

func (f *fakeSource) Tenant(_ context.Context, name string) (*status.TenantStatus, error) {
	if f.err != nil {
		return nil, f.err
	}
	if t := f.report.Find(name); t != nil {
		return t, nil
	}
	return nil, fmt.Errorf("tenant %s: %w", name, status.ErrNotFound)
}

var observedAt = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func tenant(name string, state status.State, labels map[string]string) status.TenantStatus {
	created := observedAt.Add(-50 * time.Hour)
	t := status.TenantStatus{
		Name: name, Host: "local", State: state, Health: status.Healthy, Version: "1.1.0",
		URL: "http://127.0.0.1:23125/", Labels: labels, Defined: true, Deployed: true,
		Created: &created, Updated: &created, AgeSeconds: 50 * 3600, Reasons: []string{},
		Services: []status.ServiceStatus{
			{Name: "db", Container: "p_" + name + "_db", Image: "tenantctl-example/postgres:15", State: "running", Health: status.Healthy, Check: "command", HealthOutput: "127.0.0.1:5432 - accepting connections", Ports: []status.Port{}},
			{Name: "app", Container: "p_" + name + "_app", Image: "tenantctl-example/app:1.1.0", State: "running", Health: status.Healthy, Check: "http", Ports: []status.Port{{Name: "http", Container: 8080, Host: 23125, Protocol: "tcp", URL: "http://127.0.0.1:23125/"}}},
		},
	}
	if state == status.Degraded {
		t.Health = status.Unhealthy
		t.Services[1].State, t.Services[1].Health = "exited", status.Down
		t.Reasons = []string{"app: container exited"}
	}
	return t
}

func sampleSource() *fakeSource {
	tenants := []status.TenantStatus{
		tenant("acme", status.Running, map[string]string{"owner": "dana", "tier": "enterprise"}),
		tenant("globex", status.Degraded, map[string]string{"owner": "sam", "tier": "standard"}),
		tenant("initech", status.Running, map[string]string{"owner": "<script>alert(1)</script>", "tier": "standard"}),
	}
	return &fakeSource{report: &status.Report{FormatVersion: "1", Project: "acme-saas", Time: observedAt, Tenants: tenants, Counts: status.CountStates(tenants)}}
}

func newHandler(t *testing.T, src Source, opts Options) *Handler {
	t.Helper()
	h, err := New(src, opts)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// do sends one request and returns the response and its body.
func do(t *testing.T, h http.Handler, method, target string, edit ...func(*http.Request)) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for _, e := range edit {
		e(req)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	resp := rec.Result()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var rowRe = regexp.MustCompile(`<tr data-tenant="([a-z0-9-]+)" data-state="([a-z]+)">`)

func rows(body string) string {
	var out []string
	for _, m := range rowRe.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1]+"="+m[2])
	}
	return strings.Join(out, " ")
}

func TestListPage(t *testing.T) {
	h := newHandler(t, sampleSource(), Options{Refresh: 5 * time.Second})
	resp, body := do(t, h, "GET", "/")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET /: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if got := rows(body); got != "acme=running globex=degraded initech=running" {
		t.Errorf("rows: %s", got)
	}
	for _, want := range []string{
		`<meta http-equiv="refresh" content="5">`,
		`<span class="badge state-degraded">degraded</span>`,
		`<div class="why">app: container exited</div>`,
		`<a class="name" href="/tenants/acme">acme</a>`,
		`href="/?label=tier%3Denterprise"`,
		`healthy 2/2`, `unhealthy 1/2`,
		`running <b>2</b>`, `degraded <b>1</b>`,
		`&lt;script&gt;alert(1)&lt;/script&gt;`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script") {
		t.Error("a label value was not escaped")
	}
}

func TestListFilters(t *testing.T) {
	h := newHandler(t, sampleSource(), Options{})
	for query, want := range map[string]string{
		"/?q=ACM":                         "acme=running",
		"/?state=degraded":                "globex=degraded",
		"/?label=tier%3Dstandard":         "globex=degraded initech=running",
		"/?label=dana":                    "acme=running",
		"/?label=tier":                    "acme=running globex=degraded initech=running",
		"/?label=tier%3Dstandard&q=glo":   "globex=degraded",
		"/?state=running&label=owner%3Dx": "",
	} {
		_, body := do(t, h, "GET", query)
		if got := rows(body); got != want {
			t.Errorf("%s: rows %q, want %q", query, got, want)
		}
		if want == "" && !strings.Contains(body, "No tenant matches this filter") {
			t.Errorf("%s: no empty-filter message", query)
		}
	}
	_, body := do(t, h, "GET", "/?state=degraded&q=g")
	if !strings.Contains(body, `<option value="degraded" selected>`) || !strings.Contains(body, `value="g"`) {
		t.Error("the form does not keep the filter")
	}
}

func TestTenantPage(t *testing.T) {
	h := newHandler(t, sampleSource(), Options{})
	resp, body := do(t, h, "GET", "/tenants/globex")
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for _, want := range []string{
		`<span class="badge state-degraded" id="state">degraded</span>`,
		`<li>app: container exited</li>`,
		`<tr data-service="db">`, `<tr data-service="app">`,
		`<pre>127.0.0.1:5432 - accepting connections</pre>`,
		`tenantctl-example/app:1.1.0`, `owner=sam`, `2026-11-29 10:00:00 UTC`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("tenant page lacks %q", want)
		}
	}
	if resp, _ := do(t, h, "GET", "/tenants/nobody"); resp.StatusCode != 404 {
		t.Errorf("unknown tenant: %d", resp.StatusCode)
	}
}

func TestAPI(t *testing.T) {
	src := sampleSource()
	h := newHandler(t, src, Options{})
	resp, body := do(t, h, "GET", "/api/tenants")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /api/tenants: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var rep status.Report
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(src.report)
	got, _ := json.Marshal(&rep)
	if string(got) != string(want) {
		t.Errorf("API document differs from the report:\n%s\n%s", got, want)
	}
	_, body = do(t, h, "GET", "/api/tenants?state=degraded")
	rep = status.Report{}
	json.Unmarshal([]byte(body), &rep)
	if len(rep.Tenants) != 1 || rep.Tenants[0].Name != "globex" || rep.Counts[status.Degraded] != 1 || rep.Counts[status.Running] != 0 {
		t.Errorf("filtered API: %+v", rep)
	}
	resp, body = do(t, h, "GET", "/api/tenants/acme")
	var ts status.TenantStatus
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &ts) != nil || ts.Name != "acme" || len(ts.Services) != 2 {
		t.Errorf("GET /api/tenants/acme: %d %s", resp.StatusCode, body)
	}
	if resp, body := do(t, h, "GET", "/api/tenants/nobody"); resp.StatusCode != 404 || !strings.Contains(body, `"error"`) {
		t.Errorf("unknown tenant: %d %s", resp.StatusCode, body)
	}
}

func TestSourceError(t *testing.T) {
	h := newHandler(t, &fakeSource{err: errors.New("engine down")}, Options{})
	for _, path := range []string{"/", "/tenants/acme", "/api/tenants", "/api/tenants/acme", "/metrics"} {
		resp, body := do(t, h, "GET", path)
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "engine down") {
			t.Errorf("%s: %d %s", path, resp.StatusCode, body)
		}
	}
}

var paths = []string{"/", "/tenants/acme", "/api/tenants", "/api/tenants/acme", "/metrics", "/healthz", "/login", "/logout", "/static/style.css", "/nothing/here"}

// TestReadOnly: every path answers GET and HEAD only, but for the login
// and logout forms, which also take POST.
func TestReadOnly(t *testing.T) {
	h := newHandler(t, sampleSource(), Options{})
	for _, path := range paths {
		form := path == "/login" || path == "/logout"
		allow := "GET, HEAD"
		if form {
			allow = "GET, HEAD, POST"
		}
		for _, method := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"} {
			if method == "POST" && form {
				continue
			}
			resp, _ := do(t, h, method, path)
			if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != allow {
				t.Errorf("%s %s: %d, Allow %q", method, path, resp.StatusCode, resp.Header.Get("Allow"))
			}
		}
		if resp, _ := do(t, h, "HEAD", path); resp.StatusCode >= 400 && path != "/nothing/here" {
			t.Errorf("HEAD %s: %d", path, resp.StatusCode)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	h := newHandler(t, sampleSource(), Options{Token: "0123456789abcdef0123"})
	for _, path := range paths {
		for _, method := range []string{"GET", "POST"} {
			resp, _ := do(t, h, method, path)
			for k, v := range map[string]string{
				"Content-Security-Policy": "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
				"X-Content-Type-Options":  "nosniff",
				"X-Frame-Options":         "DENY",
				"Referrer-Policy":         "no-referrer",
			} {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s %s: %s = %q", method, path, k, got)
				}
			}
		}
	}
	resp, body := do(t, h, "GET", "/static/style.css")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") || !strings.Contains(body, ".badge") {
		t.Errorf("style.css: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestLoopbackOnly(t *testing.T) {
	h := newHandler(t, sampleSource(), Options{LoopbackOnly: true})
	for host, want := range map[string]int{"127.0.0.1:8080": 200, "localhost:8080": 200, "[::1]:8080": 200, "evil.example:8080": 403, "10.0.0.5": 403} {
		resp, _ := do(t, h, "GET", "/", func(r *http.Request) { r.Host = host })
		if resp.StatusCode != want {
			t.Errorf("Host %s: %d, want %d", host, resp.StatusCode, want)
		}
	}
}
