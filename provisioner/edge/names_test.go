package edge

import "testing"

func TestNormalizeHost(t *testing.T) {
	cases := []struct {
		in   string
		want string
		ok   bool
	}{
		{"acme.example.com", "acme.example.com", true},
		{"ACME.Example.COM", "acme.example.com", true},
		{"acme.example.com.", "acme.example.com", true},
		{"acme.example.com:8443", "acme.example.com", true},
		{"Acme.Example.com.:80", "acme.example.com", true},
		{"[::1]:8080", "::1", true},
		{"[::1]", "::1", true},
		{"::1", "::1", true},
		{"127.0.0.1:80", "127.0.0.1", true},
		{"", "", false},
		{":80", "", false},
		{".", "", false},
		{"[::1", "", false},
	}
	for _, c := range cases {
		got, ok := NormalizeHost(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("NormalizeHost(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestValidateHost(t *testing.T) {
	good := map[string]string{
		"acme.example.com":        "acme.example.com",
		"ACME.tenants.localhost.": "acme.tenants.localhost",
		"localhost":               "localhost",
		"x-1.a.b":                 "x-1.a.b",
	}
	for in, want := range good {
		got, err := ValidateHost(in)
		if err != nil || got != want {
			t.Errorf("ValidateHost(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", ".", "acme.example.com:443", "-a.com", "a-.com", "a..com", "https://a.com", "a_b.com", "é.com", "*.example.com"} {
		if _, err := ValidateHost(bad); err == nil {
			t.Errorf("ValidateHost(%q): no error", bad)
		}
	}
}

func TestValidateTenantAndBackend(t *testing.T) {
	for _, good := range []string{"acme", "a1", "globex-eu"} {
		if err := ValidateTenant(good); err != nil {
			t.Errorf("ValidateTenant(%q): %v", good, err)
		}
	}
	for _, bad := range []string{"", "a", "Acme", "1acme", "acme-", "acme_x", "a23456789012345678901234567890123"} {
		if err := ValidateTenant(bad); err == nil {
			t.Errorf("ValidateTenant(%q): no error", bad)
		}
	}
	for _, good := range []string{"acme-app:8080", "10.0.0.5:80", "[::1]:8080", "tenantctl_acme_app.1:8080"} {
		if err := ValidateBackend(good); err != nil {
			t.Errorf("ValidateBackend(%q): %v", good, err)
		}
	}
	for _, bad := range []string{"", "acme-app", "acme-app:0", "acme-app:70000", "acme-app:http", ":8080", "a b:80", "http://a:80"} {
		if err := ValidateBackend(bad); err == nil {
			t.Errorf("ValidateBackend(%q): no error", bad)
		}
	}
}
