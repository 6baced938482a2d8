package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/tenantctl/tenantctl/provisioner/status"
)

// filter selects tenants by name, label and state, from the query string
// (?q=acme&label=tier=gold&state=degraded), so filtering works without
// JavaScript and a filtered view can be bookmarked.
type filter struct {
	// Query is a case-insensitive part of the tenant's name.
	Query string
	// Label is "key=value" (that label has that value), or a word that
	// is a label key or value of the tenant.
	Label string
	// State is one state, or empty for all.
	State string
}

func filterFrom(r *http.Request) filter {
	q := r.URL.Query()
	return filter{
		Query: strings.TrimSpace(q.Get("q")),
		Label: strings.TrimSpace(q.Get("label")),
		State: strings.TrimSpace(q.Get("state")),
	}
}

// Active reports whether the filter selects anything less than all.
func (f filter) Active() bool { return f.Query != "" || f.Label != "" || f.State != "" }

func (f filter) match(t *status.TenantStatus) bool {
	if f.Query != "" && !strings.Contains(strings.ToLower(t.Name), strings.ToLower(f.Query)) {
		return false
	}
	if f.State != "" && string(t.State) != f.State {
		return false
	}
	if f.Label != "" && !matchLabel(t.Labels, f.Label) {
		return false
	}
	return true
}

func matchLabel(labels map[string]string, term string) bool {
	if k, v, ok := strings.Cut(term, "="); ok {
		got, has := labels[strings.TrimSpace(k)]
		return has && strings.EqualFold(got, strings.TrimSpace(v))
	}
	for k, v := range labels {
		if strings.EqualFold(k, term) || strings.EqualFold(v, term) {
			return true
		}
	}
	return false
}

func (f filter) apply(tenants []status.TenantStatus) []status.TenantStatus {
	out := []status.TenantStatus{}
	for i := range tenants {
		if f.match(&tenants[i]) {
			out = append(out, tenants[i])
		}
	}
	return out
}

// with returns the list URL of this filter with one field changed.
func (f filter) with(field, value string) string {
	switch field {
	case "state":
		f.State = value
	case "label":
		f.Label = value
	case "q":
		f.Query = value
	}
	v := url.Values{}
	if f.Query != "" {
		v.Set("q", f.Query)
	}
	if f.Label != "" {
		v.Set("label", f.Label)
	}
	if f.State != "" {
		v.Set("state", f.State)
	}
	if len(v) == 0 {
		return "/"
	}
	return "/?" + v.Encode()
}
