package web

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"

	"github.com/tenantctl/tenantctl/provisioner/status"
)

// metrics serves the Prometheus text format (version 0.0.4). It is simple
// enough to write by hand; every series is a gauge.
func (h *Handler) metrics(w http.ResponseWriter, r *http.Request) {
	rep, err := h.src.Tenants(r.Context())
	if err != nil {
		http.Error(w, "status: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Write(Metrics(rep))
}

// Metrics renders a report as Prometheus gauges:
//
//	tenantctl_tenants{state}                      tenants in each state
//	tenantctl_tenant_up{tenant,host}              1: every service's container runs
//	tenantctl_tenant_healthy{tenant,host}         1: every service is healthy
//	tenantctl_tenant_state{tenant,host,state}     1 for its state, 0 for the others
//	tenantctl_tenant_info{tenant,host,version}    always 1
//	tenantctl_tenant_created_timestamp_seconds{tenant,host}
//	tenantctl_service_healthy{tenant,service}     1: healthy or running without a check
func Metrics(rep *status.Report) []byte {
	var b bytes.Buffer
	gauge := func(name, help string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name)
	}
	gauge("tenantctl_tenants", "Number of tenants in each state.")
	for _, s := range status.States {
		fmt.Fprintf(&b, "tenantctl_tenants{state=%s} %d\n", quote(string(s)), rep.Counts[s])
	}
	series := func(name, help string, value func(t *status.TenantStatus) (string, float64)) {
		gauge(name, help)
		for i := range rep.Tenants {
			t := &rep.Tenants[i]
			extra, v := value(t)
			fmt.Fprintf(&b, "%s{tenant=%s,host=%s%s} %g\n", name, quote(t.Name), quote(t.Host), extra, v)
		}
	}
	series("tenantctl_tenant_up", "1 when every service of the tenant has a running container.", func(t *status.TenantStatus) (string, float64) {
		up := t.Deployed && len(t.Services) > 0
		for _, s := range t.Services {
			up = up && s.State == "running"
		}
		return "", bool01(up)
	})
	series("tenantctl_tenant_healthy", "1 when every service of the tenant is healthy (or running without a check).", func(t *status.TenantStatus) (string, float64) {
		return "", bool01(t.Deployed && t.Health == status.Healthy)
	})
	gauge("tenantctl_tenant_state", "1 for the tenant's state, 0 for the other states.")
	for i := range rep.Tenants {
		t := &rep.Tenants[i]
		for _, s := range status.States {
			fmt.Fprintf(&b, "tenantctl_tenant_state{tenant=%s,host=%s,state=%s} %g\n", quote(t.Name), quote(t.Host), quote(string(s)), bool01(t.State == s))
		}
	}
	series("tenantctl_tenant_info", "The tenant's version; always 1.", func(t *status.TenantStatus) (string, float64) {
		return ",version=" + quote(t.Version), 1
	})
	gauge("tenantctl_tenant_created_timestamp_seconds", "When the tenant's oldest container was created (Unix time).")
	for i := range rep.Tenants {
		if t := &rep.Tenants[i]; t.Created != nil {
			fmt.Fprintf(&b, "tenantctl_tenant_created_timestamp_seconds{tenant=%s,host=%s} %d\n", quote(t.Name), quote(t.Host), t.Created.Unix())
		}
	}
	gauge("tenantctl_service_healthy", "1 when the service is healthy or running without a check.")
	for i := range rep.Tenants {
		t := &rep.Tenants[i]
		for _, s := range t.Services {
			fmt.Fprintf(&b, "tenantctl_service_healthy{tenant=%s,service=%s} %g\n", quote(t.Name), quote(s.Name), bool01(s.Health == status.Healthy || s.Health == status.NoCheck))
		}
	}
	return b.Bytes()
}

func bool01(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// quote escapes a label value as the text format wants: \\, \" and \n.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}
