package apply

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/engine"
)

// hostDialer is an engine that can open TCP connections as seen from its
// host (a remote engine: through its SSH connection).
type hostDialer interface {
	DialHost(ctx context.Context, addr string) (net.Conn, error)
}

// probeClient is the HTTP client for a service's health probe: it reaches
// the published port on the engine's own host, which for an SSH host is
// the remote machine's loopback, not ours.
func probeClient(eng engine.Engine) *http.Client {
	c := &http.Client{Timeout: 2 * time.Second}
	if d, ok := eng.(hostDialer); ok {
		c.Transport = &http.Transport{
			DisableKeepAlives: true,
			DialContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
				return d.DialHost(ctx, addr)
			},
		}
	}
	return c
}
