package edge

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The integration test runs the real image on the real engine with the
// docker CLI, as tenantctl will drive it: `docker exec PROXY
// /tenantctl-edge ctl ...`.

const (
	appImage      = "tenantctl-example/app:1.0.0"
	postgresImage = "tenantctl-example/postgres:15"
	// labelProject is tenantctl's project label; the test's objects carry
	// a project of their own, and are removed by it.
	labelProject = "tenantctl.project"
)

// dockerCmd runs docker with args and returns its stdout; stderr is in
// the error.
func dockerCmd(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "docker", args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("docker %s: %w: %s", args[0], err, strings.TrimSpace(errOut.String()))
	}
	return out.String(), nil
}

// mustDocker runs docker or fails the test.
func mustDocker(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := dockerCmd(ctx, args...)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(out)
}

// cleanupProject removes the containers, networks and volumes labelled
// with project, and nothing else.
func cleanupProject(t *testing.T, project string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	filter := "label=" + labelProject + "=" + project
	for _, kind := range []string{"container", "network", "volume"} {
		args := []string{kind, "ls", "-q", "--filter", filter}
		if kind == "container" {
			args = []string{"ps", "-aq", "--filter", filter}
		}
		out, err := dockerCmd(ctx, args...)
		if err != nil {
			t.Errorf("cleanup: %v", err)
			continue
		}
		ids := strings.Fields(out)
		if len(ids) == 0 {
			continue
		}
		rm := append([]string{kind, "rm"}, ids...)
		if kind == "container" {
			rm = append([]string{"rm", "-f", "-v"}, ids...)
		}
		if _, err := dockerCmd(ctx, rm...); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	}
}

// ctlExec runs `tenantctl-edge ctl ARGS` in the proxy container and decodes
// its JSON output into out.
func ctlExec(t *testing.T, proxy string, out any, args ...string) {
	t.Helper()
	raw := mustDocker(t, append([]string{"exec", proxy, "/tenantctl-edge", "ctl"}, args...)...)
	if err := json.Unmarshal([]byte(raw), out); err != nil {
		t.Fatalf("ctl %v printed %q: %v", args, raw, err)
	}
}

// waitFor retries check until it returns "" or timeout passes.
func waitFor(t *testing.T, what string, timeout time.Duration, check func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		problem := check()
		if problem == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s after %v", what, problem, timeout)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// fetch sends GET / with Host host to the published address, over plain
// HTTP (redirects not followed).
func fetch(addr, host string) (int, string, error) {
	c := &http.Client{
		Timeout:       5 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return fetchWith(c, "http://"+addr+"/", host)
}

// fetchTLS sends GET https://sni/ with Host host to the published HTTPS
// address, trusting pool.
func fetchTLS(addr string, pool *x509.CertPool, sni, host string) (int, string, error) {
	c := &http.Client{
		Timeout: 5 * time.Second,
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, "tcp", addr)
			},
			TLSClientConfig: &tls.Config{RootCAs: pool},
		},
	}
	return fetchWith(c, "https://"+sni+"/", host)
}

// fetchWith sends GET url with Host host through c.
func fetchWith(c *http.Client, url, host string) (int, string, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	req.Host = host
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// publishedAddr returns the loopback address the proxy's port is
// published on (it may change when the container restarts).
func publishedAddr(t *testing.T, proxy, port string) string {
	t.Helper()
	out := mustDocker(t, "port", proxy, port+"/tcp")
	return strings.Fields(out)[0]
}

// localCA copies the proxy's local CA certificate out of its volume.
func localCA(t *testing.T, proxy string) *x509.CertPool {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "ca.pem")
	mustDocker(t, "cp", proxy+":/data/local-ca/ca.pem", dst)
	b, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		t.Fatalf("no certificate in the proxy's ca.pem")
	}
	return pool
}

