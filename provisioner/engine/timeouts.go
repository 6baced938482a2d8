package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// Timeouts bound the engine's calls, so that an engine that accepts a
// connection and then never answers cannot hang tenantctl.
type Timeouts struct {
	// Dial bounds opening one connection to the engine.
	Dial time.Duration
	// Call bounds the wait for the engine to answer a request (its
	// response headers; a stream that follows, such as logs, is not cut),
	// and each engine call an apply step makes, all its requests together.
	Call time.Duration
	// Image bounds one image transfer (save, load or pull): it moves a
	// whole image, and the engine may answer only at the end.
	Image time.Duration
}

// DefaultTimeouts is the one place the engine's bounds are set. A call that
// needs longer than Call is a hung engine, not a slow one: creating,
// starting, renaming and removing a container take seconds.
var DefaultTimeouts = Timeouts{Dial: 10 * time.Second, Call: 2 * time.Minute, Image: 30 * time.Minute}

// ErrTimeout is wrapped by the error of a request the engine did not
// answer within its bound.
var ErrTimeout = errors.New("the engine did not answer")

// Option configures a Docker engine.
type Option func(*Docker)

// WithTimeouts replaces DefaultTimeouts (tests shorten them). A zero
// field keeps its default.
func WithTimeouts(t Timeouts) Option {
	return func(d *Docker) {
		if t.Dial > 0 {
			d.timeouts.Dial = t.Dial
		}
		if t.Call > 0 {
			d.timeouts.Call = t.Call
		}
		if t.Image > 0 {
			d.timeouts.Image = t.Image
		}
	}
}

// boundDial bounds every dial of transport by d's Dial timeout.
func (d *Docker) boundDial(transport *http.Transport) {
	next := transport.DialContext
	if next == nil {
		next = (&net.Dialer{}).DialContext
	}
	transport.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		// A connection once made outlives the dial's context.
		ctx, cancel := context.WithTimeout(ctx, d.timeouts.Dial)
		defer cancel()
		return next(ctx, network, addr)
	}
	transport.TLSHandshakeTimeout = d.timeouts.Dial
}

// answerBound is the transport's bound on the wait for each response's
// headers: Call for every request but the image transfers, which get
// Image. It is not a whole-request timeout: once the headers are in, the
// body streams for as long as the caller's context allows.
type answerBound struct {
	next     http.RoundTripper
	timeouts *Timeouts
}

func (t *answerBound) RoundTrip(req *http.Request) (*http.Response, error) {
	bound := t.timeouts.Call
	if isImageTransfer(req) {
		bound = t.timeouts.Image
	}
	ctx, cancel := context.WithCancel(req.Context())
	timer := time.AfterFunc(bound, cancel)
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if !timer.Stop() {
		if resp != nil {
			resp.Body.Close()
		}
		cancel()
		// Not a net.Error: the Docker client would call that "cannot
		// connect", which is not what happened.
		return nil, fmt.Errorf("%w %s %s within %s", ErrTimeout, req.Method, apiPath(req), bound)
	}
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// isImageTransfer reports whether req saves, loads or pulls an image.
func isImageTransfer(req *http.Request) bool {
	p := apiPath(req)
	return strings.HasPrefix(p, "/images/get") || strings.HasPrefix(p, "/images/load") || strings.HasPrefix(p, "/images/create") ||
		(strings.HasPrefix(p, "/images/") && strings.HasSuffix(p, "/get"))
}

// apiPath is the request's path without the API version prefix.
func apiPath(req *http.Request) string {
	p := req.URL.Path
	if len(p) > 2 && p[1] == 'v' && p[2] >= '0' && p[2] <= '9' {
		if i := strings.IndexByte(p[1:], '/'); i >= 0 {
			return p[i+1:]
		}
	}
	return p
}

// cancelOnClose releases a response's context when its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}
