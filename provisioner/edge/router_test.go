package edge

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// twoTenants routes acme and globex through one proxy and returns it with
// their backends.
func twoTenants(t *testing.T) (*Router, *httptest.Server, *testBackend, *testBackend) {
	t.Helper()
	rt := newTestRouter(t)
	acmeHosts := []string{"acme.example.com", "shop.acme.test"}
	globexHosts := []string{"globex.example.com"}
	acme := newTestBackend(t, "acme", acmeHosts, nil)
	globex := newTestBackend(t, "globex", globexHosts, nil)
	mustSet(t, rt, "acme", acme.addr(), acmeHosts...)
	mustSet(t, rt, "globex", globex.addr(), globexHosts...)
	proxy := httptest.NewServer(rt)
	t.Cleanup(proxy.Close)
	return rt, proxy, acme, globex
}

func TestRoutesByHost(t *testing.T) {
	_, proxy, acme, globex := twoTenants(t)
	cases := map[string]string{
		"acme.example.com":       "backend acme\n",
		"shop.acme.test":         "backend acme\n",
		"ACME.Example.Com":       "backend acme\n",
		"acme.example.com.":      "backend acme\n",
		"acme.example.com:8443":  "backend acme\n",
		"globex.example.com":     "backend globex\n",
		"GLOBEX.example.com.:80": "backend globex\n",
	}
	for host, want := range cases {
		status, _, body := get(t, proxy.Client(), proxy.URL+"/", host)
		if status != 200 || body != want {
			t.Errorf("Host %q: %d %q, want 200 %q", host, status, body, want)
		}
	}
	if f := append(acme.foreignHosts(), globex.foreignHosts()...); len(f) > 0 {
		t.Errorf("backends got requests for other tenants: %v", f)
	}
}

func TestUnknownHostRevealsNothing(t *testing.T) {
	_, proxy, acme, globex := twoTenants(t)
	var first string
	for _, host := range []string{"nobody.example.com", "example.com", "acme", "acme.example.com.evil.test", "127.0.0.1", "x"} {
		status, h, body := get(t, proxy.Client(), proxy.URL+"/", host)
		if status != http.StatusNotFound {
			t.Errorf("Host %q: status %d, want 404", host, status)
		}
		for _, secret := range []string{"acme", "globex", "example.com", acme.addr(), globex.addr()} {
			if host != secret && strings.Contains(strings.ReplaceAll(body, host, ""), secret) {
				t.Errorf("404 page for %q mentions %q:\n%s", host, secret, body)
			}
		}
		if first == "" {
			first = body
		} else if body != first {
			t.Errorf("404 page differs by host: %q vs %q", body, first)
		}
		if h.Get("Retry-After") != "" {
			t.Errorf("404 has Retry-After")
		}
	}
	if acme.hits.Load()+globex.hits.Load() != 0 {
		t.Errorf("unknown hosts reached a backend")
	}
}

