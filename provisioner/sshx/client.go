// Package sshx is tenantctl's SSH transport to remote Docker hosts: one
// multiplexed connection per host, shared by every Docker call to it, with
// host keys always verified against known_hosts (never ignored), keys from
// identity files and ssh-agent, a connect timeout and keepalives. Agent
// forwarding is never requested.
package sshx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// Defaults for Config.
const (
	DefaultConnectTimeout = 10 * time.Second
	DefaultKeepAlive      = 5 * time.Second
	// keepAliveMisses is how many keepalive intervals may pass without an
	// answer before the connection is declared dead.
	keepAliveMisses = 3
)

// Config says how to reach one host.
type Config struct {
	// Address is host:port; a missing port means 22.
	Address string
	User    string
	// IdentityFiles are private key files; "~/" is expanded.
	IdentityFiles []string
	// KnownHostsFile is the known_hosts file to verify the host key with;
	// "" means ~/.ssh/known_hosts.
	KnownHostsFile string
	// AgentSocket is the ssh-agent socket; "" means $SSH_AUTH_SOCK.
	AgentSocket string
	// ConnectTimeout bounds the TCP connect plus the SSH handshake.
	ConnectTimeout time.Duration
	// KeepAlive is the interval of keepalive requests; a connection that
	// misses three in a row is closed, failing every call on it.
	KeepAlive time.Duration
}

// normalized fills in the defaults.
func (c Config) normalized() Config {
	if _, _, err := net.SplitHostPort(c.Address); err != nil {
		c.Address = net.JoinHostPort(c.Address, "22")
	}
	if c.KnownHostsFile == "" {
		c.KnownHostsFile = "~/.ssh/known_hosts"
	}
	c.KnownHostsFile = ExpandHome(c.KnownHostsFile)
	if c.AgentSocket == "" {
		c.AgentSocket = os.Getenv("SSH_AUTH_SOCK")
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.KeepAlive <= 0 {
		c.KeepAlive = DefaultKeepAlive
	}
	return c
}

// Client is one live SSH connection to a host.
type Client struct {
	*ssh.Client
	cfg  Config
	done chan struct{}
	once sync.Once
	// dead is set when keepalives stopped being answered.
	mu   sync.Mutex
	dead error
}

// Dial connects and authenticates, verifying the host key first. Its
// errors are *UnreachableError, *UnknownHostError, *HostKeyChangedError
// (wrapping ErrHostKeyChanged) or *AuthError.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	cfg = cfg.normalized()
	kh, err := readKnownHosts(cfg.KnownHostsFile)
	if err != nil {
		return nil, err
	}
	auth, tried, closeAgent, err := authMethods(cfg)
	if err != nil {
		return nil, err
	}
	defer closeAgent()

	var hostKeyErr error
	verify := kh.callback(cfg.Address)
	sc := &ssh.ClientConfig{
		User: cfg.User,
		Auth: auth,
		HostKeyCallback: func(hostname string, remote net.Addr, key ssh.PublicKey) error {
			hostKeyErr = verify(hostname, remote, key)
			return hostKeyErr
		},
		HostKeyAlgorithms: kh.algorithms(cfg.Address),
		Timeout:           cfg.ConnectTimeout,
	}
	conn, err := dialTCP(ctx, cfg)
	if err != nil {
		return nil, err
	}
	// The deadline bounds the handshake; it is lifted once connected.
	conn.SetDeadline(time.Now().Add(cfg.ConnectTimeout))
	c, chans, reqs, err := ssh.NewClientConn(conn, cfg.Address, sc)
	if err != nil {
		conn.Close()
		switch {
		case hostKeyErr != nil:
			return nil, hostKeyErr
		case strings.Contains(err.Error(), "unable to authenticate"):
			return nil, &AuthError{Address: cfg.Address, User: cfg.User, Tried: tried, Err: err}
		default:
			return nil, &UnreachableError{Address: cfg.Address, Err: err}
		}
	}
	conn.SetDeadline(time.Time{})
	cl := &Client{Client: ssh.NewClient(c, chans, reqs), cfg: cfg, done: make(chan struct{})}
	go cl.keepAlive()
	return cl, nil
}

func dialTCP(ctx context.Context, cfg Config) (net.Conn, error) {
	d := net.Dialer{Timeout: cfg.ConnectTimeout, KeepAlive: cfg.KeepAlive}
	conn, err := d.DialContext(ctx, "tcp", cfg.Address)
	if err != nil {
		return nil, &UnreachableError{Address: cfg.Address, Err: err}
	}
	return conn, nil
}

