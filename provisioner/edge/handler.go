package edge

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"
)

// acquireAttempts bounds how often a request retries to get a backend
// that was retired under it; each retry sees a newer table, so more than
// one retry needs switches faster than a map lookup.
const acquireAttempts = 4

// testHookAfterLookup, when set by a test, runs between a request's look
// up of its route and its acquiring the backend: the window in which a
// switch may retire the backend under it.
var testHookAfterLookup func()

// ServeHTTP routes r by its Host to the tenant's backend. A request is
// counted in the tenant's traffic whatever the answer.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host, ok := NormalizeHost(r.Host)
	if !ok {
		writeNotFound(w)
		return
	}
	start := time.Now()
	for attempt := 1; ; attempt++ {
		e := rt.table.Load().hosts[host]
		if testHookAfterLookup != nil {
			testHookAfterLookup()
		}
		if e == nil {
			writeNotFound(w)
			return
		}
		rec := &statusRecorder{ResponseWriter: w}
		if m := e.route.Maintenance; m != nil {
			writeMaintenance(rec, rt.opts.RetryAfter, e.route.Tenant, m.Message)
			e.stats.record(rt.opts.Now(), rec.code(), time.Since(start))
			return
		}
		ctx, cancel := context.WithCancelCause(r.Context())
		f, ok := e.backend.acquire(cancel, isUpgrade(r))
		if !ok {
			cancel(nil)
			if attempt < acquireAttempts {
				continue
			}
			writeUnavailable(rec, rt.opts.RetryAfter, e.route.Tenant)
			e.stats.record(rt.opts.Now(), rec.code(), time.Since(start))
			return
		}
		rt.proxy(rec, r.WithContext(ctx), e, f, start)
		return
	}
}

// proxy sends r to e's backend on flight f. The release is deferred:
// ReverseProxy aborts a response cut off mid-body with a panic
// (http.ErrAbortHandler), and a flight never released would hold every
// later drain of the backend until its timeout.
func (rt *Router) proxy(rec *statusRecorder, r *http.Request, e *entry, f *flight, start time.Time) {
	defer func() {
		e.backend.release(f)
		f.cancel(nil)
		e.stats.record(rt.opts.Now(), rec.code(), time.Since(start))
	}()
	e.backend.proxy.ServeHTTP(rec, r)
}

// isUpgrade reports whether r asks to switch protocols (a WebSocket).
func isUpgrade(r *http.Request) bool {
	for _, v := range r.Header["Connection"] {
		for _, token := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(token), "upgrade") {
				return true
			}
		}
	}
	return false
}

// proxyError answers a request that the backend b did not answer: 503 when
// b cannot be reached (not running, as while it is replaced stop-first, or
// its name unknown), 503 when the request was cut off by a drain, 502 when
// it failed after being reached, and nothing when the client went away.
func (rt *Router) proxyError(w http.ResponseWriter, r *http.Request, b *backend, err error) {
	if errors.Is(context.Cause(r.Context()), errDraining) {
		writeUnavailable(w, rt.opts.RetryAfter, b.tenant)
		return
	}
	if r.Context().Err() != nil {
		// The client is gone: no one reads an answer. 499 is nginx's
		// "client closed request", kept out of the 5xx count.
		w.WriteHeader(499)
		return
	}
	if isUnreachable(err) {
		writeUnavailable(w, rt.opts.RetryAfter, b.tenant)
		return
	}
	rt.log.Warn("backend failed", "tenant", b.tenant, "backend", b.addr, "err", err)
	writeBadGateway(w, b.tenant)
}

// isUnreachable reports whether err means the backend could not be
// connected to at all.
func isUnreachable(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	return strings.Contains(err.Error(), "connection refused")
}

// statusRecorder remembers the status of the answer written through it.
// Unwrap lets http.ResponseController (used by ReverseProxy to flush and
// to hijack upgraded connections) reach the real writer.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

// WriteHeader records the first final status.
func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200.
func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap returns the real writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// code returns the recorded status, 200 when nothing was written.
func (s *statusRecorder) code() int {
	if s.status == 0 {
		return http.StatusOK
	}
	return s.status
}