// rawRequest writes req as is to the proxy and returns the status line
// and body of the answer.
func rawRequest(t *testing.T, proxy *httptest.Server, req string) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", proxy.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("reading the answer to %q: %v", req, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHostHeaderTricksNeverCrossTenants(t *testing.T) {
	_, proxy, acme, globex := twoTenants(t)
	cases := []struct {
		name   string
		req    string
		status int
		body   string // "" for any
	}{
		{"uppercase", "GET / HTTP/1.1\r\nHost: ACME.EXAMPLE.COM\r\n\r\n", 200, "backend acme\n"},
		{"trailing dot", "GET / HTTP/1.1\r\nHost: globex.example.com.\r\n\r\n", 200, "backend globex\n"},
		{"port", "GET / HTTP/1.1\r\nHost: globex.example.com:443\r\n\r\n", 200, "backend globex\n"},
		// The absolute-form URI wins over Host (RFC 9112 3.2.2): the
		// request is for globex, and only globex's backend sees it.
		{"absolute URI, other Host", "GET http://globex.example.com/ HTTP/1.1\r\nHost: acme.example.com\r\n\r\n", 200, "backend globex\n"},
		{"absolute URI, unknown host", "GET http://nobody.test/ HTTP/1.1\r\nHost: acme.example.com\r\n\r\n", 404, ""},
		{"duplicate Host", "GET / HTTP/1.1\r\nHost: acme.example.com\r\nHost: globex.example.com\r\n\r\n", 400, ""},
		{"no Host in HTTP/1.0", "GET / HTTP/1.0\r\n\r\n", 404, ""},
		{"X-Forwarded-Host ignored", "GET / HTTP/1.1\r\nHost: acme.example.com\r\nX-Forwarded-Host: globex.example.com\r\n\r\n", 200, "backend acme\n"},
		{"Forwarded ignored", "GET / HTTP/1.1\r\nHost: acme.example.com\r\nForwarded: host=globex.example.com\r\n\r\n", 200, "backend acme\n"},
		{"space in Host", "GET / HTTP/1.1\r\nHost: acme.example.com globex.example.com\r\n\r\n", 400, ""},
		{"comma in Host", "GET / HTTP/1.1\r\nHost: acme.example.com,globex.example.com\r\n\r\n", 404, ""},
	}
	for _, c := range cases {
		status, body := rawRequest(t, proxy, c.req)
		if status != c.status || (c.body != "" && body != c.body) {
			t.Errorf("%s: %d %q, want %d %q", c.name, status, body, c.status, c.body)
		}
	}
	if f := append(acme.foreignHosts(), globex.foreignHosts()...); len(f) > 0 {
		t.Errorf("backends got requests for other tenants: %v", f)
	}
}

func TestForwardedHeaders(t *testing.T) {
	_, proxy, acme, _ := twoTenants(t)
	req, _ := http.NewRequest(http.MethodGet, proxy.URL+"/path?q=1", nil)
	req.Host = "acme.example.com:8080"
	req.Header.Set("X-Forwarded-For", "6.6.6.6")
	req.Header.Set("X-Forwarded-Proto", "https")
	req.Header.Set("X-Real-IP", "6.6.6.6")
	resp, err := proxy.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := acme.lastRequest()
	want := map[string]string{
		"X-Forwarded-For":   "127.0.0.1",
		"X-Forwarded-Proto": "http",
		"X-Forwarded-Host":  "acme.example.com:8080",
		"X-Real-Ip":         "",
	}
	for k, v := range want {
		if g := got.Header.Get(k); g != v {
			t.Errorf("backend got %s %q, want %q", k, g, v)
		}
	}
	if got.Host != "acme.example.com:8080" || got.URL.RequestURI() != "/path?q=1" {
		t.Errorf("backend got Host %q URI %q", got.Host, got.URL.RequestURI())
	}
}

