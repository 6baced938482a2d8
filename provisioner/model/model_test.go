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
	}
	for _, c := range cases {
		if got := c.host.URLHost(c.bind); got != c.want {
			t.Errorf("%+v.URLHost(%q) = %q, want %q", c.host, c.bind, got, c.want)
		}
	}
}
