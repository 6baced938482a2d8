package status

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteJSON prints the report as indented JSON (schema in README).
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// LabelKeys are the label keys any of the tenants has, sorted.
func LabelKeys(tenants []TenantStatus) []string {
	seen := map[string]bool{}
	for _, t := range tenants {
		for k := range t.Labels {
			seen[k] = true
		}
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// HealthSummary is the HEALTH column: the tenant's health and how many of
// its services are healthy ("healthy 2/2", "unhealthy 1/2"), or "-".
func HealthSummary(t *TenantStatus) string {
	if !t.Deployed {
		return "-"
	}
	return fmt.Sprintf("%s %d/%d", t.Health, t.Healthy(), len(t.Services))
}

// Age renders the tenant's age as kubectl does: 45s, 90m, 30h, 5d; "-" when
// the tenant has no containers.
func Age(t *TenantStatus) string {
	if t.Created == nil {
		return "-"
	}
	d := time.Duration(t.AgeSeconds) * time.Second
	switch {
	case d < 2*time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < 2*time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// stateColors are ANSI colors for the STATE column on a terminal.
var stateColors = map[State]string{
	Running: "\x1b[32m", Drifted: "\x1b[33m", Provisioning: "\x1b[36m",
	Degraded: "\x1b[31m", Stopped: "\x1b[31m", Missing: "\x1b[33m", Orphaned: "\x1b[35m",
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// WriteTable prints one row per tenant: TENANT, STATE, HEALTH, VERSION,
// HOST, URL, AGE and a column per label key.
func WriteTable(w io.Writer, r *Report, color bool) error {
	keys := LabelKeys(r.Tenants)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := []string{"TENANT", "STATE", "HEALTH", "VERSION", "HOST", "URL", "AGE"}
	for _, k := range keys {
		head = append(head, strings.ToUpper(k))
	}
	if color {
		// tabwriter counts escape bytes: give the header cell as many
		// invisible bytes as each colored state cell (5 + 4).
		head[1] = "\x1b[39m" + head[1] + "\x1b[0m"
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for i := range r.Tenants {
		t := &r.Tenants[i]
		state := string(t.State)
		if color {
			state = stateColors[t.State] + state + "\x1b[0m"
		}
		row := []string{t.Name, state, HealthSummary(t), orDash(t.Version), t.Host, orDash(t.URL), Age(t)}
		for _, k := range keys {
			row = append(row, orDash(t.Labels[k]))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, e := range r.Edges {
		if _, err := fmt.Fprintf(w, "edge proxy on host %s: %s\n", e.Host, e.Summary); err != nil {
			return err
		}
	}
	if len(r.Tenants) == 0 {
		_, err := fmt.Fprintln(w, "No tenants defined or deployed.")
		return err
	}
	return nil
}

// WriteCSV prints a header and one record per tenant: tenant, state,
// health, services_healthy, services_total, version, host, url, created,
// age_seconds, then label.KEY per label key.
func WriteCSV(w io.Writer, r *Report) error {
	keys := LabelKeys(r.Tenants)
	cw := csv.NewWriter(w)
	head := []string{"tenant", "state", "health", "services_healthy", "services_total", "version", "host", "url", "created", "age_seconds"}
	for _, k := range keys {
		head = append(head, "label."+k)
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	for i := range r.Tenants {
		t := &r.Tenants[i]
		created := ""
		if t.Created != nil {
			created = t.Created.UTC().Format(time.RFC3339)
		}
		rec := []string{t.Name, string(t.State), t.Health, strconv.Itoa(t.Healthy()), strconv.Itoa(len(t.Services)), t.Version, t.Host, t.URL, created, strconv.FormatInt(t.AgeSeconds, 10)}
		for _, k := range keys {
			rec = append(rec, t.Labels[k])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
