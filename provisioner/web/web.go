// Package web is tenantctl's read-only dashboard: a page listing every
// tenant with its state, searchable and filterable by name, label and
// state; a page per tenant; the same data as JSON under /api; Prometheus
// metrics; and /healthz. Pages are rendered on the server with
// html/template from embedded files, refresh themselves with a meta tag and
// need no JavaScript, so a strict Content-Security-Policy holds.
//
// Nothing here can change anything: every path answers GET and HEAD only,
// but for the login form's POST /login and the POST /logout button, which
// are refused when they come from another site (Sec-Fetch-Site, Origin).
// With a token, a login is a session cookie that expires (Options.
// SessionMaxAge) and that logging out revokes. Nothing shows an
// environment value: pages render status.TenantStatus,
// which carries none.
package web

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/status"
)

//go:embed assets
var assets embed.FS

// Source is where the dashboard reads status from; the workspace in
// production, a fake in tests.
type Source interface {
	// Tenants is the status of every tenant.
	Tenants(ctx context.Context) (*status.Report, error)
	// Tenant is one tenant's status with its health-check output; an
	// unknown name is an error wrapping status.ErrNotFound.
	Tenant(ctx context.Context, name string) (*status.TenantStatus, error)
}

// Options configure the handler.
type Options struct {
	// Refresh is how often pages reload themselves; 0 disables it.
	Refresh time.Duration
	// Token, when set, is required as "Authorization: Bearer TOKEN" or as
	// the session cookie the login form (POST /login) sets.
	Token string
	// SessionMaxAge is how long a login lasts; 0 means
	// DefaultSessionMaxAge.
	SessionMaxAge time.Duration
	// LoopbackOnly refuses requests whose Host header is not a loopback
	// name or address, so a web page elsewhere cannot read the dashboard
	// through DNS rebinding. Use it when serving on loopback without a
	// token.
	LoopbackOnly bool
}

// Handler is the dashboard.
type Handler struct {
	src      Source
	opts     Options
	pages    *pages
	mux      *http.ServeMux
	sessions *sessions
	// crossOrigin refuses posts that another site's page sends.
	crossOrigin *http.CrossOriginProtection
}

// New returns the dashboard handler reading from src.
func New(src Source, opts Options) (*Handler, error) {
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	sess, err := newSessions(opts.SessionMaxAge)
	if err != nil {
		return nil, err
	}
	h := &Handler{src: src, opts: opts, pages: p, mux: http.NewServeMux(), sessions: sess, crossOrigin: http.NewCrossOriginProtection()}
	static, err := fs.Sub(assets, "assets/static")
	if err != nil {
		return nil, err
	}
	h.mux.Handle("GET /static/", http.StripPrefix("/static/", staticFiles(static)))
	h.mux.HandleFunc("GET /{$}", h.list)
	h.mux.HandleFunc("GET /tenants/{name}", h.tenant)
	h.mux.HandleFunc("GET /api/tenants", h.apiTenants)
	h.mux.HandleFunc("GET /api/tenants/{name}", h.apiTenant)
	h.mux.HandleFunc("GET /metrics", h.metrics)
	h.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	h.mux.HandleFunc("GET /login", h.loginForm)
	h.mux.HandleFunc("POST /login", h.login)
	h.mux.HandleFunc("GET /logout", h.logoutForm)
	h.mux.HandleFunc("POST /logout", h.logout)
	h.mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		h.errorPage(w, r, http.StatusNotFound, "There is no page at "+r.URL.Path+".")
	})
	return h, nil
}

// securityHeaders are set on every response.
var securityHeaders = map[string]string{
	"Content-Security-Policy":      "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
	"X-Content-Type-Options":       "nosniff",
	"X-Frame-Options":              "DENY",
	"Referrer-Policy":              "no-referrer",
	"Cross-Origin-Opener-Policy":   "same-origin",
	"Cross-Origin-Resource-Policy": "same-origin",
	"Permissions-Policy":           "camera=(), microphone=(), geolocation=()",
}

// ServeHTTP sets the security headers, refuses every method but GET and
// HEAD (and POST to /login and /logout, from this site only), checks the
// Host and the token, then routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for k, v := range securityHeaders {
		w.Header().Set(k, v)
	}
	w.Header().Set("Cache-Control", "no-store")
	form := r.URL.Path == "/login" || r.URL.Path == "/logout"
	if r.Method != http.MethodGet && r.Method != http.MethodHead && (r.Method != http.MethodPost || !form) {
		allow := "GET, HEAD"
		if form {
			allow += ", POST"
		}
		w.Header().Set("Allow", allow)
		http.Error(w, "method not allowed: this dashboard is read-only", http.StatusMethodNotAllowed)
		return
	}
	if h.opts.LoopbackOnly && !loopbackHost(r.Host) {
		http.Error(w, "forbidden: this dashboard answers on a loopback address only", http.StatusForbidden)
		return
	}
	if err := h.crossOrigin.Check(r); err != nil {
		http.Error(w, "forbidden: a form of this dashboard was posted from another site", http.StatusForbidden)
		return
	}
	if !h.authorized(r) && !public(r.URL.Path) {
		h.unauthorized(w, r)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// public paths need no token: logging in and out, the stylesheet,
// liveness.
func public(path string) bool {
	return path == "/login" || path == "/logout" || path == "/healthz" || strings.HasPrefix(path, "/static/")
}

// loopbackHost reports whether a Host header names this machine.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func staticFiles(fsys fs.FS) http.Handler {
	files := http.FileServerFS(fsys)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		files.ServeHTTP(w, r)
	})
}

// writeJSON answers with an indented JSON document.
func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func (h *Handler) apiTenants(w http.ResponseWriter, r *http.Request) {
	rep, err := h.src.Tenants(r.Context())
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": err.Error()})
		return
	}
	f := filterFrom(r)
	out := *rep
	out.Tenants = f.apply(rep.Tenants)
	out.Counts = status.CountStates(out.Tenants)
	writeJSON(w, http.StatusOK, &out)
}

func (h *Handler) apiTenant(w http.ResponseWriter, r *http.Request) {
	ts, err := h.src.Tenant(r.Context(), r.PathValue("name"))
	switch {
	case errors.Is(err, status.ErrNotFound):
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no tenant named " + r.PathValue("name")})
	case err != nil:
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": err.Error()})
	default:
		writeJSON(w, http.StatusOK, ts)
	}
}
