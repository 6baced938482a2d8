package resource

import "testing"

func TestProbeURL(t *testing.T) {
	t.Parallel()
	spec := func(hostIP string) *ContainerSpec {
		return &ContainerSpec{
			Ports: []PortBinding{{Name: "admin", HostIP: "10.9.9.9", HostPort: 9000}, {Name: "http", HostIP: hostIP, HostPort: 8080}},
			Probe: &HTTPProbe{Path: "/healthz", HostPort: 8080},
		}
	}
	for hostIP, want := range map[string]string{
		"0.0.0.0":   "http://127.0.0.1:8080/healthz",
		"127.0.0.2": "http://127.0.0.2:8080/healthz",
		"::":        "http://[::1]:8080/healthz",
		"fd00::2":   "http://[fd00::2]:8080/healthz",
	} {
		if got := spec(hostIP).ProbeURL(); got != want {
			t.Errorf("host_ip %q: ProbeURL() = %q, want %q", hostIP, got, want)
		}
	}
	if got := (&ContainerSpec{}).ProbeURL(); got != "" {
		t.Errorf("no probe: ProbeURL() = %q, want \"\"", got)
	}
}
