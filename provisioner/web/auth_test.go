package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

const token = "s3cret-token-0123456789"

func TestTokenRequired(t *testing.T) {
	h := newHandler(t, sampleSource(), Options{Token: token})
	for _, path := range []string{"/api/tenants", "/api/tenants/acme", "/metrics"} {
		resp, _ := do(t, h, "GET", path)
		if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s without a token: %d", path, resp.StatusCode)
		}
		resp, _ = do(t, h, "GET", path, bearer("wrong"))
		if resp.StatusCode != 401 {
			t.Errorf("%s with a wrong token: %d", path, resp.StatusCode)
		}
		resp, _ = do(t, h, "GET", path, bearer(token))
		if resp.StatusCode != 200 {
			t.Errorf("%s with the token: %d", path, resp.StatusCode)
		}
	}
	resp, _ := do(t, h, "GET", "/tenants/acme")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Ftenants%2Facme" {
		t.Errorf("page without a token: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, path := range []string{"/healthz", "/login", "/logout", "/static/style.css"} {
		if resp, _ := do(t, h, "GET", path); resp.StatusCode != 200 {
			t.Errorf("%s is public, got %d", path, resp.StatusCode)
		}
	}
}

func bearer(tok string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
}

func withCookie(c *http.Cookie) func(*http.Request) {
	return func(r *http.Request) { r.AddCookie(c) }
}