func TestIntegrationEdgeContainer(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: needs the Docker engine (skipped with -short)")
	}
	t.Parallel()
	for _, img := range []string{appImage, postgresImage} {
		if _, err := dockerCmd(context.Background(), "image", "inspect", img); err != nil {
			t.Fatalf("image %s is missing: run `make images` first (%v)", img, err)
		}
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	build := exec.Command("bash", filepath.Join(root, "examples", "images", "build-edge.sh"))
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build-edge.sh: %v\n%s", err, out)
	}

	b := make([]byte, 3)
	rand.Read(b)
	project := "edgetest-" + hex.EncodeToString(b)
	t.Cleanup(func() { cleanupProject(t, project) })
	label := labelProject + "=" + project
	pw := make([]byte, 12)
	rand.Read(pw)
	password := hex.EncodeToString(pw)

	network := project + "-net"
	mustDocker(t, "network", "create", "--label", label, network)
	mustDocker(t, "run", "-d", "--name", project+"-db", "--label", label, "--network", network, "--network-alias", "db",
		"-e", "POSTGRES_USER=app", "-e", "POSTGRES_PASSWORD="+password, "-e", "POSTGRES_DB=app", postgresImage)
	dbURL := "postgres://app:" + password + "@db:5432/app?sslmode=disable"
	for _, tenant := range []string{"acme", "globex"} {
		mustDocker(t, "run", "-d", "--name", project+"-"+tenant, "--label", label, "--network", network,
			"-e", "DATABASE_URL="+dbURL, "-e", "TENANT_NAME="+tenant, appImage)
	}
	vol := project + "-data"
	mustDocker(t, "volume", "create", "--label", label, vol)
	proxy := project + "-edge"
	mustDocker(t, "run", "-d", "--name", proxy, "--label", label, "--network", network,
		"-v", vol+":/data", "-p", "127.0.0.1::8080", "-p", "127.0.0.1::8443",
		"--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--read-only",
		ImageRepository+":"+Version,
		"serve", "--data", "/data", "--http", ":8080", "--https", ":8443",
		"--tls", "local-ca", "--local-ca-name", project, "--local-ca-domain", "tenants.test")
	if user := mustDocker(t, "inspect", "-f", "{{.Config.User}}", proxy); user == "" || strings.HasPrefix(user, "0") || user == "root" {
		t.Errorf("proxy runs as %q, want a non-root user", user)
	}

	waitPing := func() {
		waitFor(t, "proxy ping", 30*time.Second, func() string {
			out, err := dockerCmd(context.Background(), "exec", proxy, "/tenantctl-edge", "ctl", "ping")
			if err != nil {
				return err.Error()
			}
			if !strings.Contains(out, `"ok": true`) {
				return out
			}
			return ""
		})
	}
	waitPing()
	for _, tenant := range []string{"acme", "globex"} {
		var res SetResult
		ctlExec(t, proxy, &res, "set", tenant, "--backend", project+"-"+tenant+":8080", "--host", tenant+".tenants.test")
		if res.Route.Tenant != tenant {
			t.Fatalf("set %s printed %+v", tenant, res)
		}
	}

	pool := localCA(t, proxy)
	checkRoutes := func(when string) {
		addr := publishedAddr(t, proxy, "8443")
		for _, tenant := range []string{"acme", "globex"} {
			host := tenant + ".tenants.test"
			waitFor(t, when+": "+tenant+" through the proxy", 90*time.Second, func() string {
				status, body, err := fetchTLS(addr, pool, host, host)
				if err != nil {
					return err.Error()
				}
				if status != 200 || !strings.Contains(body, "tenant: "+tenant) {
					return fmt.Sprintf("status %d, body %.80q", status, body)
				}
				return ""
			})
		}
		// A connection opened for acme never carries globex's requests.
		if status, body, err := fetchTLS(addr, pool, "acme.tenants.test", "globex.tenants.test"); err != nil || status != http.StatusMisdirectedRequest || strings.Contains(body, "tenant: ") {
			t.Errorf("%s: SNI acme, Host globex: %d %v %.80q; want 421", when, status, err, body)
		}
		plain := publishedAddr(t, proxy, "8080")
		if status, _, err := fetch(plain, "acme.tenants.test"); err != nil || status != http.StatusPermanentRedirect {
			t.Errorf("%s: plain HTTP: %d %v, want a redirect to HTTPS", when, status, err)
		}
		status, body, err := fetch(plain, "nobody.tenants.test")
		if err != nil || status != 404 || strings.Contains(body, "acme") || strings.Contains(body, "globex") {
			t.Errorf("%s: unknown host: %d %v, body %q", when, status, err, body)
		}
	}
	checkRoutes("after set")

	// Maintenance for acme only.
	var m MaintenanceResult
	ctlExec(t, proxy, &m, "maintenance", "on", "acme", "--message", "Upgrading the database")
	addr := publishedAddr(t, proxy, "8443")
	if status, body, _ := fetchTLS(addr, pool, "acme.tenants.test", "acme.tenants.test"); status != 503 || !strings.Contains(body, "Upgrading the database") {
		t.Errorf("maintenance: %d %.200q", status, body)
	}
	if status, _, _ := fetchTLS(addr, pool, "globex.tenants.test", "globex.tenants.test"); status != 200 {
		t.Errorf("globex during acme's maintenance: %d", status)
	}
	ctlExec(t, proxy, &m, "maintenance", "off", "acme")

	// A restart of the proxy loses nothing: the routes are in its volume.
	mustDocker(t, "restart", "-t", "5", proxy)
	waitPing()
	// The same CA (kept in the volume) still vouches for the proxy.
	checkRoutes("after docker restart")
	var st StatsResult
	ctlExec(t, proxy, &st, "stats", "acme")
	if len(st.Tenants) != 1 || st.Tenants[0].Requests == 0 {
		t.Errorf("stats after traffic: %+v", st)
	}

	// A stopped backend gets the 503 page naming the tenant, not an error.
	mustDocker(t, "stop", "-t", "2", project+"-acme")
	status, body, err := fetchTLS(publishedAddr(t, proxy, "8443"), pool, "acme.tenants.test", "acme.tenants.test")
	if err != nil || status != 503 || !strings.Contains(body, "Site: acme") {
		t.Errorf("acme stopped: %d %v %.200q", status, err, body)
	}
}
