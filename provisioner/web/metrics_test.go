package web

import (
	"slices"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/tenantctl/tenantctl/provisioner/status"
)

// scrape gets /metrics and parses it with Prometheus's own parser.
func scrape(t *testing.T, src Source) map[string]*dto.MetricFamily {
	t.Helper()
	h := newHandler(t, src, Options{})
	resp, body := do(t, h, "GET", "/metrics")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("GET /metrics: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("not the text format: %v\n%s", err, body)
	}
	return families
}

// values are a family's samples by their labels, "k=v,k=v" in name order.
func values(f *dto.MetricFamily) map[string]float64 {
	out := map[string]float64{}
	if f == nil {
		return out
	}
	for _, m := range f.Metric {
		var labels []string
		for _, l := range m.Label {
			labels = append(labels, l.GetName()+"="+l.GetValue())
		}
		slices.Sort(labels)
		out[strings.Join(labels, ",")] = m.GetGauge().GetValue()
	}
	return out
}

func TestMetrics(t *testing.T) {
	src := sampleSource()
	src.report.Tenants[2].Version = "a \"quoted\"\nversion \\ 1"
	families := scrape(t, src)

	var names []string
	for name, f := range families {
		names = append(names, name)
		if f.GetType() != dto.MetricType_GAUGE || f.GetHelp() == "" {
			t.Errorf("%s: type %s, help %q", name, f.GetType(), f.GetHelp())
		}
	}
	slices.Sort(names)
	want := []string{"tenantctl_service_healthy", "tenantctl_tenant_created_timestamp_seconds", "tenantctl_tenant_healthy",
		"tenantctl_tenant_info", "tenantctl_tenant_state", "tenantctl_tenant_up", "tenantctl_tenants"}
	if !slices.Equal(names, want) {
		t.Errorf("families %v, want %v", names, want)
	}
	for name, samples := range map[string]map[string]float64{
		"tenantctl_tenants":        {"state=running": 2, "state=degraded": 1, "state=orphaned": 0},
		"tenantctl_tenant_up":      {"host=local,tenant=acme": 1, "host=local,tenant=globex": 0},
		"tenantctl_tenant_healthy": {"host=local,tenant=acme": 1, "host=local,tenant=globex": 0},
		"tenantctl_tenant_state": {"host=local,state=degraded,tenant=globex": 1, "host=local,state=running,tenant=globex": 0,
			"host=local,state=running,tenant=acme": 1},
		"tenantctl_tenant_info": {"host=local,tenant=acme,version=1.1.0": 1,
			"host=local,tenant=initech,version=a \"quoted\"\nversion \\ 1": 1},
		"tenantctl_tenant_created_timestamp_seconds": {"host=local,tenant=acme": float64(observedAt.Unix() - 50*3600)},
		"tenantctl_service_healthy":                  {"service=app,tenant=globex": 0, "service=db,tenant=globex": 1, "service=app,tenant=acme": 1},
	} {
		got := values(families[name])
		for labels, v := range samples {
			if g, ok := got[labels]; !ok || g != v {
				t.Errorf("%s{%s} = %v (present %v), want %v", name, labels, g, ok, v)
			}
		}
	}
	if n := len(families["tenantctl_tenant_state"].GetMetric()); n != 3*len(status.States) {
		t.Errorf("%d tenant_state series, want %d", n, 3*len(status.States))
	}
}

// TestMetricsTenantOnTwoHosts: a tenant also left on another host still
// scrapes, with one service series per service.
func TestMetricsTenantOnTwoHosts(t *testing.T) {
	src := sampleSource()
	orphan := tenant("acme", status.Orphaned, nil)
	orphan.Host = "old"
	src.report.Tenants = append(src.report.Tenants, orphan)
	src.report.Counts = status.CountStates(src.report.Tenants)
	families := scrape(t, src)
	if got := values(families["tenantctl_tenant_up"]); len(got) != 4 || got["host=old,tenant=acme"] != 1 {
		t.Errorf("tenant_up: %v", got)
	}
	if got := values(families["tenantctl_service_healthy"]); len(got) != 6 {
		t.Errorf("service_healthy: %v", got)
	}
}