// post sends a form as a browser on this site does.
func post(t *testing.T, h http.Handler, target string, form url.Values, edit ...func(*http.Request)) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest("POST", target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://"+req.Host)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for _, e := range edit {
		e(req)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	resp := rec.Result()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// login posts the token and returns the session cookie.
func login(t *testing.T, h http.Handler) *http.Cookie {
	t.Helper()
	resp, _ := post(t, h, "/login", url.Values{"token": {token}, "next": {"/"}})
	cookies := resp.Cookies()
	if resp.StatusCode != http.StatusSeeOther || len(cookies) != 1 || cookies[0].Value == "" {
		t.Fatalf("login: %d, cookies %+v", resp.StatusCode, cookies)
	}
	return cookies[0]
}

// works reports whether a cookie opens a page and the API.
func works(t *testing.T, h http.Handler, c *http.Cookie) bool {
	t.Helper()
	page, _ := do(t, h, "GET", "/", withCookie(c))
	api, _ := do(t, h, "GET", "/api/tenants", withCookie(c))
	if (page.StatusCode == 200) != (api.StatusCode == 200) {
		t.Errorf("the cookie opens the page (%d) but not the API (%d), or the other way round", page.StatusCode, api.StatusCode)
	}
	return page.StatusCode == 200
}

func TestLoginFormPosts(t *testing.T) {
	h := newHandler(t, sampleSource(), Options{Token: token})
	resp, body := do(t, h, "GET", "/login?next=%2Ftenants%2Facme")
	if resp.StatusCode != 200 || !strings.Contains(body, `<form method="post" action="/login">`) || !strings.Contains(body, `name="next" value="/tenants/acme"`) {
		t.Errorf("login page: %d\n%s", resp.StatusCode, body)
	}
	if strings.Contains(body, "<script") || strings.Contains(body, `action="/logout"`) {
		t.Error("the login page has a script or a log-out button")
	}
}

func TestLoginSetsSessionCookie(t *testing.T) {
	h := newHandler(t, sampleSource(), Options{Token: token})
	resp, body := post(t, h, "/login", url.Values{"token": {"wrong"}})
	if resp.StatusCode != 401 || !strings.Contains(body, "That token is not right") || len(resp.Cookies()) != 0 {
		t.Errorf("wrong token: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	resp, _ = post(t, h, "/login", url.Values{"token": {token}, "next": {"/tenants/acme"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/tenants/acme" {
		t.Fatalf("login: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	cookies := resp.Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies: %+v", cookies)
	}
	c := cookies[0]
	if c.Name != cookieName || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure || c.Path != "/" || c.MaxAge != int(DefaultSessionMaxAge/time.Second) {
		t.Errorf("cookie attributes: %+v", c)
	}
	if strings.Contains(c.Value, token) || c.Value == oldSessionCookie(token) {
		t.Error("the cookie is the token or derived from it alone")
	}
	if !works(t, h, c) {
		t.Fatal("the session cookie does not open the dashboard")
	}
	if _, body := do(t, h, "GET", "/", withCookie(c)); !strings.Contains(body, `action="/logout"`) {
		t.Error("no log-out button")
	}
	for name, forged := range map[string]string{"the token": token, "HMAC of the token": oldSessionCookie(token), "garbage": "abc"} {
		if works(t, h, &http.Cookie{Name: cookieName, Value: forged}) {
			t.Errorf("%s as the cookie opens the dashboard", name)
		}
	}
	other := newHandler(t, sampleSource(), Options{Token: token})
	if works(t, other, c) {
		t.Error("another serve process accepts this one's cookie")
	}

	tlsResp, _ := post(t, h, "/login", url.Values{"token": {token}}, func(r *http.Request) { r.TLS = &tls.ConnectionState{} })
	if c := tlsResp.Cookies(); len(c) != 1 || !c[0].Secure {
		t.Errorf("cookie over TLS: %+v", c)
	}
}

// oldSessionCookie is the cookie value serve used to set: a fixed HMAC
// of the token, valid forever. It must open nothing now.
func oldSessionCookie(tok string) string {
	mac := hmac.New(sha256.New, []byte(tok))
	mac.Write([]byte("tenantctl serve session v1"))
	return hex.EncodeToString(mac.Sum(nil))
}

func TestLoginTokenInURLRefused(t *testing.T) {
	h := newHandler(t, sampleSource(), Options{Token: token})
	resp, body := do(t, h, "GET", "/login?token="+token+"&next=%2F")
	if len(resp.Cookies()) != 0 || resp.StatusCode == http.StatusSeeOther {
		t.Errorf("GET /login?token= logged in: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "not accepted") || strings.Contains(body, token) {
		t.Errorf("GET /login?token=: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := do(t, h, "GET", "/?token="+token); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("GET /?token=: %d", resp.StatusCode)
	}
}

func TestLoginRefusesOtherSites(t *testing.T) {
	h := newHandler(t, sampleSource(), Options{Token: token})
	form := url.Values{"token": {token}}
	for name, edit := range map[string]func(*http.Request){
		"Sec-Fetch-Site cross-site": func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "cross-site") },
		"Sec-Fetch-Site same-site":  func(r *http.Request) { r.Header.Set("Sec-Fetch-Site", "same-site") },
		"Origin of another site": func(r *http.Request) {
			r.Header.Del("Sec-Fetch-Site")
			r.Header.Set("Origin", "https://evil.example")
		},
	} {
		for _, path := range []string{"/login", "/logout"} {
			resp, _ := post(t, h, path, form, edit)
			if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 {
				t.Errorf("%s, POST %s: %d, cookies %v", name, path, resp.StatusCode, resp.Cookies())
			}
		}
	}
	// A client that is no browser sends neither header.
	resp, _ := post(t, h, "/login", form, func(r *http.Request) { r.Header.Del("Sec-Fetch-Site"); r.Header.Del("Origin") })
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("POST without Origin: %d", resp.StatusCode)
	}
}

func TestSessionExpires(t *testing.T) {
	h := newHandler(t, sampleSource(), Options{Token: token, SessionMaxAge: time.Hour})
	start := time.Now()
	h.sessions.now = func() time.Time { return start }
	c := login(t, h)
	if c.MaxAge != 3600 {
		t.Errorf("cookie Max-Age %d, want 3600", c.MaxAge)
	}
	h.sessions.now = func() time.Time { return start.Add(59 * time.Minute) }
	if !works(t, h, c) {
		t.Fatal("the cookie stopped working before it expired")
	}
	h.sessions.now = func() time.Time { return start.Add(time.Hour + time.Second) }
	if works(t, h, c) {
		t.Error("an expired session cookie still opens the dashboard")
	}
	if resp, _ := do(t, h, "GET", "/tenants/acme", withCookie(c)); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("page with an expired cookie: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestLogoutRevokes(t *testing.T) {
	h := newHandler(t, sampleSource(), Options{Token: token})
	c := login(t, h)
	copied := *c
	other := login(t, h)
	resp, _ := post(t, h, "/logout", nil, withCookie(c))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Errorf("logout: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if cs := resp.Cookies(); len(cs) != 1 || cs[0].MaxAge >= 0 || cs[0].Value != "" {
		t.Errorf("logout cookies: %+v", cs)
	}
	if works(t, h, &copied) {
		t.Error("a copy of the cookie still works after logging out")
	}
	if !works(t, h, other) {
		t.Error("logging out one session ended another")
	}
	if resp, body := do(t, h, "GET", "/logout"); resp.StatusCode != 200 || !strings.Contains(body, `<form method="post" action="/logout">`) {
		t.Errorf("GET /logout: %d", resp.StatusCode)
	}
}

// TestLoginRedirectStaysOnSite: browsers drop tabs and newlines from a
// Location and read "\" as "/", so none of these may come back in one.
func TestLoginRedirectStaysOnSite(t *testing.T) {
	open := newHandler(t, sampleSource(), Options{})
	resp, _ := do(t, open, "GET", "/login?next=/%09/evil.example")
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/" {
		t.Errorf("GET /login?next=/%%09/evil.example → %d %q, want /", resp.StatusCode, loc)
	}
	h := newHandler(t, sampleSource(), Options{Token: token})
	resp, _ = post(t, h, "/login", url.Values{"token": {token}, "next": {"/\t/evil.example"}})
	if loc := resp.Header.Get("Location"); loc != "/" {
		t.Errorf("POST /login next=/\\t/evil.example → %q, want /", loc)
	}
}

func TestSafeNext(t *testing.T) {
	for _, evil := range []string{
		"/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "/\x00/evil.example", "/\x7f/evil.example",
		"//evil.example/x", "///evil.example", "/\\evil.example", "\\\\evil.example", "/\\/evil.example",
		"https://evil.example", "http:evil.example", "javascript:alert(1)", "evil.example", "./x",
		" /evil", "/ /evil.example", "/\u00a0/evil.example", "/\u2028/evil.example", "/\uff0f/evil.example",
		"", "/login", "/login?next=/", "/logout",
	} {
		if got := safeNext(evil); got != "/" {
			t.Errorf("safeNext(%q) = %q, want /", evil, got)
		}
	}
	for _, good := range []string{"/", "/tenants/acme", "/?state=degraded", "/?label=tier%3Dgold&q=a", "/tenants/acme#services"} {
		if got := safeNext(good); got != good {
			t.Errorf("safeNext(%q) = %q", good, got)
		}
	}
}
