package status

import "github.com/tenantctl/tenantctl/provisioner/redact"

// Redact masks every secret known to r in the free text of a report —
// health-check output and reasons, which come from programs tenantctl does
// not control — so that no rendering can show a secret.
func Redact(report *Report, r *redact.Redactor) {
	for i := range report.Tenants {
		t := &report.Tenants[i]
		for j := range t.Reasons {
			t.Reasons[j] = r.String(t.Reasons[j])
		}
		for j := range t.Services {
			t.Services[j].HealthOutput = r.String(t.Services[j].HealthOutput)
		}
	}
}
