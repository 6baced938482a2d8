package config

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// errorAt builds an error diagnostic whose subject is r.
func errorAt(r hcl.Range, summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: r.Ptr()}
}

// warningAt builds a warning diagnostic whose subject is r.
func warningAt(r hcl.Range, summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Detail: detail, Subject: r.Ptr()}
}

// duplicate reports the second definition of a kind of thing named name;
// prev is where the first one was.
func duplicate(kind, name string, prev, cur hcl.Range) *hcl.Diagnostic {
	return errorAt(cur, fmt.Sprintf("Duplicate %s %q", kind, name),
		fmt.Sprintf("Each %s needs a unique name: rename or remove one of them. The previous definition was at %s.", kind, prev))
}

// nameSet keeps track of the names seen in one scope, to report duplicates.
type nameSet map[string]hcl.Range

// add records name at r, returning a duplicate diagnostic if it was
// already there.
func (n nameSet) add(kind, name string, r hcl.Range) *hcl.Diagnostic {
	if prev, ok := n[name]; ok {
		return duplicate(kind, name, prev, r)
	}
	n[name] = r
	return nil
}

// diagList collects diagnostics, ignoring nil ones.
type diagList struct{ diags hcl.Diagnostics }

func (d *diagList) add(diags ...*hcl.Diagnostic) {
	for _, diag := range diags {
		if diag != nil {
			d.diags = append(d.diags, diag)
		}
	}
}

func (d *diagList) extend(diags hcl.Diagnostics) { d.add(diags...) }

// errorf adds an error at r.
func (d *diagList) errorf(r hcl.Range, summary, format string, args ...any) {
	d.add(errorAt(r, summary, fmt.Sprintf(format, args...)))
}

// blockHomes says which files each top-level block belongs in.
var blockHomes = map[string]string{
	"project":  "tenantctl.hcl",
	"host":     "tenantctl.hcl",
	"template": "templates/*.hcl",
	"tenant":   "tenants/*.hcl",
}

// withPlacementHints adds to hcl's "Unsupported block type" diagnostics of
// a file's top level the file the block belongs in.
func withPlacementHints(diags hcl.Diagnostics) hcl.Diagnostics {
	for _, d := range diags {
		if d.Summary != "Unsupported block type" {
			continue
		}
		for block, home := range blockHomes {
			if strings.HasPrefix(d.Detail, fmt.Sprintf("Blocks of type %q ", block)) {
				d.Detail += fmt.Sprintf(" %s blocks belong in %s.", block, home)
			}
		}
	}
	return diags
}
