package web

import (
	"regexp"
	"strings"
	"testing"
)

// sampleLine is one line of the Prometheus text format.
var sampleLine = regexp.MustCompile(`^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+\{([a-z_]+="([^"\\]|\\.)*",?)+\} -?[0-9.e+]+)$`)

func TestMetrics(t *testing.T) {
	src := sampleSource()
	src.report.Tenants[2].Labels["owner"] = "a \"quoted\"\nname"
	h := newHandler(t, src, Options{})
	resp, body := do(t, h, "GET", "/metrics")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, line := range strings.Split(strings.TrimRight(body, "\n"), "\n") {
		if !sampleLine.MatchString(line) {
			t.Errorf("not the text format: %q", line)
		}
	}
	for _, want := range []string{
		`tenantctl_tenants{state="running"} 2`,
		`tenantctl_tenants{state="degraded"} 1`,
		`tenantctl_tenants{state="orphaned"} 0`,
		`tenantctl_tenant_up{tenant="acme",host="local"} 1`,
		`tenantctl_tenant_up{tenant="globex",host="local"} 0`,
		`tenantctl_tenant_healthy{tenant="globex",host="local"} 0`,
		`tenantctl_tenant_state{tenant="globex",host="local",state="degraded"} 1`,
		`tenantctl_tenant_state{tenant="globex",host="local",state="running"} 0`,
		`tenantctl_tenant_info{tenant="acme",host="local",version="1.1.0"} 1`,
		`tenantctl_service_healthy{tenant="globex",service="app"} 0`,
		`# TYPE tenantctl_tenant_up gauge`,
	} {
		if !strings.Contains(body, want+"\n") {
			t.Errorf("metrics lack %q", want)
		}
	}
	if q := quote("a \"b\"\n\\"); q != `"a \"b\"\n\\"` {
		t.Errorf("quote: %s", q)
	}
}
