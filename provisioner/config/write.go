package config

import (
	"io"

	"github.com/hashicorp/hcl/v2"
)

// diagnosticWidth is the column at which WriteDiagnostics wraps details.
const diagnosticWidth = 78

// WriteDiagnostics prints diagnostics with hcl.NewDiagnosticTextWriter (file, line, column, snippet), colored when color is true.
func WriteDiagnostics(w io.Writer, files map[string]*hcl.File, diags hcl.Diagnostics, color bool) error {
	return hcl.NewDiagnosticTextWriter(w, files, diagnosticWidth, color).WriteDiagnostics(diags)
}
