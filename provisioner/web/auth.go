package web

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// cookieName is the session cookie /login sets.
const cookieName = "tenantctl_session"

// maxLoginForm bounds the body of POST /login.
const maxLoginForm = 8 << 10

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// authorized reports whether the request carries the token as a bearer
// token, or a live session cookie. Without a token everything is allowed.
func (h *Handler) authorized(r *http.Request) bool {
	if h.opts.Token == "" {
		return true
	}
	if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && equal(strings.TrimSpace(bearer), h.opts.Token) {
		return true
	}
	if c, err := r.Cookie(cookieName); err == nil && h.sessions.valid(c.Value) {
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

// loginForm shows the login form. A token in the query string is refused
// rather than used: it would stay in the browser's history and in proxy
// logs.
func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if h.opts.Token == "" {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	if r.URL.Query().Has("token") {
		h.render(w, http.StatusBadRequest, "login", loginPage{Next: next, TokenInURL: true})
		return
	}
	h.render(w, http.StatusOK, "login", loginPage{Next: next})
}

// login checks the token posted by the login form and starts a session.
// ServeHTTP has refused cross-origin posts before this runs, so no other
// site can log a browser in.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginForm)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request: send the login form", http.StatusBadRequest)
		return
	}
	next := safeNext(r.PostForm.Get("next"))
	if h.opts.Token == "" {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	token := r.PostForm["token"]
	if len(token) != 1 || !equal(token[0], h.opts.Token) {
		h.render(w, http.StatusUnauthorized, "login", loginPage{Next: next, Failed: true})
		return
	}
	value, err := h.sessions.create()
	if err != nil {
		http.Error(w, "could not start a session", http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: value, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
		MaxAge: int(h.sessions.maxAge / time.Second),
	})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logoutForm offers the log-out button to a GET (a bookmark, an old link).
func (h *Handler) logoutForm(w http.ResponseWriter, r *http.Request) {
	b := h.base("Log out", "", time.Time{}, false)
	b.Auth = false // the page is the button
	h.render(w, http.StatusOK, "logout", logoutView{base: b})
}

// logout revokes the session and clears its cookie: a copy of the cookie
// no longer works either.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(cookieName); err == nil {
		h.sessions.revoke(c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: -1})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext keeps a redirect target on this site: a path of printable
// ASCII starting with exactly one "/", without a backslash, a scheme or a
// host, and not the login or logout page; anything else is "/". Browsers
// drop tabs and newlines from URLs and read "\" as "/", so "/\t/evil" or
// "/\evil" would leave the site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return "/"
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c <= ' ' || c >= 0x7f || c == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") {
		return "/"
	}
	if u.Path == "/login" || u.Path == "/logout" {
		return "/"
	}
	return next
}

// loginPage is the data of the login template.
type loginPage struct {
	Next   string
	Failed bool
	// TokenInURL says a token came in the query string and was refused.
	TokenInURL bool
}
