package status

import "strings"

// redacted replaces a secret value found in free text.
const redacted = "(sensitive)"

// Redact removes every one of the given secret values from the free text
// of a report — health-check output and reasons, which come from programs
// tenantctl does not control — so that no rendering can show a secret.
func Redact(r *Report, secrets []string) {
	var pairs []string
	for _, s := range secrets {
		if s != "" {
			pairs = append(pairs, s, redacted)
		}
	}
	if len(pairs) == 0 {
		return
	}
	rep := strings.NewReplacer(pairs...)
	for i := range r.Tenants {
		t := &r.Tenants[i]
		for j := range t.Reasons {
			t.Reasons[j] = rep.Replace(t.Reasons[j])
		}
		for j := range t.Services {
			t.Services[j].HealthOutput = rep.Replace(t.Services[j].HealthOutput)
		}
	}
}
