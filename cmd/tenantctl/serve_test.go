package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/tenantctl/tenantctl/provisioner/secret"
	"github.com/tenantctl/tenantctl/provisioner/status"
	"github.com/tenantctl/tenantctl/provisioner/testenv"
)

// screenshotDir is where the browser test saves what it saw, relative to
// this package (the repository's bin/, which git ignores).
const screenshotDir = "../../bin/screenshots"

// startServe runs `tenantctl serve` on a free loopback port and returns
// its base URL; the server is stopped with SIGINT at the end of the test.
func startServe(t *testing.T, p *testProject, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"--chdir", p.dir, "serve", "--listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = p.env
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGINT)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve did not stop cleanly on SIGINT: %v", err)
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Error("serve did not stop within 10s of SIGINT")
		}
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("serve printed no address: %v", err)
	}
	m := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(line)
	if m == "" {
		t.Fatalf("serve printed %q", line)
	}
	go io.Copy(io.Discard, out)
	return m
}

// fetch requests a URL with a method, as a program with the bearer
// token (none when token is ""), and returns the status and body.
func fetch(t *testing.T, method, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestIntegrationServe starts `serve` with a token against real tenants
// and drives Chromium through the dashboard: the login form, the list
// with its rows and badges, the filter, a tenant page, the change after
// `docker stop` shown by the page's own refresh, logging out; and checks
// that nothing can be changed and that no page or document carries a
// secret.
func TestIntegrationServe(t *testing.T) {
	t.Parallel()
	requireEngine(t, appImage, "tenantctl-example/app:1.0.0", dbImage)
	browser := testenv.Chromium(t)
	p := newProject(t, map[string]string{
		"alpha": saasTenant("alpha", "1.1.0", false),
		"beta":  labelledSmall("beta", "free"),
		"gamma": labelledSmall("gamma", "gold"), // never applied: missing
	})
	p.must(0, "apply", "--auto-approve", "alpha", "beta")
	token := "serve-test-token-0123456789abcdef"
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := startServe(t, p, "--refresh", "1s", "--token-file", tokenFile)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1280, 800))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	defer cancelTab()
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	do := func(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	rowsJS := `Array.from(document.querySelectorAll('tr[data-tenant]')).map(r => r.dataset.tenant + '=' + r.querySelector('.badge').textContent).join(' ')`
	rows := func(t *testing.T) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](rowsJS))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	screenshot := func(t *testing.T, name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(screenshotDir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var pages []string // every HTML the browser saw, for the secret check
	html := func(t *testing.T) {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, s)
	}

	t.Run("the login form lets a person in, without the token in the address", func(t *testing.T) {
		do(t, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#token")))
		if loc, err := chromedp.Run(ctx, chromedp.Location()); err != nil || loc != base+"/login?next=%2F" {
			t.Fatalf("the dashboard without a session went to %q (%v), want the login page", loc, err)
		}
		html(t)
		screenshot(t, "login.png")
		do(t, chromedp.SendKeys(chromedp.CSS("#token"), "not-the-token"), chromedp.Click(chromedp.CSS("#login")), chromedp.WaitVisible(chromedp.CSS(".error")))
		do(t, chromedp.SendKeys(chromedp.CSS("#token"), token), chromedp.Click(chromedp.CSS("#login")), chromedp.WaitVisible(chromedp.CSS("table.tenants")))
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil || loc != base+"/" {
			t.Errorf("after logging in the browser is at %q (%v), want %s/", loc, err, base)
		}
	})

	t.Run("the list shows every tenant with its badge", func(t *testing.T) {
		do(t, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("table.tenants")))
		if got := rows(t); got != "alpha=running beta=running gamma=missing" {
			t.Fatalf("rows: %s", got)
		}
		html(t)
		screenshot(t, "dashboard.png")
	})

	// filter fills the form and submits it. The page reloads itself every
	// second, which can swap the form under the test's hands: try again.
	filter := func(t *testing.T, q, label, state, want string) {
		t.Helper()
		got := ""
		for attempt := 0; attempt < 5; attempt++ {
			// Clear the form (SetValue cannot set ""), then type as a user.
			steps := []chromedp.Action[chromedp.Void]{chromedp.WaitVisible(chromedp.CSS("#q")), chromedp.Evaluate[chromedp.Void](`for (const id of ['q', 'label', 'state']) document.getElementById(id).value = ''`)}
			if q != "" {
				steps = append(steps, chromedp.SendKeys(chromedp.CSS("#q"), q))
			}
			if label != "" {
				steps = append(steps, chromedp.SendKeys(chromedp.CSS("#label"), label))
			}
			if state != "" {
				steps = append(steps, chromedp.SetValue(chromedp.CSS("#state"), state))
			}
			err := chromedp.Do(ctx, append(steps,
				chromedp.Click(chromedp.CSS("#apply-filter")),
				chromedp.Sleep(300*time.Millisecond),
				chromedp.WaitVisible(chromedp.CSS("a.clear")))...)
			if err != nil {
				got = "error: " + err.Error()
				continue
			}
			if got = rows(t); got == want {
				return
			}
		}
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Errorf("filter q=%q label=%q state=%q: rows %q at %s, want %q", q, label, state, got, loc, want)
	}

	t.Run("the filter narrows the list", func(t *testing.T) {
		filter(t, "alp", "", "", "alpha=running")
		filter(t, "", "tier=gold", "", "gamma=missing")
		filter(t, "", "", "running", "alpha=running beta=running")
		filter(t, "a", "owner=it", "running", "alpha=running beta=running")
		html(t)
	})

	t.Run("a tenant page shows its services and health checks", func(t *testing.T) {
		do(t, chromedp.Click(chromedp.CSS(`a.name[href="/tenants/alpha"]`)), chromedp.WaitVisible(chromedp.CSS(`#state`)))
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#state').textContent + ' ' +
			Array.from(document.querySelectorAll('tr[data-service]')).map(r => r.dataset.service + ':' + r.querySelector('.health').textContent).join(' ') + ' | ' +
			Array.from(document.querySelectorAll('.check pre')).map(p => p.textContent).join(' | ')`))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(got, "running db:healthy app:healthy | ") || !strings.Contains(got, "accepting connections") || !strings.Contains(got, "GET /healthz: 200 OK") {
			t.Errorf("tenant page: %s", got)
		}
		html(t)
		screenshot(t, "tenant.png")
	})

	t.Run("the page shows a stopped app on its next refresh", func(t *testing.T) {
		stateIs := func(want ...string) string {
			deadline := time.Now().Add(20 * time.Second)
			last := ""
			for time.Now().Before(deadline) {
				// The page reloads itself; between loads the query may fail.
				if s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('#state') || {}).textContent || ''`)); err == nil {
					last = s
					for _, w := range want {
						if s == w {
							return s
						}
					}
				}
				time.Sleep(300 * time.Millisecond)
			}
			t.Fatalf("the tenant page still says %q after 20s, want %v", last, want)
			return ""
		}
		docker(t, "stop", p.container("alpha", "app"))
		stateIs("degraded", "stopped")
		html(t)
		screenshot(t, "tenant-degraded.png")
		p.must(0, "apply", "--auto-approve", "alpha")
		stateIs("running")
	})

	t.Run("on a phone", func(t *testing.T) {
		do(t, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)), chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("table.tenants")))
		screenshot(t, "dashboard-phone.png")
	})

	t.Run("logging out ends the session", func(t *testing.T) {
		do(t, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("form.logout button")))
		do(t, chromedp.Click(chromedp.CSS("form.logout button")), chromedp.WaitVisible(chromedp.CSS("#token")))
		do(t, chromedp.Navigate(base+"/tenants/alpha"), chromedp.WaitVisible(chromedp.CSS("#token")))
		if loc, err := chromedp.Run(ctx, chromedp.Location()); err != nil || !strings.HasPrefix(loc, base+"/login?") {
			t.Errorf("after logging out a page went to %q (%v), want the login page", loc, err)
		}
	})

	t.Run("the API needs the token", func(t *testing.T) {
		for _, path := range []string{"/api/tenants", "/metrics"} {
			if code, _ := fetch(t, "GET", base+path, ""); code != http.StatusUnauthorized {
				t.Errorf("GET %s without the token: %d, want 401", path, code)
			}
		}
	})

	t.Run("the API is status --json and changes nothing", func(t *testing.T) {
		code, body := fetch(t, "GET", base+"/api/tenants", token)
		var api status.Report
		if code != 200 || json.Unmarshal([]byte(body), &api) != nil {
			t.Fatalf("GET /api/tenants: %d %s", code, body)
		}
		cli := p.statusJSON(0)
		if stateList(&api) != stateList(cli) || api.FormatVersion != cli.FormatVersion || api.Project != cli.Project {
			t.Errorf("API %s, status --json %s", stateList(&api), stateList(cli))
		}
		for _, path := range []string{"/api/tenants", "/api/tenants/alpha", "/", "/tenants/alpha", "/metrics"} {
			for _, method := range []string{"POST", "PUT", "DELETE", "PATCH"} {
				if code, _ := fetch(t, method, base+path, token); code != http.StatusMethodNotAllowed {
					t.Errorf("%s %s: %d, want 405", method, path, code)
				}
			}
		}
		code, body = fetch(t, "GET", base+"/metrics", token)
		parser := expfmt.NewTextParser(model.UTF8Validation)
		families, err := parser.TextToMetricFamilies(strings.NewReader(body))
		if code != 200 || err != nil {
			t.Fatalf("metrics: %d %v\n%s", code, err, body)
		}
		if up := gaugeValue(families["tenantctl_tenant_up"], "tenant", "alpha", "host", "local"); up != 1 {
			t.Errorf("tenantctl_tenant_up{tenant=alpha,host=local} = %v, want 1\n%s", up, body)
		}
		if n := gaugeValue(families["tenantctl_tenants"], "state", "missing"); n != 1 {
			t.Errorf("tenantctl_tenants{state=missing} = %v, want 1\n%s", n, body)
		}
		if code, _ := fetch(t, "GET", base+"/tenants/nobody", token); code != 404 {
			t.Errorf("unknown tenant page: %d", code)
		}
	})

	t.Run("no page or document shows a secret", func(t *testing.T) {
		key, err := secret.Load(p.dir, func(name string) string {
			for _, kv := range p.env {
				if k, v, ok := strings.Cut(kv, "="); ok && k == name {
					return v
				}
			}
			return ""
		})
		if err != nil {
			t.Fatal(err)
		}
		// The derivation is the real one: alpha's database has it.
		if env := docker(t, "inspect", "--format", "{{json .Config.Env}}", p.container("alpha", "db")); !strings.Contains(env, "POSTGRES_PASSWORD="+key.Derive("alpha", "db_password")) {
			t.Fatal("the derived db_password is not the one alpha's database runs with")
		}
		bodies := append([]string{p.must(0, "status", "--json").stdout, p.must(0, "status", "--output", "csv").stdout}, pages...)
		for _, path := range []string{"/", "/?state=running", "/tenants/alpha", "/tenants/beta", "/tenants/gamma", "/api/tenants", "/api/tenants/alpha", "/api/tenants/beta", "/api/tenants/gamma", "/metrics", "/healthz", "/static/style.css"} {
			_, body := fetch(t, "GET", base+path, token)
			bodies = append(bodies, body)
		}
		for i, body := range bodies {
			if strings.Contains(body, token) {
				t.Errorf("document %d shows the dashboard token", i)
			}
		}
		for _, tenant := range []string{"alpha", "beta", "gamma"} {
			value := key.Derive(tenant, "db_password")
			for i, body := range bodies {
				if strings.Contains(body, value) {
					t.Errorf("document %d shows %s's db_password", i, tenant)
				}
			}
		}
		if len(bodies) < 15 {
			t.Errorf("only %d documents checked", len(bodies))
		}
	})
}

// gaugeValue is the value of the family's sample with these label pairs
// (name, value, name, value, ...); -1 when there is none.
func gaugeValue(f *dto.MetricFamily, labels ...string) float64 {
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		match := len(have) == len(labels)/2
		for i := 0; match && i+1 < len(labels); i += 2 {
			match = have[labels[i]] == labels[i+1]
		}
		if match {
			return m.GetGauge().GetValue()
		}
	}
	return -1
}
