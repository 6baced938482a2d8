package edgecmd

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/edge"
)

// run runs tenantctl-edge with args and returns its exit code and output.
func run(ctx context.Context, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := Main(ctx, "9.9.9", args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// freePort returns a loopback address nothing listens on.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serve runs `serve` with extra flags on a new data directory until the
// test ends and returns the directory and the HTTP address.
func serve(t *testing.T, extra ...string) (string, string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "edgecmd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	addr := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		code, _, _ := run(ctx, append([]string{"serve", "--data", dir, "--http", addr}, extra...)...)
		done <- code
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d after SIGTERM, want 0", code)
		}
	})
	for range 200 {
		if code, _, _ := run(context.Background(), "ctl", "--data", dir, "ping"); code == 0 {
			return dir, addr
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("serve did not come up")
	return "", ""
}

func TestCtlCommands(t *testing.T) {
	dir, addr := serve(t)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "acme app") }))
	defer backend.Close()
	ctx := context.Background()
	ctl := func(args ...string) (int, string, string) {
		return run(ctx, append([]string{"ctl", "--data", dir}, args...)...)
	}

	code, out, _ := ctl("set", "acme", "--backend", backend.Listener.Addr().String(), "--host", "acme.example.com", "--host", "www.acme.test", "--drain-timeout", "5s")
	var set edge.SetResult
	if code != 0 || json.Unmarshal([]byte(out), &set) != nil || len(set.Route.Hosts) != 2 {
		t.Fatalf("set: exit %d, %s", code, out)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/", nil)
	req.Host = "www.acme.test"
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("through the proxy: %v %v", resp, err)
	}
	resp.Body.Close()

	code, out, _ = ctl("list")
	var list edge.RoutesResult
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list.Routes) != 1 || list.Routes[0].Tenant != "acme" {
		t.Errorf("list: exit %d, %s", code, out)
	}
	code, out, _ = ctl("maintenance", "on", "acme", "--message", "Back soon")
	var m edge.MaintenanceResult
	if code != 0 || json.Unmarshal([]byte(out), &m) != nil || m.Route.Maintenance == nil || m.Route.Maintenance.Message != "Back soon" {
		t.Errorf("maintenance on: exit %d, %s", code, out)
	}
	if code, out, _ = ctl("maintenance", "off", "acme"); code != 0 || strings.Contains(out, "maintenance\":") {
		t.Errorf("maintenance off: exit %d, %s", code, out)
	}
	code, out, _ = ctl("stats", "acme", "--window", "30s")
	var st edge.StatsResult
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil || len(st.Tenants) != 1 || len(st.Tenants[0].Series) != 3 {
		t.Errorf("stats: exit %d, %s", code, out)
	}
	// Refused: exit 1, the error as JSON on stdout and said on stderr.
	code, out, errOut := ctl("maintenance", "on", "globex")
	var apiErr edge.APIError
	if code != ExitFailed || json.Unmarshal([]byte(out), &apiErr) != nil || apiErr.Code != "not_found" || !strings.Contains(errOut, "globex") {
		t.Errorf("maintenance of nobody: exit %d, stdout %s, stderr %s", code, out, errOut)
	}
	code, out, _ = ctl("remove", "acme")
	var rm edge.RemoveResult
	if code != 0 || json.Unmarshal([]byte(out), &rm) != nil || !rm.Removed {
		t.Errorf("remove: exit %d, %s", code, out)
	}
	if code, out, _ = ctl("remove", "acme"); code != 0 || !strings.Contains(out, `"removed": false`) {
		t.Errorf("remove again: exit %d, %s; want a no-op", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, edge.RoutesFile)); err != nil {
		t.Errorf("routes file: %v", err)
	}
}

func TestExitCodes(t *testing.T) {
	ctx := context.Background()
	nowhere := t.TempDir()
	cases := []struct {
		args []string
		code int
	}{
		{[]string{"version"}, ExitOK},
		{[]string{"ctl", "--data", nowhere, "ping"}, ExitUnreachable},
		{[]string{"ctl", "--data", nowhere, "list"}, ExitUnreachable},
		{[]string{"ctl", "set", "acme"}, ExitUsage},
		{[]string{"ctl", "set"}, ExitUsage},
		{[]string{"ctl", "maintenance", "maybe", "acme"}, ExitUsage},
		{[]string{"ctl", "ping", "--bogus"}, ExitUsage},
		{[]string{"ctl", "ping", "extra"}, ExitUsage},
		{[]string{"frobnicate"}, ExitUsage},
		{[]string{"serve", "--https", ":0", "--data", nowhere}, ExitUsage},
		{[]string{"serve", "--tls-cert", "a.pem", "--data", nowhere}, ExitUsage},
		{[]string{"serve", "--tls", "magic", "--data", nowhere}, ExitUsage},
		{[]string{"serve", "--tls", "files", "--tls-cert", "a.pem", "--data", nowhere}, ExitUsage},
		{[]string{"serve", "--tls", "files", "--tls-cert", "/no/a.pem", "--tls-key", "/no/a.key", "--data", nowhere, "--http", ""}, ExitFailed},
		{[]string{"serve", "--data", nowhere, "--http", "256.0.0.1:1"}, ExitFailed},
	}
	for _, c := range cases {
		code, out, errOut := run(ctx, c.args...)
		if code != c.code {
			t.Errorf("%v: exit %d, want %d\nstdout: %s\nstderr: %s", c.args, code, c.code, out, errOut)
		}
	}
	if _, out, _ := run(ctx, "version"); out != "9.9.9\n" {
		t.Errorf("version printed %q", out)
	}
	_, out, _ := run(ctx, "ctl", "--data", nowhere, "ping")
	var apiErr edge.APIError
	if json.Unmarshal([]byte(out), &apiErr) != nil || apiErr.Code != "unreachable" {
		t.Errorf("unreachable ping printed %s", out)
	}
}

func TestServeLocalCA(t *testing.T) {
	httpsAddr := freePort(t)
	dir, addr := serve(t, "--tls", "local-ca", "--https", httpsAddr, "--redirect-port", "8443", "--hsts", "1h")
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "acme app, proto %s\n", r.Header.Get("X-Forwarded-Proto"))
	}))
	defer backend.Close()
	if code, out, _ := run(context.Background(), "ctl", "--data", dir, "set", "acme", "--backend", backend.Listener.Addr().String(), "--host", "acme.tenants.test"); code != 0 {
		t.Fatalf("set: %s", out)
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, "local-ca", "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	client := &http.Client{
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, "tcp", httpsAddr)
			},
			TLSClientConfig: &tls.Config{RootCAs: pool},
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Get("https://acme.tenants.test/")
	if err != nil {
		t.Fatalf("HTTPS with the local CA: %v", err)
	}
	body := new(bytes.Buffer)
	body.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || body.String() != "acme app, proto https\n" || resp.Header.Get("Strict-Transport-Security") != "max-age=3600" {
		t.Errorf("HTTPS: %d %q HSTS %q", resp.StatusCode, body, resp.Header.Get("Strict-Transport-Security"))
	}
	// No certificate for a host with no route: the handshake fails.
	if _, err := client.Get("https://nobody.tenants.test/"); err == nil {
		t.Error("HTTPS for an unrouted host: no error")
	}
	// Plain HTTP redirects to the public HTTPS port.
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/x", nil)
	req.Host = "acme.tenants.test"
	resp, err = (&http.Client{CheckRedirect: client.CheckRedirect}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != "https://acme.tenants.test:8443/x" {
		t.Errorf("HTTP: %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}
