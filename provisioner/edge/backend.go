package edge

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"time"
)

// errDraining is the cancel cause of a request cut off because its
// backend was switched away from and the drain timeout passed.
var errDraining = errors.New("backend drained")

// cancelGrace bounds how long a drain waits, after cancelling the requests
// left at its timeout, for them to return.
const cancelGrace = 2 * time.Second

// backend is one use of a backend address by one tenant's route. It
// counts its in-flight requests so that a switch away from it can wait
// for them. A backend is never reused once retired: routing the tenant to
// the same address again makes a new one, so a drain only ever waits for
// requests that started before the switch.
type backend struct {
	tenant    string
	addr      string
	proxy     *httputil.ReverseProxy
	transport *http.Transport

	mu       sync.Mutex
	inflight map[*flight]struct{}
	retired  bool
	// idle is closed when the backend is retired and has no request left.
	idle chan struct{}
}

// flight is one request in progress on a backend.
type flight struct {
	cancel  context.CancelCauseFunc
	upgrade bool
}

// newBackend makes the backend of tenant at addr; onError writes the
// response for a failed proxy attempt; log gets ReverseProxy's own
// messages (a response cut off mid-body) at debug level.
func newBackend(tenant, addr string, log *slog.Logger, onError func(http.ResponseWriter, *http.Request, *backend, error)) *backend {
	b := &backend{
		tenant:   tenant,
		addr:     addr,
		inflight: map[*flight]struct{}{},
		idle:     make(chan struct{}),
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	// One transport per backend, so its idle connections can be closed
	// when it is retired and never reach a later container at the same
	// address.
	b.transport = &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	target := &url.URL{Scheme: "http", Host: addr}
	b.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			// The backend sees the host the client asked for.
			pr.Out.Host = pr.In.Host
			// Rewrite has dropped the client's Forwarded and
			// X-Forwarded-*; these are set from what the proxy saw.
			pr.SetXForwarded()
			pr.Out.Header.Del("X-Real-Ip")
		},
		Transport: b.transport,
		ErrorLog:  slog.NewLogLogger(log.With("tenant", tenant, "backend", addr).Handler(), slog.LevelDebug),
		// FlushInterval 0: ReverseProxy still flushes at once what streams
		// (server-sent events, bodies of unknown length), and buffers the
		// rest, which keeps throughput close to a direct connection.
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			onError(w, r, b, err)
		},
	}
	return b
}

// acquire registers a request on b. It fails when b is retired: the
// caller then loads the route table again, which already routes elsewhere.
func (b *backend) acquire(cancel context.CancelCauseFunc, upgrade bool) (*flight, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.retired {
		return nil, false
	}
	f := &flight{cancel: cancel, upgrade: upgrade}
	b.inflight[f] = struct{}{}
	return f, true
}

// release ends a request registered by acquire.
func (b *backend) release(f *flight) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.inflight, f)
	if b.retired && len(b.inflight) == 0 {
		closeOnce(b.idle)
	}
}

// InFlight returns the number of requests in progress on b.
func (b *backend) InFlight() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.inflight)
}

// DrainResult tells what a drain of an old backend did.
type DrainResult struct {
	// Backend is the address drained.
	Backend string `json:"backend"`
	// InFlight is the number of requests in progress when it began.
	InFlight int `json:"in_flight"`
	// WaitedMS is how long it waited, in milliseconds.
	WaitedMS int64 `json:"waited_ms"`
	// TimedOut is true when requests were left at the drain timeout.
	TimedOut bool `json:"timed_out"`
	// Cancelled counts the requests cut off: those left at the timeout,
	// and upgraded connections (WebSockets), which never end by themselves.
	Cancelled int `json:"cancelled"`
}

// drain retires b and waits until its requests have finished, or timeout
// has passed; then it cancels those left. The caller has already stored a
// route table that no longer points at b.
func (b *backend) drain(timeout time.Duration) DrainResult {
	start := time.Now()
	b.mu.Lock()
	b.retired = true
	res := DrainResult{Backend: b.addr, InFlight: len(b.inflight)}
	for f := range b.inflight {
		if f.upgrade {
			f.cancel(errDraining)
			res.Cancelled++
		}
	}
	if len(b.inflight) == 0 {
		closeOnce(b.idle)
	}
	b.mu.Unlock()

	timer := time.NewTimer(max(timeout, 0))
	defer timer.Stop()
	select {
	case <-b.idle:
	case <-timer.C:
		b.mu.Lock()
		for f := range b.inflight {
			if !f.upgrade {
				f.cancel(errDraining)
				res.Cancelled++
				res.TimedOut = true
			}
		}
		b.mu.Unlock()
		grace := time.NewTimer(cancelGrace)
		select {
		case <-b.idle:
		case <-grace.C:
		}
		grace.Stop()
	}
	b.transport.CloseIdleConnections()
	res.WaitedMS = time.Since(start).Milliseconds()
	return res
}

// closeOnce closes c unless it is closed already; callers hold the lock
// that guards c.
func closeOnce(c chan struct{}) {
	select {
	case <-c:
	default:
		close(c)
	}
}
