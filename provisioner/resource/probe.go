package resource

import "github.com/tenantctl/tenantctl/provisioner/hostaddr"

// ProbeURL is the URL of the container's HTTP probe as dialled from its
// host itself: the probed port's bound address, or the loopback address
// when it is bound on all of them (see hostaddr.Dial). It is "" without a
// probe.
func (s *ContainerSpec) ProbeURL() string {
	if s.Probe == nil {
		return ""
	}
	hostIP := ""
	for _, b := range s.Ports {
		if b.HostPort == s.Probe.HostPort {
			hostIP = b.HostIP
			break
		}
	}
	return hostaddr.URL(hostaddr.Dial(hostIP), s.Probe.HostPort, s.Probe.Path)
}
