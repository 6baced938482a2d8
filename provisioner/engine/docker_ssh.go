package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/docker/docker/client"

	"github.com/tenantctl/tenantctl/provisioner/sshx"
)

// remote is what a Docker reached over SSH keeps: the one connection every
// request to the host shares.
type remote struct {
	conn    *sshx.Client
	socket  string
	display string
}

// NewDockerSSH returns an engine whose every request goes through conn to
// the unix socket on the remote host (direct-streamlocal), so the host
// needs nothing but sshd and a Docker engine. The engine owns conn: Close
// closes it. No request is made here.
func NewDockerSSH(conn *sshx.Client, socket string, opts ...Option) (*Docker, error) {
	t := &http.Transport{
		MaxIdleConns:    6,
		IdleConnTimeout: 30 * time.Second,
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return conn.DialContext(ctx, "unix", socket)
		},
	}
	// The host is only for the client's URL building; dialling is ours.
	d, err := newDocker("unix://"+socket, t, "http", opts)
	if err != nil {
		return nil, err
	}
	d.remote = &remote{conn: conn, socket: socket, display: fmt.Sprintf("ssh://%s%s", conn.Address(), socket)}
	return d, nil
}

// DialHost opens a TCP connection to addr as seen from the engine's host:
// through the SSH connection for a remote engine, directly for a local
// one. HTTP health probes of published ports use it.
func (d *Docker) DialHost(ctx context.Context, addr string) (net.Conn, error) {
	if d.remote != nil {
		return d.remote.conn.DialContext(ctx, "tcp", addr)
	}
	var nd net.Dialer
	return nd.DialContext(ctx, "tcp", addr)
}

// Remote reports whether the engine is reached over SSH.
func (d *Docker) Remote() bool { return d.remote != nil }

// Unreachable reports whether err means the engine's host cannot be
// reached: an SSH connection that failed or died.
func Unreachable(err error) bool {
	var ue *sshx.UnreachableError
	return errors.As(err, &ue)
}

// Disconnected reports whether err means the request never got an answer
// from the engine because the connection to it failed or died (an
// unreachable SSH host, a refused or broken connection), as opposed to an
// error the engine answered with or a cancelled request. A caller that
// keeps an engine for long should dial it again after such an error.
func Disconnected(err error) bool {
	return Unreachable(err) || client.IsErrConnectionFailed(err)
}
