// Package hostaddr is the one rule for where a port published on a Docker
// host answers: which address reaches it from the host itself (the HTTP
// health probes of apply and status, the checks of smoke), and how a URL
// for it is written. IPv6 addresses are written in brackets, as
// net.JoinHostPort does.
package hostaddr

import (
	"net"
	"net/netip"
	"strconv"
)

// Wildcard reports whether a port published on ip is bound on every
// address of its family: "" (Docker's default, all addresses), "0.0.0.0"
// or "::".
func Wildcard(ip string) bool {
	if ip == "" {
		return true
	}
	a, err := netip.ParseAddr(ip)
	return err == nil && a.IsUnspecified()
}

// Dial is the address that reaches, from the host itself, a port
// published on hostIP: the loopback address of the bind's family for a
// wildcard ("::" binds IPv6 only, so "::1"), otherwise hostIP itself.
func Dial(hostIP string) string {
	if !Wildcard(hostIP) {
		return hostIP
	}
	if a, err := netip.ParseAddr(hostIP); err == nil && a.Is6() {
		return "::1"
	}
	return "127.0.0.1"
}

// DialAddr is Dial(hostIP) and port as host:port, e.g. "127.0.0.1:8080"
// or "[::1]:8080".
func DialAddr(hostIP string, port int) string {
	return net.JoinHostPort(Dial(hostIP), strconv.Itoa(port))
}

// URL is the http URL of path at host and port, e.g. "http://[::1]:8080/";
// an empty path is "/". For the address to put in it: Dial for a probe
// made from the host, model.Host.URLHost for a URL shown to people.
func URL(host string, port int, path string) string {
	if path == "" || path[0] != '/' {
		path = "/" + path
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(port)) + path
}
