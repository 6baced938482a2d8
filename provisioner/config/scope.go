package config

import (
	"fmt"
	"math"
	"math/big"
	"time"

	units "github.com/docker/go-units"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// scope evaluates attributes in one evaluation context and collects the
// diagnostics. Its getters never fail: on a problem they record a
// diagnostic and return the default, and they return a nil range unless
// the value really came from the configuration, so callers only
// range-check values that were written.
type scope struct {
	ctx *hcl.EvalContext
	diagList
}

// errSecretOutsideEnv is the diagnostic for a sensitive value anywhere but
// in a service's env values.
func errSecretOutsideEnv(r hcl.Range) *hcl.Diagnostic {
	return errorAt(r, "secret values may only be used in env",
		"This value is derived from secret(), and secrets may only be used as values in a service's env, where they are kept out of logs and plans. Pass the secret to the service through an environment variable instead.")
}

// raw evaluates attr without any checks beyond evaluation errors. ok is
// false when attr is absent or evaluation failed.
func (s *scope) raw(attr *hcl.Attribute) (cty.Value, bool) {
	if attr == nil {
		return cty.NilVal, false
	}
	v, diags := attr.Expr.Value(s.ctx)
	s.extend(diags)
	if diags.HasErrors() {
		return cty.NilVal, false
	}
	return v, true
}

// value evaluates attr, rejects sensitive and unknown values and converts
// to ty. ok is false when attr is absent, null or wrong (with a diagnostic
// for the latter).
func (s *scope) value(attr *hcl.Attribute, ty cty.Type) (cty.Value, bool) {
	v, ok := s.raw(attr)
	if !ok {
		return cty.NilVal, false
	}
	return s.convert(v, attr.Expr.Range(), fmt.Sprintf("attribute %q", attr.Name), ty)
}

// convert checks v, which came from the expression at r, as value does;
// what names it in messages.
func (s *scope) convert(v cty.Value, r hcl.Range, what string, ty cty.Type) (cty.Value, bool) {
	if v.ContainsMarked() {
		s.add(errSecretOutsideEnv(r))
		return cty.NilVal, false
	}
	if !v.IsWhollyKnown() {
		s.errorf(r, "Unknown value", "The value of %s cannot be determined while loading the configuration. Use values that do not depend on anything computed later.", what)
		return cty.NilVal, false
	}
	if v.IsNull() {
		return cty.NilVal, false
	}
	cv, err := convert.Convert(v, ty)
	if err != nil {
		s.errorf(r, "Incorrect attribute value type", "Inappropriate value for %s: %s. %s", what, err.Error(), typeHint(ty))
		return cty.NilVal, false
	}
	if ty.IsListType() || ty.IsMapType() {
		for it := cv.ElementIterator(); it.Next(); {
			if _, ev := it.Element(); ev.IsNull() {
				s.errorf(r, "Incorrect attribute value type", "Inappropriate value for %s: elements must not be null. %s", what, typeHint(ty))
				return cty.NilVal, false
			}
		}
	}
	return cv, true
}

// requireSet reports a required attribute whose value is null. The getter
// that read it returned range r; n is len(s.diags) before it ran, so that
// a value already reported as wrong is not reported again.
func (s *scope) requireSet(attrs hcl.Attributes, name string, r *hcl.Range, n int) {
	if attr := attrs[name]; attr != nil && r == nil && len(s.diags) == n {
		s.errorf(attr.Expr.Range(), fmt.Sprintf("Missing value for %q", name), "%s is required, but its value is null.", name)
	}
}

// typeHint tells how to write a value of type ty.
func typeHint(ty cty.Type) string {
	switch {
	case ty == cty.String:
		return `Write a quoted string, e.g. "value".`
	case ty == cty.Number:
		return "Write a number without quotes, e.g. 8080."
	case ty == cty.Bool:
		return "Write true or false without quotes."
	case ty.IsListType() && ty.ElementType() == cty.String:
		return `Write a list of strings, e.g. ["a", "b"].`
	case ty.IsMapType() && ty.ElementType() == cty.String:
		return `Write an object of strings, e.g. { NAME = "value" }.`
	}
	return ""
}

// str returns the string attribute name, or def.
func (s *scope) str(attrs hcl.Attributes, name, def string) (string, *hcl.Range) {
	attr := attrs[name]
	v, ok := s.value(attr, cty.String)
	if !ok {
		return def, nil
	}
	return v.AsString(), attr.Expr.Range().Ptr()
}

// boolean returns the bool attribute name, or def.
func (s *scope) boolean(attrs hcl.Attributes, name string, def bool) (bool, *hcl.Range) {
	attr := attrs[name]
	v, ok := s.value(attr, cty.Bool)
	if !ok {
		return def, nil
	}
	return v.True(), attr.Expr.Range().Ptr()
}

// integer returns the whole-number attribute name, which must lie in
// [lo, hi], or def.
func (s *scope) integer(attrs hcl.Attributes, name string, def, lo, hi int) (int, *hcl.Range) {
	attr := attrs[name]
	v, ok := s.value(attr, cty.Number)
	if !ok {
		return def, nil
	}
	r := attr.Expr.Range()
	n, ok := s.wholeNumber(v, r, name, lo, hi)
	if !ok {
		return def, nil
	}
	return n, &r
}

// wholeNumber checks that the known, non-null number v lies in [lo, hi].
func (s *scope) wholeNumber(v cty.Value, r hcl.Range, name string, lo, hi int) (int, bool) {
	bf := v.AsBigFloat()
	rangeText := fmt.Sprintf("a whole number from %d to %d", lo, hi)
	if hi == math.MaxInt {
		rangeText = fmt.Sprintf("a whole number of at least %d", lo)
	}
	if !bf.IsInt() {
		s.errorf(r, fmt.Sprintf("Invalid %s", name), "%s must be %s, not %s.", name, rangeText, bf.Text('g', 10))
		return 0, false
	}
	i, acc := bf.Int64()
	if acc != big.Exact || i < int64(lo) || i > int64(hi) {
		s.errorf(r, fmt.Sprintf("Invalid %s", name), "%s must be %s, not %s.", name, rangeText, bf.Text('g', 10))
		return 0, false
	}
	return int(i), true
}

// float returns the number attribute name, which must lie in [lo, hi].
func (s *scope) float(attrs hcl.Attributes, name string, lo, hi float64) (float64, *hcl.Range) {
	attr := attrs[name]
	v, ok := s.value(attr, cty.Number)
	if !ok {
		return 0, nil
	}
	r := attr.Expr.Range()
	f, _ := v.AsBigFloat().Float64()
	if f < lo || f > hi {
		s.errorf(r, fmt.Sprintf("Invalid %s", name), "%s must be a number from %g to %g, not %s.", name, lo, hi, v.AsBigFloat().Text('g', 10))
		return 0, nil
	}
	return f, &r
}

// strList returns the list-of-strings attribute name, or nil.
func (s *scope) strList(attrs hcl.Attributes, name string) ([]string, *hcl.Range) {
	attr := attrs[name]
	v, ok := s.value(attr, cty.List(cty.String))
	if !ok {
		return nil, nil
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, ev := it.Element()
		out = append(out, ev.AsString())
	}
	return out, attr.Expr.Range().Ptr()
}

// duration returns the duration attribute name, or def. Zero is accepted
// only when allowZero is set; negative durations never are.
func (s *scope) duration(attrs hcl.Attributes, name string, def time.Duration, allowZero bool) time.Duration {
	text, r := s.str(attrs, name, "")
	if r == nil {
		return def
	}
	d, err := time.ParseDuration(text)
	if err != nil {
		s.errorf(*r, "Invalid duration", "%q is not a duration. Write a number with a unit, e.g. \"500ms\", \"2s\" or \"1m30s\" (units: ns, us, ms, s, m, h).", text)
		return def
	}
	if d < 0 || (d == 0 && !allowZero) {
		want := "positive"
		if allowZero {
			want = "zero or positive"
		}
		s.errorf(*r, "Invalid duration", "%s must be %s, not %q. Write e.g. \"2s\".", name, want, text)
		return def
	}
	return d
}

// minMemory is the smallest memory limit Docker accepts.
const minMemory = 6 * 1024 * 1024

// memory returns the size attribute name in bytes, or 0 when absent.
func (s *scope) memory(attrs hcl.Attributes, name string) int64 {
	text, r := s.str(attrs, name, "")
	if r == nil {
		return 0
	}
	n, err := units.RAMInBytes(text)
	if err != nil || n < 0 {
		s.errorf(*r, "Invalid memory size", "%q is not a memory size. Write a number with a binary unit, e.g. \"512MiB\", \"1GiB\" or \"256m\".", text)
		return 0
	}
	if n > 0 && n < minMemory {
		s.errorf(*r, "Invalid memory size", "%q is below Docker's minimum memory limit of 6MiB. Write e.g. \"64MiB\", or leave memory out for no limit.", text)
		return 0
	}
	return n
}
