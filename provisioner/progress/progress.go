// Package progress renders apply events: a live view with one line per
// tenant on a terminal, plain timestamped lines otherwise (CI logs), or
// JSON lines for programs.
package progress

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/apply"
)

// Plain writes one timestamped line per finished step and per failure.
type Plain struct{ W io.Writer }

// Event implements apply.Options.OnEvent.
func (p Plain) Event(e apply.Event) {
	if e.Status == apply.Started && !strings.HasPrefix(e.Step, "wait") {
		return
	}
	line := fmt.Sprintf("%s  %-12s %-8s %s", e.Time.UTC().Format(time.RFC3339), e.Tenant, e.Status, e.Step)
	if e.Status != apply.Started && e.Elapsed > 0 {
		line += fmt.Sprintf(" (%s)", e.Elapsed.Round(10*time.Millisecond))
	}
	if e.Err != nil && e.Status == apply.Failed && !e.Last {
		line += "\n    " + strings.ReplaceAll(e.Err.Error(), "\n", "\n    ")
	}
	fmt.Fprintln(p.W, line)
}

// JSONLines writes each event as one JSON object per line.
type JSONLines struct{ W io.Writer }

// Event implements apply.Options.OnEvent.
func (j JSONLines) Event(e apply.Event) {
	out := struct {
		Time      time.Time `json:"time"`
		Tenant    string    `json:"tenant"`
		Host      string    `json:"host"`
		Step      string    `json:"step"`
		Status    string    `json:"status"`
		ElapsedMS int64     `json:"elapsed_ms"`
		Error     string    `json:"error,omitempty"`
	}{e.Time.UTC(), e.Tenant, e.Host, e.Step, string(e.Status), e.Elapsed.Milliseconds(), ""}
	if e.Err != nil {
		out.Error = e.Err.Error()
	}
	b, _ := json.Marshal(out)
	fmt.Fprintln(j.W, string(b))
}

// Live redraws one line per tenant in place on a terminal.
type Live struct {
	W       io.Writer
	Color   bool
	lines   map[string]string
	started time.Time
	drawn   int
	// failures are printed in full once the view is done.
	failures []string
}

// NewLive returns a live view for the given tenants.
func NewLive(w io.Writer, color bool, tenants []string) *Live {
	l := &Live{W: w, Color: color, lines: map[string]string{}, started: time.Now()}
	for _, t := range tenants {
		l.lines[t] = "waiting"
	}
	l.draw()
	return l
}

// Event implements apply.Options.OnEvent.
func (l *Live) Event(e apply.Event) {
	switch {
	case e.Last && e.Status == apply.Done:
		l.lines[e.Tenant] = l.paint("\x1b[32m", "✓ done") + fmt.Sprintf(" in %s", e.Elapsed.Round(100*time.Millisecond))
	case e.Last:
		l.lines[e.Tenant] = l.paint("\x1b[31m", "✗ "+string(e.Status))
	case e.Status == apply.Started:
		l.lines[e.Tenant] = "… " + e.Step
	case e.Status == apply.Failed:
		l.failures = append(l.failures, e.Tenant+": "+e.Err.Error())
		l.lines[e.Tenant] = l.paint("\x1b[31m", "✗ "+e.Step)
	default:
		l.lines[e.Tenant] = "✓ " + e.Step
	}
	l.draw()
}

// Close prints the failures below the view.
func (l *Live) Close() {
	for _, f := range l.failures {
		fmt.Fprintln(l.W, l.paint("\x1b[31m", "Error: ")+f)
	}
}

func (l *Live) paint(color, s string) string {
	if !l.Color {
		return s
	}
	return color + s + "\x1b[0m"
}

func (l *Live) draw() {
	names := make([]string, 0, len(l.lines))
	width := 0
	for n := range l.lines {
		names = append(names, n)
		width = max(width, len(n))
	}
	sort.Strings(names)
	var b strings.Builder
	if l.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", l.drawn)
	}
	for _, n := range names {
		fmt.Fprintf(&b, "\x1b[2K  %-*s  %s\n", width, n, l.lines[n])
	}
	l.drawn = len(names)
	io.WriteString(l.W, b.String())
}
