package edge

import (
	"sync"
	"time"
)

// Traffic is counted per tenant in buckets of statsSpan over the last
// statsRetention: a fixed ring of statsBuckets buckets, so memory stays
// bounded (about 60 KB per tenant at most) whatever the traffic.
const (
	statsSpan      = 10 * time.Second
	statsRetention = 15 * time.Minute
	statsBuckets   = int(statsRetention / statsSpan)
)

// DefaultStatsWindow is the window of Stats when none is given.
const DefaultStatsWindow = time.Minute

// tenantStats holds one tenant's traffic counters. It lives as long as the
// tenant has a route, across switches of its backend.
type tenantStats struct {
	mu      sync.Mutex
	created time.Time
	buckets [statsBuckets]statsBucket
}

// statsBucket counts the responses of one span.
type statsBucket struct {
	// start is the bucket's first second (Unix time); 0 when unused.
	start    int64
	requests uint64
	errors   uint64
	latency  *histogram
}

// newTenantStats returns empty counters created at now.
func newTenantStats(now time.Time) *tenantStats {
	return &tenantStats{created: now}
}

// spanStart returns the first second of the span that holds t.
func spanStart(t time.Time) int64 {
	s := int64(statsSpan / time.Second)
	u := t.Unix()
	return u - u%s
}

// record counts one response with its status and latency, at time now.
func (s *tenantStats) record(now time.Time, status int, latency time.Duration) {
	start := spanStart(now)
	s.mu.Lock()
	defer s.mu.Unlock()
	b := &s.buckets[int(start/int64(statsSpan/time.Second))%statsBuckets]
	if b.start != start {
		b.start, b.requests, b.errors = start, 0, 0
		if b.latency == nil {
			b.latency = newHistogram()
		} else {
			b.latency.reset()
		}
	}
	b.requests++
	if status >= 500 {
		b.errors++
	}
	b.latency.record(latency)
}

// TenantStats is one tenant's traffic over a window.
type TenantStats struct {
	// Tenant is the tenant's name.
	Tenant string `json:"tenant"`
	// WindowSeconds is the time the figures cover: the window asked for,
	// or less when the tenant's route is younger.
	WindowSeconds float64 `json:"window_seconds"`
	// Requests and Errors5xx count the responses in the window.
	Requests  uint64 `json:"requests"`
	Errors5xx uint64 `json:"errors_5xx"`
	// RequestsPerSecond and Errors5xxPerSecond are those counts per second.
	RequestsPerSecond  float64 `json:"requests_per_second"`
	Errors5xxPerSecond float64 `json:"errors_5xx_per_second"`
	// LatencyP50MS and LatencyP95MS are latency quantiles in milliseconds
	// (within 5%), from the request's arrival to the response's end; 0
	// when there was no request.
	LatencyP50MS float64 `json:"latency_p50_ms"`
	LatencyP95MS float64 `json:"latency_p95_ms"`
	// Series are the window's 10-second buckets, oldest first.
	Series []StatsPoint `json:"series"`
}

// StatsPoint is the traffic of one 10-second bucket.
type StatsPoint struct {
	// Start is the bucket's beginning.
	Start time.Time `json:"start"`
	// Requests and Errors5xx count its responses.
	Requests  uint64 `json:"requests"`
	Errors5xx uint64 `json:"errors_5xx"`
}

// snapshot sums the buckets of the window that ends at now. The window is
// rounded up to whole buckets, the current one included.
func (s *tenantStats) snapshot(tenant string, now time.Time, window time.Duration) TenantStats {
	span := int64(statsSpan / time.Second)
	n := int64((window + statsSpan - 1) / statsSpan)
	n = min(max(n, 1), int64(statsBuckets))
	last := spanStart(now)
	first := last - (n-1)*span
	from := time.Unix(first, 0)

	out := TenantStats{Tenant: tenant, Series: make([]StatsPoint, 0, n)}
	sum := newHistogram()
	s.mu.Lock()
	if s.created.After(from) {
		from = s.created
	}
	for start := first; start <= last; start += span {
		p := StatsPoint{Start: time.Unix(start, 0).UTC()}
		b := &s.buckets[int(start/span)%statsBuckets]
		if b.start == start {
			p.Requests, p.Errors5xx = b.requests, b.errors
			sum.add(b.latency)
		}
		out.Requests += p.Requests
		out.Errors5xx += p.Errors5xx
		out.Series = append(out.Series, p)
	}
	s.mu.Unlock()

	secs := max(now.Sub(from).Seconds(), 1)
	out.WindowSeconds = secs
	out.RequestsPerSecond = float64(out.Requests) / secs
	out.Errors5xxPerSecond = float64(out.Errors5xx) / secs
	out.LatencyP50MS = ms(sum.quantile(0.50))
	out.LatencyP95MS = ms(sum.quantile(0.95))
	return out
}

// ms returns d in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
