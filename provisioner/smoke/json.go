package smoke

import (
	"encoding/json"
	"io"
	"time"
)

// JSONFormatVersion is the format_version of WriteJSON's document; fields
// are only ever added.
const JSONFormatVersion = "1"

type jsonReport struct {
	FormatVersion string        `json:"format_version"`
	Project       string        `json:"project"`
	Tenant        string        `json:"tenant"`
	Template      string        `json:"template"`
	Host          string        `json:"host"`
	Outcome       Outcome       `json:"outcome"`
	Started       time.Time     `json:"started"`
	Expires       time.Time     `json:"expires"`
	DurationMS    int64         `json:"duration_ms"`
	Provision     jsonProvision `json:"provision"`
	Checks        []jsonCheck   `json:"checks"`
	Cleanup       jsonCleanup   `json:"cleanup"`
}

type jsonProvision struct {
	Passed     bool   `json:"passed"`
	DurationMS int64  `json:"duration_ms"`
	Attempts   int    `json:"attempts"`
	Error      string `json:"error,omitempty"`
}

type jsonCheck struct {
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	Probe      string `json:"probe,omitempty"`
	Passed     bool   `json:"passed"`
	Skipped    bool   `json:"skipped"`
	DurationMS int64  `json:"duration_ms"`
	Attempts   int    `json:"attempts"`
	Message    string `json:"message,omitempty"`
}

type jsonCleanup struct {
	Done       bool     `json:"done"`
	Kept       bool     `json:"kept"`
	Remaining  []string `json:"remaining"`
	Error      string   `json:"error,omitempty"`
	Command    string   `json:"command,omitempty"`
	DurationMS int64    `json:"duration_ms"`
}

// WriteJSON writes the report as one JSON document (schema in README).
func WriteJSON(w io.Writer, rep *Report) error {
	out := jsonReport{
		FormatVersion: JSONFormatVersion,
		Project:       rep.Project, Tenant: rep.Tenant, Template: rep.Template, Host: rep.Host,
		Outcome: rep.Outcome,
		Started: rep.Started.UTC().Truncate(time.Millisecond), Expires: rep.Expires.UTC(),
		DurationMS: rep.Duration.Milliseconds(),
		Provision: jsonProvision{
			Passed: rep.Provision.Passed, DurationMS: rep.Provision.Duration.Milliseconds(),
			Attempts: rep.Provision.Attempts, Error: rep.Provision.Error,
		},
		Checks: []jsonCheck{},
		Cleanup: jsonCleanup{
			Done: rep.Cleanup.Done, Kept: rep.Cleanup.Kept, Remaining: rep.Cleanup.Remaining,
			Error: rep.Cleanup.Error, Command: rep.Cleanup.Command, DurationMS: rep.Cleanup.Duration.Milliseconds(),
		},
	}
	if out.Cleanup.Remaining == nil {
		out.Cleanup.Remaining = []string{}
	}
	for _, c := range rep.Checks {
		out.Checks = append(out.Checks, jsonCheck{
			Name: c.Name, Kind: c.Kind, Probe: c.Probe, Passed: c.Passed, Skipped: c.Skipped,
			DurationMS: c.Duration.Milliseconds(), Attempts: c.Attempts, Message: c.Message,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
