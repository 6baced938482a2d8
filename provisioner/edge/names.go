package edge

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
)

// tenantRE is the tenant name rule of tenantctl (a DNS label), the same as
// provisioner/config's; it is repeated here so that the proxy binary does
// not link the HCL loader.
var tenantRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}[a-z0-9]$`)

// hostLabelRE is one label of a host name, in lower case.
var hostLabelRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// backendHostRE is the host part of a backend address: a container name,
// a DNS name or an IPv4 address.
var backendHostRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,252}$`)

// NormalizeHost returns the host name that a Host header or a TLS server
// name designates: the port removed, brackets of an IPv6 literal removed,
// lower case, one trailing dot removed. ok is false when no host is left.
// It does not validate the name: an invalid one simply matches no route.
func NormalizeHost(hostport string) (host string, ok bool) {
	h := hostport
	if strings.HasPrefix(h, "[") {
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return "", false
		}
		h = h[1:end]
	} else if i := strings.LastIndexByte(h, ':'); i >= 0 && strings.IndexByte(h, ':') == i {
		h = h[:i]
	}
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	return h, h != ""
}

// ValidateTenant checks a tenant name.
func ValidateTenant(name string) error {
	if !tenantRE.MatchString(name) {
		return fmt.Errorf("invalid tenant name %q: use 2-32 lower-case letters, digits and '-', starting with a letter", name)
	}
	return nil
}

// ValidateHost checks a host name given for a route and returns its
// normal form (lower case, no trailing dot). A port is an error: routes
// match any port.
func ValidateHost(name string) (string, error) {
	h := strings.TrimSuffix(strings.ToLower(name), ".")
	if h == "" || len(h) > 253 {
		return "", fmt.Errorf("invalid host name %q: give a DNS name such as acme.example.com", name)
	}
	if strings.ContainsAny(h, ":/[]") {
		return "", fmt.Errorf("invalid host name %q: give the name only, without port or scheme", name)
	}
	for _, label := range strings.Split(h, ".") {
		if !hostLabelRE.MatchString(label) {
			return "", fmt.Errorf("invalid host name %q: labels are 1-63 letters, digits and '-', not starting or ending with '-'", name)
		}
	}
	return h, nil
}

// ValidateBackend checks a backend address, HOST:PORT, where HOST is a
// container name, a DNS name or an IP address.
func ValidateBackend(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("invalid backend address %q: give HOST:PORT, for example acme-app:8080", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("invalid backend address %q: the port must be a number from 1 to 65535", addr)
	}
	if net.ParseIP(host) == nil && !backendHostRE.MatchString(host) {
		return fmt.Errorf("invalid backend address %q: the host must be a container name, a DNS name or an IP address", addr)
	}
	return nil
}
