package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
)

// cookieName is the session cookie /login sets.
const cookieName = "tenantctl_session"

// session is the cookie value for the token: an HMAC of it, so the cookie
// is not the token itself, yet needs no server-side state.
func session(token string) string {
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write([]byte("tenantctl serve session v1"))
	return hex.EncodeToString(mac.Sum(nil))
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// authorized reports whether the request carries the token, as a bearer
// token or as the session cookie. Without a token everything is allowed.
func (h *Handler) authorized(r *http.Request) bool {
	if h.opts.Token == "" {
		return true
	}
	if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && equal(strings.TrimSpace(bearer), h.opts.Token) {
		return true
	}
	if c, err := r.Cookie(cookieName); err == nil && equal(c.Value, session(h.opts.Token)) {
		return true
	}
	return false
}

// unauthorized sends programs a 401 and people to the login page.
func (h *Handler) unauthorized(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/") || r.URL.Path == "/metrics" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="tenantctl"`)
		http.Error(w, "unauthorized: send Authorization: Bearer <token>", http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
}

// login checks ?token= and sets the session cookie. It is a GET because
// the dashboard accepts no other method; the Referrer-Policy keeps the
// token out of other sites' logs.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if h.opts.Token == "" {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	token, given := r.URL.Query()["token"]
	if !given {
		h.render(w, http.StatusOK, "login", loginPage{Next: next})
		return
	}
	if len(token) != 1 || !equal(token[0], h.opts.Token) {
		h.render(w, http.StatusUnauthorized, "login", loginPage{Next: next, Failed: true})
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: session(h.opts.Token), Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
		MaxAge: 7 * 24 * 3600,
	})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout clears the session cookie.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext keeps a redirect target on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.HasPrefix(next, "/login") {
		return "/"
	}
	return next
}

// loginPage is the data of the login template.
type loginPage struct {
	Next   string
	Failed bool
}
