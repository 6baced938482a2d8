package model

import "testing"

func TestURLHost(t *testing.T) {
	local := &Host{Name: "local", Docker: "unix:///var/run/docker.sock"}
	remote := &Host{Name: "eu-1", SSH: &SSH{Address: "203.0.113.10:22"}}
	cases := []struct {
		host *Host
		bind string
		want string
	}{
		{local, "0.0.0.0", "127.0.0.1"},
		{local, "", "127.0.0.1"},
		{remote, "0.0.0.0", "203.0.113.10"},
		{remote, "::", "203.0.113.10"},
		{remote, "10.0.0.5", "10.0.0.5"},
		{nil, "", "127.0.0.1"},
		{local, "::", "::1"},
		{local, "127.0.0.2", "127.0.0.2"},
	}
	for _, c := range cases {
		if got := c.host.URLHost(c.bind); got != c.want {
			t.Errorf("%+v.URLHost(%q) = %q, want %q", c.host, c.bind, got, c.want)
		}
	}
}

func TestHostURL(t *testing.T) {
	local := &Host{Name: "local"}
	v6 := &Host{Name: "v6", SSH: &SSH{Address: "[2001:db8::7]:22"}}
	cases := []struct {
		host *Host
		bind string
		want string
	}{
		{local, "0.0.0.0", "http://127.0.0.1:8080/"},
		{local, "::", "http://[::1]:8080/"},
		{local, "::1", "http://[::1]:8080/"},
		{local, "2001:db8::5", "http://[2001:db8::5]:8080/"},
		{v6, "", "http://[2001:db8::7]:8080/"},
		{v6, "10.0.0.5", "http://10.0.0.5:8080/"},
	}
	for _, c := range cases {
		if got := c.host.URL(c.bind, 8080); got != c.want {
			t.Errorf("%s.URL(%q, 8080) = %q, want %q", c.host.Name, c.bind, got, c.want)
		}
	}
}
