package config

import "testing"

func TestSuggestName(t *testing.T) {
	for in, want := range map[string]string{
		"Acme Corp":   "acme-corp",
		"ACME":        "acme",
		"acme_corp-":  "acme-corp",
		"9lives Inc.": "lives-inc",
		"acme":        "",
		"!!":          "",
	} {
		if got := suggestName(in); got != want {
			t.Errorf("suggestName(%q) = %q, want %q", in, got, want)
		}
	}
}
