package engine

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/docker/docker/client"
	"github.com/docker/go-connections/sockets"
	"github.com/docker/go-connections/tlsconfig"
)

// Docker is an Engine backed by the Docker Engine API.
type Docker struct {
	cli       *client.Client
	transport *http.Transport
	calls     atomic.Int64
	// counting is the transport that counts requests; tests may wrap
	// what it forwards to.
	counting *countingTransport
	timeouts Timeouts
	// remote is set for an engine reached over SSH (docker_ssh.go).
	remote *remote
}

var _ Engine = (*Docker)(nil)

// NewDocker connects to the engine at host ("unix:///var/run/docker.sock",
// "tcp://10.0.0.5:2376"); "" means the client.FromEnv defaults (DOCKER_HOST,
// else the local socket). DOCKER_CERT_PATH, DOCKER_TLS_VERIFY and
// DOCKER_API_VERSION are honoured as client.FromEnv does. The API version
// is negotiated on the first request (or by Ping), so a newer client library
// works against an older engine. Every request is bounded (see Timeouts).
// No request is made here.
func NewDocker(host string, opts ...Option) (*Docker, error) {
	if host == "" {
		host = os.Getenv(client.EnvOverrideHost)
	}
	if host == "" {
		host = client.DefaultDockerHost
	}
	transport, scheme, err := newTransport(host)
	if err != nil {
		return nil, fmt.Errorf("docker host %s: %w", host, err)
	}
	return newDocker(host, transport, scheme, opts)
}

// newDocker builds the client for host over transport, counting requests
// and bounding each one's dial and its wait for an answer.
func newDocker(host string, transport *http.Transport, scheme string, opts []Option) (*Docker, error) {
	d := &Docker{transport: transport, timeouts: DefaultTimeouts}
	for _, o := range opts {
		o(d)
	}
	d.boundDial(transport)
	d.counting = &countingTransport{next: &answerBound{next: transport, timeouts: &d.timeouts}, calls: &d.calls}
	httpClient := &http.Client{
		Transport:     d.counting,
		CheckRedirect: client.CheckRedirect,
	}
	// WithHost must run before WithHTTPClient: it configures the default
	// *http.Transport, which ours then replaces. FromEnv contributes
	// DOCKER_API_VERSION; its TLS settings are already in our transport.
	cli, err := client.NewClientWithOpts(
		client.FromEnv,
		client.WithHost(host),
		client.WithAPIVersionNegotiation(),
		client.WithHTTPClient(httpClient),
		client.WithScheme(scheme),
	)
	if err != nil {
		return nil, fmt.Errorf("docker host %s: %w", host, err)
	}
	d.cli = cli
	return d, nil
}

// newTransport builds the transport client.FromEnv would use for host: the
// same idle-connection limits as the library's default, a dialer for unix,
// tcp or npipe, and TLS from DOCKER_CERT_PATH. It is built here rather than
// taken from the client because the client wraps its own transport where it
// cannot be reached to count requests.
func newTransport(host string) (*http.Transport, string, error) {
	u, err := client.ParseHostURL(host)
	if err != nil {
		return nil, "", err
	}
	t := &http.Transport{MaxIdleConns: 6, IdleConnTimeout: 30 * time.Second}
	scheme := "http"
	if certs := os.Getenv(client.EnvOverrideCertPath); certs != "" {
		tlsc, err := tlsconfig.Client(tlsconfig.Options{
			CAFile:             filepath.Join(certs, "ca.pem"),
			CertFile:           filepath.Join(certs, "cert.pem"),
			KeyFile:            filepath.Join(certs, "key.pem"),
			InsecureSkipVerify: os.Getenv(client.EnvTLSVerify) == "",
		})
		if err != nil {
			return nil, "", fmt.Errorf("tls config: %w", err)
		}
		t.TLSClientConfig = tlsc
		scheme = "https"
	}
	if err := sockets.ConfigureTransport(t, u.Scheme, u.Host); err != nil {
		return nil, "", err
	}
	return t, scheme, nil
}

// countingTransport counts every request sent to the engine.
type countingTransport struct {
	next  http.RoundTripper
	calls *atomic.Int64
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.calls.Add(1)
	return t.next.RoundTrip(req)
}

// Ping checks that the engine answers and negotiates the API version, so
// that later calls cost exactly their own requests. It costs one request
// (two if the engine refuses HEAD /_ping).
func (d *Docker) Ping(ctx context.Context) error {
	p, err := d.cli.Ping(ctx)
	if err != nil {
		return fmt.Errorf("ping docker engine at %s: %w", d.Host(), err)
	}
	d.cli.NegotiateAPIVersionPing(p)
	return nil
}

// APIVersion is the API version in use: the negotiated one after the first
// request, the library's newest before.
func (d *Docker) APIVersion() string { return d.cli.ClientVersion() }

// Host is the engine address in use.
func (d *Docker) Host() string {
	if d.remote != nil {
		return d.remote.display
	}
	return d.cli.DaemonHost()
}

// Calls is the number of HTTP requests made to the engine so far,
// including the version negotiation ping.
func (d *Docker) Calls() int64 { return d.calls.Load() }

// Close releases the client's idle connections.
func (d *Docker) Close() error {
	err := d.cli.Close()
	d.transport.CloseIdleConnections()
	if d.remote != nil {
		err = errors.Join(err, d.remote.conn.Close())
	}
	return err
}
