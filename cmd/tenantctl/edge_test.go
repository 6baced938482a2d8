package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const edgeImage = "tenantctl/edge:0.1.0"

// freePort is a TCP port free on the loopback address right now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// edgeProject is a project whose tenantctl.hcl has an edge block on free
// host ports, with the repository's saas template (its app port public).
func edgeProject(t *testing.T, tenants map[string]string) (p *testProject, httpPort, httpsPort int) {
	p = newProject(t, tenants)
	httpPort, httpsPort = freePort(t), freePort(t)
	p.write("tenantctl.hcl", fmt.Sprintf(`project %q {}
host "local" {}
edge {
  domain     = "tenants.localhost"
  http_port  = %d
  https_port = %d
  host_ip    = "127.0.0.1"
}
`, p.name, httpPort, httpsPort))
	return p, httpPort, httpsPort
}

// edgeClient sends every request to 127.0.0.1:port, whatever the URL's
// host, trusting only the CA certificates in caFile: the Host header and
// the TLS server name are the URL's, as a browser resolving *.localhost
// would send them.
func edgeClient(t *testing.T, port int, caFile string) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("%s holds no certificate", caFile)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: dial, TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

// edgeFetch GETs url with c and returns the status and body.
func edgeFetch(c *http.Client, url string) (int, string, error) {
	resp, err := c.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// eventually retries edgeFetch until it answers want, or fails after a while.
func eventually(t *testing.T, c *http.Client, url string, want int) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, body, err := edgeFetch(c, url)
		if err == nil && code == want {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: want %d, got %d %q (%v)", url, want, code, body, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// TestIntegrationEdgeRoutesByHostname: two tenants on one host are served
// by hostname through one proxy port, each with its own page; an unknown
// host gets a 404 that names no tenant; the routes survive a restart of
// the proxy; destroying a tenant removes its route, and only its.
func TestIntegrationEdgeRoutesByHostname(t *testing.T) {
	requireEngine(t, appImage, dbImage, edgeImage)
	t.Parallel()
	p, httpPort, httpsPort := edgeProject(t, map[string]string{
		"acme":   saasTenant("acme", "1.1.0", false),
		"globex": saasTenant("globex", "1.0.0", false),
	})
	r := p.must(0, "apply", "--auto-approve")
	acmeURL := fmt.Sprintf("https://acme.tenants.localhost:%d/", httpsPort)
	globexURL := fmt.Sprintf("https://globex.tenants.localhost:%d/", httpsPort)
	if !strings.Contains(r.stdout, "edge proxy on host local (new)") || !strings.Contains(r.stdout, acmeURL) {
		t.Fatalf("apply does not show the edge proxy and the tenant's https URL:\n%s", r)
	}
	proxy := p.name + "__edge"

	// One plan later nothing is left to do: the routes the proxy reports
	// are the ones wanted.
	if r := p.tenantctl("plan", "--detailed-exitcode"); r.code != 0 {
		t.Fatalf("plan after apply: %s", r)
	}
	r = p.must(0, "edge", "ca")
	caFile := strings.TrimSpace(r.stdout)
	if !strings.HasPrefix(filepath.Base(caFile), "edge-ca-local") {
		t.Fatalf("edge ca printed %q", caFile)
	}
	c := edgeClient(t, httpsPort, caFile)

	check := func(url, tenant, other string) {
		t.Helper()
		body := eventually(t, c, url, 200)
		if !strings.Contains(body, "tenant: "+tenant) || strings.Contains(body, other) {
			t.Fatalf("GET %s is not %s's page:\n%s", url, tenant, body)
		}
	}
	check(acmeURL, "acme", "globex")
	check(globexURL, "globex", "acme")

	if code, _, err := edgeFetch(c, fmt.Sprintf("https://nobody.tenants.localhost:%d/", httpsPort)); err == nil {
		t.Fatalf("an unknown host got a certificate (status %d)", code)
	}
	// Over plain HTTP an unknown host gets the 404 page, a known one a
	// redirect to its https URL.
	plain := edgeClient(t, httpPort, caFile)
	plain.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	code, body, err := edgeFetch(plain, fmt.Sprintf("http://nobody.tenants.localhost:%d/", httpPort))
	if err != nil || code != 404 || strings.Contains(body, "acme") || strings.Contains(body, "globex") {
		t.Fatalf("unknown host: %d %q %v, want a 404 naming no tenant", code, body, err)
	}
	resp, err := plain.Get(fmt.Sprintf("http://acme.tenants.localhost:%d/", httpPort))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != acmeURL {
		t.Errorf("http://acme...: %d to %q, want a redirect to %s", resp.StatusCode, resp.Header.Get("Location"), acmeURL)
	}

	if h := p.must(0, "hosts"); !strings.Contains(h.stdout, "edge proxy on host local: running, 2 route(s)") {
		t.Errorf("hosts does not show the proxy:\n%s", h.stdout)
	}
	if st := p.must(0, "status"); !strings.Contains(st.stdout, acmeURL) || !strings.Contains(st.stdout, "edge proxy on host local: running, 2 route(s)") {
		t.Errorf("status does not show %s and the proxy:\n%s", acmeURL, st.stdout)
	}

	// Hardened like every container: no capabilities, no new privileges,
	// read-only root, non-root, limits, restarts by itself, no socket.
	hardening := docker(t, "inspect", "--format", "{{.HostConfig.CapDrop}} {{.HostConfig.SecurityOpt}} {{.HostConfig.ReadonlyRootfs}} {{.Config.User}} {{.HostConfig.Memory}} {{.HostConfig.RestartPolicy.Name}} {{range .Mounts}}{{.Type}}:{{.Destination}} {{end}}", proxy)
	if want := "[ALL] [no-new-privileges:true] true 65532:65532 134217728 unless-stopped volume:/data "; hardening != strings.TrimSpace(want) {
		t.Errorf("proxy hardening = %q, want %q", hardening, strings.TrimSpace(want))
	}

	docker(t, "restart", proxy)
	check(acmeURL, "acme", "globex")
	check(globexURL, "globex", "acme")

	// A route lost (an apply killed before it set it) is planned and set
	// again; nothing else changes.
	docker(t, "exec", proxy, "/tenantctl-edge", "ctl", "remove", "acme")
	r = p.must(2, "plan", "--detailed-exitcode")
	if !strings.Contains(r.stdout, "route     acme") || strings.Contains(r.stdout, "tenant acme") {
		t.Fatalf("plan after losing acme's route:\n%s", r.stdout)
	}
	p.must(0, "apply", "--auto-approve")
	check(acmeURL, "acme", "globex")
	p.must(0, "plan", "--detailed-exitcode")

	p.must(0, "destroy", "globex", "--auto-approve")
	if got := eventually(t, c, acmeURL, 200); !strings.Contains(got, "tenant: acme") {
		t.Fatalf("acme after globex's destroy:\n%s", got)
	}
	// A new connection gets no certificate for globex; one kept alive
	// from before gets the 404 page.
	if code, body, err := edgeFetch(c, globexURL); err == nil && (code != 404 || strings.Contains(body, "globex")) {
		t.Fatalf("globex after its destroy: %d %q", code, body)
	}
	c.CloseIdleConnections()
	if code, _, err := edgeFetch(c, globexURL); err == nil {
		t.Fatalf("globex after its destroy: a new connection got %d, want no certificate", code)
	}
	out := docker(t, "inspect", "--format", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", proxy)
	if strings.Contains(out, "globex") {
		t.Errorf("the proxy is still on globex's network: %s", out)
	}
}

// TestIntegrationEdgeSmoke: a smoke run in a project with an edge gets
// its route while it runs, and its clean-up removes the route and the
// proxy's attachment to its network, so that nothing of it remains. The
// proxy itself stays, as it does when the last tenant of a host goes: its
// volume holds the certificates.
func TestIntegrationEdgeSmoke(t *testing.T) {
	requireEngine(t, "tenantctl-example/app:1.0.0", dbImage, edgeImage)
	t.Parallel()
	p, _, _ := edgeProject(t, nil)
	r := p.must(0, "smoke", "--template", "saas", "--timeout", "3m")
	tenant := smokeTenant(t, r.stdout)
	for _, want := range []string{"Smoke test passed", "done     set route of " + tenant, "done     remove route of " + tenant} {
		if !strings.Contains(r.stdout, want) {
			t.Fatalf("smoke output lacks %q:\n%s", want, r)
		}
	}
	filter := "label=tenantctl.tenant=" + tenant
	left := append(lines(docker(t, "ps", "-aq", "--filter", filter)), lines(docker(t, "network", "ls", "-q", "--filter", filter))...)
	if left = append(left, lines(docker(t, "volume", "ls", "-q", "--filter", filter))...); len(left) > 0 {
		t.Fatalf("objects of %s left behind: %v", tenant, left)
	}
	proxy := p.name + "__edge"
	routes := docker(t, "exec", proxy, "/tenantctl-edge", "ctl", "list")
	if strings.Contains(routes, tenant) {
		t.Errorf("the smoke tenant's route remains: %s", routes)
	}
	nets := docker(t, "inspect", "--format", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", proxy)
	if strings.Contains(nets, tenant) {
		t.Errorf("the proxy is still on the smoke tenant's network: %s", nets)
	}

	// gc of an expired smoke tenant takes its route and the proxy's
	// attachment along, or its network could not be removed.
	p.applyEphemeralOf("smoke-dead03", "saas", time.Now().Add(-time.Hour))
	if routes := docker(t, "exec", proxy, "/tenantctl-edge", "ctl", "list"); !strings.Contains(routes, "smoke-dead03") {
		t.Fatalf("the ephemeral tenant got no route: %s", routes)
	}
	r = p.must(0, "gc")
	if !strings.Contains(r.stdout, "Removed 1 expired tenant(s)") {
		t.Errorf("gc output:\n%s", r)
	}
	if n := p.tenantObjects("smoke-dead03"); n != 0 {
		t.Errorf("gc left %d objects of smoke-dead03", n)
	}
	if routes := docker(t, "exec", proxy, "/tenantctl-edge", "ctl", "list"); strings.Contains(routes, "smoke-dead03") {
		t.Errorf("gc left the route: %s", routes)
	}
}