func TestMaintenance(t *testing.T) {
	rt, proxy, acme, _ := twoTenants(t)
	res, err := rt.SetMaintenance("acme", "Upgrading <b>the</b> database", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if res.Route.Maintenance == nil || res.Drain == nil {
		t.Fatalf("SetMaintenance = %+v", res)
	}
	hits := acme.hits.Load()
	status, h, body := get(t, proxy.Client(), proxy.URL+"/", "acme.example.com")
	if status != 503 || h.Get("Retry-After") != "7" {
		t.Errorf("maintenance: %d Retry-After %q, want 503 7", status, h.Get("Retry-After"))
	}
	if !strings.Contains(body, "acme") || !strings.Contains(body, "Upgrading &lt;b&gt;the&lt;/b&gt; database") {
		t.Errorf("maintenance page does not name the tenant and the (escaped) message:\n%s", body)
	}
	if acme.hits.Load() != hits {
		t.Error("a request in maintenance reached the backend")
	}
	// Only acme is in maintenance.
	if status, _, _ := get(t, proxy.Client(), proxy.URL+"/", "globex.example.com"); status != 200 {
		t.Errorf("globex: %d, want 200", status)
	}
	// A new backend keeps the maintenance on.
	mustSet(t, rt, "acme", acme.addr(), "acme.example.com")
	if status, _, _ := get(t, proxy.Client(), proxy.URL+"/", "acme.example.com"); status != 503 {
		t.Errorf("after set: %d, want 503 (maintenance stays on)", status)
	}
	if _, err := rt.ClearMaintenance("acme"); err != nil {
		t.Fatal(err)
	}
	if status, _, body := get(t, proxy.Client(), proxy.URL+"/", "acme.example.com"); status != 200 || body != "backend acme\n" {
		t.Errorf("after maintenance off: %d %q", status, body)
	}
	if _, err := rt.SetMaintenance("nobody", "", 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("maintenance of an unknown tenant: %v, want ErrNotFound", err)
	}
}

func TestBackendDownAnswers503NamingTenant(t *testing.T) {
	rt := newTestRouter(t)
	// A port nothing listens on: a stopped container.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	mustSet(t, rt, "acme", addr, "acme.example.com")
	mustSet(t, rt, "globex", "no-such-container.invalid:8080", "globex.example.com")
	proxy := httptest.NewServer(rt)
	defer proxy.Close()
	for host, tenant := range map[string]string{"acme.example.com": "acme", "globex.example.com": "globex"} {
		status, h, body := get(t, proxy.Client(), proxy.URL+"/", host)
		if status != 503 || h.Get("Retry-After") != "7" || !strings.Contains(body, "Site: "+tenant) {
			t.Errorf("%s down: %d Retry-After %q body:\n%s", tenant, status, h.Get("Retry-After"), body)
		}
	}
	ts, err := rt.Stats(time.Minute, "acme")
	if err != nil || ts[0].Requests != 1 || ts[0].Errors5xx != 1 {
		t.Errorf("stats = %+v, %v; want 1 request, one 5xx", ts, err)
	}
}

func TestSetRouteConflicts(t *testing.T) {
	rt, _, acme, _ := twoTenants(t)
	_, err := rt.SetRoute(Route{Tenant: "initech", Hosts: []string{"SHOP.acme.test"}, Backend: "initech:80"}, 0)
	if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "acme") {
		t.Errorf("host of another tenant: %v, want ErrConflict naming acme", err)
	}
	_, err = rt.SetRoute(Route{Tenant: "initech", Hosts: []string{"initech.test"}, Backend: acme.addr()}, 0)
	if !errors.Is(err, ErrConflict) {
		t.Errorf("backend of another tenant: %v, want ErrConflict", err)
	}
	for _, bad := range []Route{
		{Tenant: "Initech", Hosts: []string{"i.test"}, Backend: "i:80"},
		{Tenant: "initech", Backend: "i:80"},
		{Tenant: "initech", Hosts: []string{"i.test:80"}, Backend: "i:80"},
		{Tenant: "initech", Hosts: []string{"i.test"}, Backend: "i"},
	} {
		if _, err := rt.SetRoute(bad, 0); !errors.Is(err, ErrInvalid) {
			t.Errorf("SetRoute(%+v): %v, want ErrInvalid", bad, err)
		}
	}
	if n := len(rt.Routes()); n != 2 {
		t.Errorf("%d routes after refused changes, want 2", n)
	}
	// A tenant may take over hosts it already has and drop others.
	mustSet(t, rt, "acme", acme.addr(), "shop.acme.test")
	if _, ok := rt.Lookup("acme.example.com"); ok {
		t.Error("a host dropped from the route still routes")
	}
	if r, ok := rt.Lookup("Shop.Acme.Test.:443"); !ok || r.Tenant != "acme" {
		t.Errorf("Lookup = %+v, %v", r, ok)
	}
}

func TestHostPolicy(t *testing.T) {
	rt, _, _, _ := twoTenants(t)
	for _, h := range []string{"acme.example.com", "SHOP.acme.test.", "globex.example.com:443"} {
		if err := rt.HostPolicy(context.Background(), h); err != nil {
			t.Errorf("HostPolicy(%q) = %v, want nil", h, err)
		}
	}
	for _, h := range []string{"nobody.example.com", "example.com", ""} {
		if err := rt.HostPolicy(context.Background(), h); err == nil || strings.Contains(err.Error(), "acme") {
			t.Errorf("HostPolicy(%q) = %v, want a refusal that names nothing", h, err)
		}
	}
}
