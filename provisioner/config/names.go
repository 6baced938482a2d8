package config

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/agext/levenshtein"
	"github.com/hashicorp/hcl/v2"
)

// nameRE is the rule for names that end up in Docker object names: the
// project, hosts, tenants, services, ports and volumes.
var nameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}[a-z0-9]$`)

// labelKeyRE is the rule for tenant label keys.
var labelKeyRE = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,62}$`)

const nameRule = "Names must be 2 to 32 characters long, use only lowercase letters, digits and dashes, start with a letter and not end with a dash, because they become part of Docker container, network and volume names."

// checkName returns an "Invalid <kind> name" diagnostic at subject when
// name breaks nameRE, or nil.
func checkName(kind, name string, subject hcl.Range) *hcl.Diagnostic {
	if nameRE.MatchString(name) {
		return nil
	}
	detail := fmt.Sprintf("%q is not a valid %s name. %s", name, kind, nameRule)
	if s := suggestName(name); s != "" {
		detail += fmt.Sprintf(" Try %q.", s)
	}
	return errorAt(subject, fmt.Sprintf("Invalid %s name", kind), detail)
}

// suggestName turns name into one that follows nameRE, e.g. "Acme Corp"
// into "acme-corp", or returns "" when nothing sensible comes out.
func suggestName(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
	}
	s := strings.TrimLeft(b.String(), "0123456789-")
	if len(s) > 32 {
		s = s[:32]
	}
	s = strings.TrimRight(s, "-")
	if !nameRE.MatchString(s) || s == name {
		return ""
	}
	return s
}

// closest returns the candidate nearest to given by edit distance when it
// is close enough to be a likely typo, or "".
func closest(given string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := levenshtein.Distance(given, c, nil); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// didYouMean returns ` Did you mean "x"?` for the closest candidate, or "".
func didYouMean(given string, candidates []string) string {
	if s := closest(given, candidates); s != "" {
		return fmt.Sprintf(" Did you mean %q?", s)
	}
	return ""
}

// quotedList renders names as `"a", "b" and "c"`.
func quotedList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	switch len(q) {
	case 0:
		return ""
	case 1:
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}
