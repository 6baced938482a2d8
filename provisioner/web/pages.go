package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/status"
)

// pages are the parsed templates, each a page joined to the layout.
type pages struct{ byName map[string]*template.Template }

var funcs = template.FuncMap{
	"health": status.HealthSummary,
	"age":    status.Age,
	"when": func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
	"first": func(s []string) string {
		if len(s) == 0 {
			return ""
		}
		return s[0]
	},
}

func parsePages() (*pages, error) {
	p := &pages{byName: map[string]*template.Template{}}
	for _, name := range []string{"list", "tenant", "login", "logout", "error"} {
		t, err := template.New(name).Funcs(funcs).ParseFS(assets, "assets/layout.html", "assets/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		p.byName[name] = t
	}
	return p, nil
}

// base is what the layout shows on every page.
type base struct {
	Title   string
	Project string
	Time    time.Time
	// Refresh is the meta-refresh interval in seconds; 0 for none.
	Refresh int
	// Auth is set when a token protects the dashboard (to offer log out).
	Auth bool
}

func (h *Handler) base(title, project string, at time.Time, refresh bool) base {
	b := base{Title: title, Project: project, Time: at, Auth: h.opts.Token != ""}
	if refresh && h.opts.Refresh > 0 {
		b.Refresh = max(1, int(h.opts.Refresh/time.Second))
	}
	return b
}

// Data of the templates.
type (
	listView struct {
		base
		Filter  filter
		Tenants []status.TenantStatus
		Total   int
		States  []stateLink
		AllURL  string
	}
	stateLink struct {
		State  status.State
		Count  int
		Active bool
		URL    string
	}
	tenantView struct {
		base
		T *status.TenantStatus
	}
	loginView struct {
		base
		loginPage
	}
	logoutView struct {
		base
	}
	errorView struct {
		base
		Code    int
		Message string
	}
)

// With is the list URL of the filter with one field changed.
func (f filter) With(field, value string) string { return f.with(field, value) }

// render executes a page into a buffer first, so a template error is a
// clean 500 and not half a page.
func (h *Handler) render(w http.ResponseWriter, code int, name string, data any) {
	if l, ok := data.(loginPage); ok {
		b := h.base("Log in", "", time.Time{}, false)
		b.Auth = false // not logged in: no log-out button
		data = loginView{base: b, loginPage: l}
	}
	var buf bytes.Buffer
	if err := h.pages.byName[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		http.Error(w, "template: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, code int, msg string) {
	h.render(w, code, "error", errorView{base: h.base(http.StatusText(code), "", time.Time{}, code == http.StatusServiceUnavailable), Code: code, Message: msg})
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	rep, err := h.src.Tenants(r.Context())
	if err != nil {
		h.errorPage(w, r, http.StatusServiceUnavailable, "Could not read the tenants' status: "+err.Error())
		return
	}
	f := filterFrom(r)
	v := listView{
		base:    h.base("Tenants", rep.Project, rep.Time, true),
		Filter:  f,
		Tenants: f.apply(rep.Tenants),
		Total:   len(rep.Tenants),
		AllURL:  f.with("state", ""),
	}
	for _, s := range status.States {
		v.States = append(v.States, stateLink{State: s, Count: rep.Counts[s], Active: f.State == string(s), URL: f.with("state", string(s))})
	}
	h.render(w, http.StatusOK, "list", v)
}

func (h *Handler) tenant(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	ts, err := h.src.Tenant(r.Context(), name)
	switch {
	case errors.Is(err, status.ErrNotFound):
		h.errorPage(w, r, http.StatusNotFound, "There is no tenant named "+name+".")
	case err != nil:
		h.errorPage(w, r, http.StatusServiceUnavailable, "Could not read the status of "+name+": "+err.Error())
	default:
		h.render(w, http.StatusOK, "tenant", tenantView{base: h.base(ts.Name, "", time.Now(), true), T: ts})
	}
}
