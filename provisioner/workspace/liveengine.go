package workspace

import (
	"context"
	"net"
	"sync/atomic"

	"github.com/tenantctl/tenantctl/provisioner/engine"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// liveEngine is a Source's cached engine. When a read on it fails for
// the connection (not for an answer of the engine), it closes the engine
// and marks itself dead, so the next request dials the host again instead
// of failing on the dead connection forever.
type liveEngine struct {
	engine.Engine
	dead atomic.Bool
}

// check drops the engine when err says its connection failed.
func (e *liveEngine) check(err error) {
	if err != nil && engine.Disconnected(err) {
		e.kill()
	}
}

// kill marks the engine dead and closes it, once.
func (e *liveEngine) kill() {
	if e.dead.CompareAndSwap(false, true) {
		e.Engine.Close()
	}
}

// Close is a no-op: the Source owns the engine and closes it itself
// (Source.Close, kill), not a Workspace that borrowed it for one request.
func (e *liveEngine) Close() error { return nil }

// Observe is the engine's, watched for a dead connection.
func (e *liveEngine) Observe(ctx context.Context, project string) (*resource.Observed, error) {
	obs, err := e.Engine.Observe(ctx, project)
	e.check(err)
	return obs, err
}

// ContainerState is the engine's, watched for a dead connection.
func (e *liveEngine) ContainerState(ctx context.Context, id string) (engine.State, error) {
	st, err := e.Engine.ContainerState(ctx, id)
	e.check(err)
	return st, err
}

// Logs is the engine's, watched for a dead connection.
func (e *liveEngine) Logs(ctx context.Context, id string, lines int) (string, error) {
	out, err := e.Engine.Logs(ctx, id, lines)
	e.check(err)
	return out, err
}

// Exec is the engine's, watched for a dead connection.
func (e *liveEngine) Exec(ctx context.Context, id string, command []string) (engine.ExecResult, error) {
	res, err := e.Engine.Exec(ctx, id, command)
	e.check(err)
	return res, err
}

// ImageExists is the engine's, watched for a dead connection.
func (e *liveEngine) ImageExists(ctx context.Context, ref string) (bool, error) {
	ok, err := e.Engine.ImageExists(ctx, ref)
	e.check(err)
	return ok, err
}

// DialHost opens a connection as seen from the engine's host, as the
// engine does (through its SSH connection for a remote one), so health
// probes keep reaching the right machine through the wrapper.
func (e *liveEngine) DialHost(ctx context.Context, addr string) (net.Conn, error) {
	d, ok := e.Engine.(hostDialer)
	if !ok {
		var nd net.Dialer
		return nd.DialContext(ctx, "tcp", addr)
	}
	c, err := d.DialHost(ctx, addr)
	if engine.Unreachable(err) {
		e.kill()
	}
	return c, err
}
