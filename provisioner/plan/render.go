package plan

import (
	"fmt"
	"io"
	"strings"
)

// symbols mark each action in text, as Terraform does.
var symbols = map[Action]string{Create: "+", Update: "~", Replace: "-/+", Delete: "-", NoOp: " "}

// ANSI colors per action, used only when color is on.
var colors = map[Action]string{Create: "\x1b[32m", Update: "\x1b[33m", Replace: "\x1b[35m", Delete: "\x1b[31m"}

const colorReset = "\x1b[0m"

// WriteText renders the plan for people: one line per change, grouped by
// tenant, unchanged tenants counted but not listed, and a summary. It never
// shows environment values, so no secret can appear.
func WriteText(w io.Writer, p *Plan, color bool) error {
	var b strings.Builder
	paint := func(a Action, s string) string {
		if !color || colors[a] == "" {
			return s
		}
		return colors[a] + s + colorReset
	}
	writeEdges(&b, p.Edges, paint)
	unchanged := 0
	for _, t := range p.Tenants {
		if !t.Changes() {
			unchanged++
			continue
		}
		status := ""
		switch {
		case t.New:
			status = " (new)"
		case t.Orphan:
			status = " (orphaned)"
		}
		fmt.Fprintf(&b, "tenant %s on host %s%s\n", t.Name, t.Host, status)
		for _, op := range t.Operations {
			if op.Action == NoOp {
				continue
			}
			line := fmt.Sprintf("  %-3s %-9s %-10s %s", symbols[op.Action], op.ID.Kind, op.ID.Name, describe(op))
			fmt.Fprintln(&b, paint(op.Action, strings.TrimRight(line, " ")))
		}
	}
	c := p.Counts()
	switch {
	case c == (Counts{}) && len(p.Skipped) > 0:
		b.WriteString("No changes in the tenants planned.\n")
	case c == (Counts{}):
		b.WriteString("No changes. Every tenant matches its definition.\n")
	default:
		if unchanged > 0 {
			fmt.Fprintf(&b, "%d tenant(s) unchanged.\n", unchanged)
		}
		fmt.Fprintf(&b, "\nPlan: %d to create, %d to update, %d to replace, %d to delete.\n", c.Create, c.Update, c.Replace, c.Delete)
	}
	for _, n := range p.Notes {
		fmt.Fprintf(&b, "\nNote: %s\n", n)
	}
	writeSkipped(&b, p.Skipped)
	_, err := io.WriteString(w, b.String())
	return err
}

// describe summarizes an operation: what is made, or why it changes.
func describe(op Operation) string {
	var what string
	switch {
	case op.Network != nil && !op.Network.Subnet.IsValid():
		what = "subnet chosen by the engine"
	case op.Network != nil:
		what = op.Network.Subnet.String()
		if op.Network.Internal {
			what += ", internal"
		}
	case op.Container != nil && (op.Action == Create || op.Action == Replace):
		what = op.Container.Image
		for _, p := range op.Container.Ports {
			what += fmt.Sprintf(", %s :%d", p.Name, p.HostPort)
		}
	}
	causes := op.Causes
	if len(causes) == 1 && (causes[0] == "new tenant" || causes[0] == "destroy" || causes[0] == "new edge proxy") {
		causes = nil
	}
	switch {
	case what == "":
		return strings.Join(causes, "; ")
	case len(causes) == 0:
		return what
	default:
		return what + " (" + strings.Join(causes, "; ") + ")"
	}
}

// writeEdges renders the edge plans that change something, before the
// tenants: apply makes the proxy first.
func writeEdges(b *strings.Builder, edges []EdgePlan, paint func(Action, string) string) {
	line := func(a Action, kind, name, what string) {
		l := fmt.Sprintf("  %-3s %-9s %-10s %s", symbols[a], kind, name, what)
		fmt.Fprintln(b, paint(a, strings.TrimRight(l, " ")))
	}
	for _, e := range edges {
		if !e.Changes() {
			continue
		}
		status := ""
		if e.New {
			status = " (new)"
		}
		fmt.Fprintf(b, "edge proxy on host %s%s\n", e.Host, status)
		for _, op := range e.Operations {
			if op.Action != NoOp {
				line(op.Action, string(op.ID.Kind), op.ID.Name, describe(op))
			}
		}
		for _, n := range e.Networks {
			verb := "join "
			if n.Action == Delete {
				verb = "leave "
			}
			line(n.Action, "network", n.Tenant, verb+n.Network)
		}
		for _, r := range e.Routes {
			what := strings.Join(r.Hosts, ", ") + " → " + r.Backend
			if r.Action == Delete {
				what = ""
			}
			if len(r.Causes) > 0 && r.Action != Create && r.Causes[0] != "destroy" {
				if what != "" {
					what += " "
				}
				what += "(" + strings.Join(r.Causes, "; ") + ")"
			}
			line(r.Action, "route", r.Tenant, what)
		}
	}
}
