// Package redact removes secret values from everything tenantctl prints or
// writes. One Redactor, built from the project's derived secrets, guards
// progress lines, errors, JSON events, reports, status and pages: the last
// line of defence against a container that prints its own password.
package redact

import (
	"encoding/json"
	"io"
	"sort"
	"strconv"
	"strings"
)

// Mask replaces a secret value.
const Mask = "(sensitive)"

// minLen is the shortest value redacted: shorter ones would mask ordinary
// text and are not secrets tenantctl derives (those are 32 characters).
const minLen = 6

// Redactor replaces known secret values. The zero value and nil redact
// nothing.
type Redactor struct {
	values   []string
	replacer *strings.Replacer
}

// New returns a redactor of the given values; duplicates and values
// shorter than 6 characters are dropped.
func New(values ...string) *Redactor {
	r := &Redactor{}
	r.add(values)
	return r
}

// add merges values in and rebuilds the replacer, longest value first so
// a value that contains another is masked whole.
func (r *Redactor) add(values []string) {
	seen := map[string]bool{}
	for _, v := range r.values {
		seen[v] = true
	}
	for _, v := range values {
		if len(v) < minLen {
			continue
		}
		for _, form := range forms(v) {
			if !seen[form] {
				seen[form] = true
				r.values = append(r.values, form)
			}
		}
	}
	sort.Slice(r.values, func(i, j int) bool { return len(r.values[i]) > len(r.values[j]) })
	pairs := make([]string, 0, 2*len(r.values))
	for _, v := range r.values {
		pairs = append(pairs, v, Mask)
	}
	r.replacer = strings.NewReplacer(pairs...)
}

// forms are the ways a value can appear in output: as is, escaped in JSON
// (encoding/json also escapes <, > and &) and quoted by %q.
func forms(v string) []string {
	out := []string{v}
	if b, err := json.Marshal(v); err == nil {
		out = append(out, string(b[1:len(b)-1]))
	}
	q := strconv.Quote(v)
	return append(out, q[1:len(q)-1])
}

// With returns a redactor of r's values and more.
func (r *Redactor) With(values ...string) *Redactor {
	out := &Redactor{}
	if r != nil {
		out.values = append(out.values, r.values...)
	}
	out.add(values)
	return out
}

// String returns s with every secret masked.
func (r *Redactor) String(s string) string {
	if r == nil || r.replacer == nil || len(r.values) == 0 {
		return s
	}
	return r.replacer.Replace(s)
}

// Error returns err with its message masked; errors.Is and errors.As still
// see the original chain. A nil err stays nil.
func (r *Redactor) Error(err error) error {
	if err == nil || r == nil || len(r.values) == 0 {
		return err
	}
	return &redacted{err: err, msg: r.String(err.Error())}
}

type redacted struct {
	err error
	msg string
}

func (e *redacted) Error() string { return e.msg }
func (e *redacted) Unwrap() error { return e.err }

// Writer returns a writer that masks secrets in each Write before passing
// it on. Every print of tenantctl is one Write per line or message, so a
// secret never straddles two. Fd is passed through, so a terminal stays a
// terminal.
func (r *Redactor) Writer(w io.Writer) io.Writer {
	if r == nil || len(r.values) == 0 {
		return w
	}
	return &writer{w: w, r: r}
}

type writer struct {
	w io.Writer
	r *Redactor
}

func (w *writer) Write(p []byte) (int, error) {
	s := string(p)
	out := w.r.String(s)
	if out == s {
		return w.w.Write(p)
	}
	if _, err := io.WriteString(w.w, out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Fd returns the file descriptor of the writer underneath, if it has one.
func (w *writer) Fd() uintptr {
	if f, ok := w.w.(interface{ Fd() uintptr }); ok {
		return f.Fd()
	}
	return ^uintptr(0)
}

// Unwrap returns the writer underneath.
func (w *writer) Unwrap() io.Writer { return w.w }