// authMethods offers the identity files' keys and the agent's keys, in
// one publickey method. A missing identity file is skipped when the agent
// can stand in; a key file that cannot be read or parsed is an error.
func authMethods(cfg Config) ([]ssh.AuthMethod, []string, func(), error) {
	var signers []ssh.Signer
	var tried []string
	for _, f := range cfg.IdentityFiles {
		path := ExpandHome(f)
		pem, err := os.ReadFile(path)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) && cfg.AgentSocket != "" {
				continue
			}
			return nil, nil, nil, fmt.Errorf("ssh identity_file: %w", err)
		}
		s, err := ssh.ParsePrivateKey(pem)
		var missing *ssh.PassphraseMissingError
		switch {
		case errors.As(err, &missing) && cfg.AgentSocket != "":
			continue // the agent holds the unlocked key
		case errors.As(err, &missing):
			return nil, nil, nil, fmt.Errorf("ssh identity_file %s is encrypted: add it to ssh-agent (ssh-add %s) and set SSH_AUTH_SOCK", path, path)
		case err != nil:
			return nil, nil, nil, fmt.Errorf("ssh identity_file %s: %w", path, err)
		}
		signers = append(signers, s)
		tried = append(tried, path)
	}
	closeAgent := func() {}
	var agentSigners func() ([]ssh.Signer, error)
	if cfg.AgentSocket != "" {
		if conn, err := net.Dial("unix", cfg.AgentSocket); err == nil {
			ag := agent.NewClient(conn)
			agentSigners = ag.Signers
			closeAgent = func() { conn.Close() }
			tried = append(tried, "ssh-agent")
		}
	}
	if len(signers) == 0 && agentSigners == nil {
		return nil, nil, nil, fmt.Errorf("ssh %s: no key to log in with: set identity_file or run ssh-agent (SSH_AUTH_SOCK)", cfg.Address)
	}
	all := func() ([]ssh.Signer, error) {
		out := append([]ssh.Signer(nil), signers...)
		if agentSigners != nil {
			if more, err := agentSigners(); err == nil {
				out = append(out, more...)
			}
		}
		return out, nil
	}
	return []ssh.AuthMethod{ssh.PublicKeysCallback(all)}, tried, closeAgent, nil
}

// keepAlive sends keepalive@openssh.com requests; when none is answered
// for keepAliveMisses intervals the connection is closed, so every call on
// it fails instead of hanging.
func (c *Client) keepAlive() {
	t := time.NewTicker(c.cfg.KeepAlive)
	defer t.Stop()
	answered := make(chan error, 1)
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
		}
		go func() {
			_, _, err := c.SendRequest("keepalive@openssh.com", true, nil)
			answered <- err
		}()
		select {
		case <-c.done:
			return
		case err := <-answered:
			if err != nil {
				c.fail(err)
				return
			}
		case <-time.After(keepAliveMisses * c.cfg.KeepAlive):
			c.fail(fmt.Errorf("no answer to keepalives for %s", keepAliveMisses*c.cfg.KeepAlive))
			return
		}
	}
}

// fail marks the connection dead and closes it.
func (c *Client) fail(err error) {
	c.mu.Lock()
	if c.dead == nil {
		c.dead = &UnreachableError{Address: c.cfg.Address, Err: err}
	}
	c.mu.Unlock()
	c.Close()
}

// Err is why the connection died, or nil while it lives.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dead
}

// DialContext opens a connection from the remote host: network "unix"
// for a socket path (direct-streamlocal, e.g. the Docker socket), "tcp"
// for host:port. Errors on a dead connection are *UnreachableError.
func (c *Client) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if err := c.Err(); err != nil {
		return nil, err
	}
	conn, err := c.Client.DialContext(ctx, network, addr)
	if err != nil {
		if dead := c.Err(); dead != nil {
			return nil, dead
		}
		if errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "EOF") {
			return nil, &UnreachableError{Address: c.cfg.Address, Err: err}
		}
		return nil, fmt.Errorf("ssh %s: dial %s %s: %w", c.cfg.Address, network, addr, err)
	}
	return conn, nil
}

// Address is the host:port connected to.
func (c *Client) Address() string { return c.cfg.Address }

// Close closes the connection and stops the keepalives.
func (c *Client) Close() error {
	var err error
	c.once.Do(func() {
		close(c.done)
		err = c.Client.Close()
	})
	return err
}
