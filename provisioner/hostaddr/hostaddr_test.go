package hostaddr

import "testing"

func TestDial(t *testing.T) {
	t.Parallel()
	cases := []struct {
		hostIP   string
		wildcard bool
		dial     string
		addr     string
		url      string
	}{
		{"", true, "127.0.0.1", "127.0.0.1:8080", "http://127.0.0.1:8080/"},
		{"0.0.0.0", true, "127.0.0.1", "127.0.0.1:8080", "http://127.0.0.1:8080/"},
		{"::", true, "::1", "[::1]:8080", "http://[::1]:8080/"},
		{"127.0.0.1", false, "127.0.0.1", "127.0.0.1:8080", "http://127.0.0.1:8080/"},
		{"127.0.0.2", false, "127.0.0.2", "127.0.0.2:8080", "http://127.0.0.2:8080/"},
		{"10.1.2.3", false, "10.1.2.3", "10.1.2.3:8080", "http://10.1.2.3:8080/"},
		{"::1", false, "::1", "[::1]:8080", "http://[::1]:8080/"},
		{"2001:db8::5", false, "2001:db8::5", "[2001:db8::5]:8080", "http://[2001:db8::5]:8080/"},
	}
	for _, c := range cases {
		if got := Wildcard(c.hostIP); got != c.wildcard {
			t.Errorf("Wildcard(%q) = %v, want %v", c.hostIP, got, c.wildcard)
		}
		if got := Dial(c.hostIP); got != c.dial {
			t.Errorf("Dial(%q) = %q, want %q", c.hostIP, got, c.dial)
		}
		if got := DialAddr(c.hostIP, 8080); got != c.addr {
			t.Errorf("DialAddr(%q, 8080) = %q, want %q", c.hostIP, got, c.addr)
		}
		if got := URL(Dial(c.hostIP), 8080, ""); got != c.url {
			t.Errorf("URL(Dial(%q), 8080, \"\") = %q, want %q", c.hostIP, got, c.url)
		}
	}
}

func TestURLPath(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]string{
		"":         "http://[::1]:80/",
		"/":        "http://[::1]:80/",
		"/healthz": "http://[::1]:80/healthz",
		"healthz":  "http://[::1]:80/healthz",
		"/a?b=c#d": "http://[::1]:80/a?b=c#d",
	} {
		if got := URL("::1", 80, path); got != want {
			t.Errorf("URL(::1, 80, %q) = %q, want %q", path, got, want)
		}
	}
}
