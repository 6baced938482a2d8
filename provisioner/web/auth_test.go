package web

import (
	"net/http"
	"strings"
	"testing"
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
	for _, path := range []string{"/healthz", "/login", "/static/style.css"} {
		if resp, _ := do(t, h, "GET", path); resp.StatusCode != 200 {
			t.Errorf("%s is public, got %d", path, resp.StatusCode)
		}
	}
}

func bearer(tok string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
}

func TestLogin(t *testing.T) {
	h := newHandler(t, sampleSource(), Options{Token: token})
	resp, body := do(t, h, "GET", "/login?token=wrong")
	if resp.StatusCode != 401 || !strings.Contains(body, "That token is not right") || len(resp.Cookies()) != 0 {
		t.Errorf("wrong token: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	resp, _ = do(t, h, "GET", "/login?token="+token+"&next=%2Ftenants%2Facme")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/tenants/acme" {
		t.Fatalf("login: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	cookies := resp.Cookies()
	if len(cookies) != 1 || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteStrictMode || strings.Contains(cookies[0].Value, token) {
		t.Fatalf("cookie: %+v", cookies)
	}
	withCookie := func(r *http.Request) { r.AddCookie(cookies[0]) }
	if resp, body := do(t, h, "GET", "/", withCookie); resp.StatusCode != 200 || !strings.Contains(body, "Log out") {
		t.Errorf("list with the cookie: %d", resp.StatusCode)
	}
	if resp, _ := do(t, h, "GET", "/api/tenants", withCookie); resp.StatusCode != 200 {
		t.Errorf("API with the cookie: %d", resp.StatusCode)
	}
	forged := func(r *http.Request) { r.AddCookie(&http.Cookie{Name: cookieName, Value: token}) }
	if resp, _ := do(t, h, "GET", "/api/tenants", forged); resp.StatusCode != 401 {
		t.Errorf("the token itself as a cookie: %d", resp.StatusCode)
	}
	resp, _ = do(t, h, "GET", "/logout", withCookie)
	if c := resp.Cookies(); len(c) != 1 || c[0].MaxAge >= 0 {
		t.Errorf("logout cookies: %+v", c)
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/tenants/acme": "/tenants/acme", "//evil.example/x": "/", "https://evil.example": "/",
		"/\\evil.example": "/", "": "/", "/login?next=/": "/", "/?state=degraded": "/?state=degraded",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
