package web

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tenantctl/tenantctl/provisioner/status"
)

// The series /metrics serves, all gauges:
//
//	tenantctl_tenants{state}                      tenants in each state
//	tenantctl_tenant_up{tenant,host}              1: every service's container runs
//	tenantctl_tenant_healthy{tenant,host}         1: every service is healthy
//	tenantctl_tenant_state{tenant,host,state}     1 for its state, 0 for the others
//	tenantctl_tenant_info{tenant,host,version}    always 1
//	tenantctl_tenant_created_timestamp_seconds{tenant,host}
//	tenantctl_service_healthy{tenant,service}     1: healthy or running without a check
var (
	tenantsDesc = prometheus.NewDesc("tenantctl_tenants",
		"Number of tenants in each state.", []string{"state"}, nil)
	tenantUpDesc = prometheus.NewDesc("tenantctl_tenant_up",
		"1 when every service of the tenant has a running container.", []string{"tenant", "host"}, nil)
	tenantHealthyDesc = prometheus.NewDesc("tenantctl_tenant_healthy",
		"1 when every service of the tenant is healthy (or running without a check).", []string{"tenant", "host"}, nil)
	tenantStateDesc = prometheus.NewDesc("tenantctl_tenant_state",
		"1 for the tenant's state, 0 for the other states.", []string{"tenant", "host", "state"}, nil)
	tenantInfoDesc = prometheus.NewDesc("tenantctl_tenant_info",
		"The tenant's version; always 1.", []string{"tenant", "host", "version"}, nil)
	tenantCreatedDesc = prometheus.NewDesc("tenantctl_tenant_created_timestamp_seconds",
		"When the tenant's oldest container was created (Unix time).", []string{"tenant", "host"}, nil)
	serviceHealthyDesc = prometheus.NewDesc("tenantctl_service_healthy",
		"1 when the service is healthy or running without a check.", []string{"tenant", "service"}, nil)
)

// metrics serves the report as Prometheus metrics, in the format the
// scraper asks for (the text format by default), through a registry made
// for this one report.
func (h *Handler) metrics(w http.ResponseWriter, r *http.Request) {
	rep, err := h.src.Tenants(r.Context())
	if err != nil {
		http.Error(w, "status: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	reg := prometheus.NewRegistry()
	if err := reg.Register(reportCollector{rep}); err != nil {
		http.Error(w, "metrics: "+err.Error(), http.StatusInternalServerError)
		return
	}
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}).ServeHTTP(w, r)
}

// reportCollector turns one status report into gauges.
type reportCollector struct{ rep *status.Report }

// Describe sends every series' descriptor.
func (c reportCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{tenantsDesc, tenantUpDesc, tenantHealthyDesc, tenantStateDesc, tenantInfoDesc, tenantCreatedDesc, serviceHealthyDesc} {
		ch <- d
	}
}

// Collect sends the report's gauges. A tenant found on two hosts (an
// orphan left on the old one) has one tenantctl_service_healthy series
// per service, from the first host listed: that series has no host label.
func (c reportCollector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		m, err := prometheus.NewConstMetric(d, prometheus.GaugeValue, v, labels...)
		if err != nil {
			m = prometheus.NewInvalidMetric(d, err)
		}
		ch <- m
	}
	for _, s := range status.States {
		gauge(tenantsDesc, float64(c.rep.Counts[s]), string(s))
	}
	seen := map[[2]string]bool{}
	for i := range c.rep.Tenants {
		t := &c.rep.Tenants[i]
		up := t.Deployed && len(t.Services) > 0
		for _, s := range t.Services {
			up = up && s.State == "running"
		}
		gauge(tenantUpDesc, bool01(up), t.Name, t.Host)
		gauge(tenantHealthyDesc, bool01(t.Deployed && t.Health == status.Healthy), t.Name, t.Host)
		for _, s := range status.States {
			gauge(tenantStateDesc, bool01(t.State == s), t.Name, t.Host, string(s))
		}
		gauge(tenantInfoDesc, 1, t.Name, t.Host, t.Version)
		if t.Created != nil {
			gauge(tenantCreatedDesc, float64(t.Created.Unix()), t.Name, t.Host)
		}
		for _, s := range t.Services {
			if key := [2]string{t.Name, s.Name}; !seen[key] {
				seen[key] = true
				gauge(serviceHealthyDesc, bool01(s.Health == status.Healthy || s.Health == status.NoCheck), t.Name, s.Name)
			}
		}
	}
}

func bool01(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
