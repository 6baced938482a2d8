package edge

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestHistogramQuantilesWithin5Percent(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	h := newHistogram()
	var all []time.Duration
	for range 20000 {
		// Log-normal around 3 ms, like real latencies.
		d := time.Duration(math.Exp(r.NormFloat64()*0.8) * float64(3*time.Millisecond))
		h.record(d)
		all = append(all, d)
	}
	slices.Sort(all)
	for _, q := range []float64{0.5, 0.95, 0.99} {
		exact := all[int(math.Ceil(q*float64(len(all))))-1]
		got := h.quantile(q)
		if rel := math.Abs(float64(got-exact)) / float64(exact); rel > 0.05 {
			t.Errorf("q%.2f = %v, exact %v: off by %.1f%%", q, got, exact, rel*100)
		}
	}
	if got := newHistogram().quantile(0.5); got != 0 {
		t.Errorf("empty histogram p50 = %v, want 0", got)
	}
	h2 := newHistogram()
	h2.record(time.Nanosecond)
	h2.record(time.Hour)
	if h2.quantile(0.5) != histMin || h2.quantile(1) != histMax {
		t.Errorf("out-of-range latencies land at %v and %v, want the bounds", h2.quantile(0.5), h2.quantile(1))
	}
}

func TestTenantStatsWindow(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	s := newTenantStats(t0.Add(-time.Hour))
	// 10 req/s for 5 minutes, one in 20 a 500, latency 2 ms; the last
	// minute 20 ms.
	for sec := range 300 {
		now := t0.Add(time.Duration(sec) * time.Second)
		lat := 2 * time.Millisecond
		if sec >= 240 {
			lat = 20 * time.Millisecond
		}
		for i := range 10 {
			status := 200
			if i == 0 && sec%2 == 0 {
				status = 500
			}
			s.record(now, status, lat)
		}
	}
	now := t0.Add(299*time.Second + 999*time.Millisecond)
	got := s.snapshot("acme", now, time.Minute)
	if got.Requests != 600 || got.Errors5xx != 30 {
		t.Errorf("last minute: %d requests, %d 5xx; want 600, 30", got.Requests, got.Errors5xx)
	}
	if math.Abs(got.RequestsPerSecond-10) > 0.01 || math.Abs(got.Errors5xxPerSecond-0.5) > 0.01 {
		t.Errorf("rates %.2f req/s, %.2f 5xx/s; want 10, 0.5", got.RequestsPerSecond, got.Errors5xxPerSecond)
	}
	if math.Abs(got.LatencyP50MS-20) > 1 || math.Abs(got.LatencyP95MS-20) > 1 {
		t.Errorf("last minute p50 %.2f ms, p95 %.2f ms; want ~20", got.LatencyP50MS, got.LatencyP95MS)
	}
	if len(got.Series) != 6 || got.Series[5].Requests != 100 {
		t.Errorf("series %+v, want 6 buckets of 100", got.Series)
	}
	five := s.snapshot("acme", now, 5*time.Minute)
	if five.Requests != 3000 || math.Abs(five.LatencyP50MS-2) > 0.1 || math.Abs(five.LatencyP95MS-20) > 1 {
		t.Errorf("5 minutes: %d requests, p50 %.2f, p95 %.2f; want 3000, ~2, ~20", five.Requests, five.LatencyP50MS, five.LatencyP95MS)
	}
	// 20 minutes later the ring has been overwritten or aged out: old
	// traffic is never counted again.
	later := now.Add(20 * time.Minute)
	s.record(later, 200, time.Millisecond)
	old := s.snapshot("acme", later, 15*time.Minute)
	if old.Requests != 1 {
		t.Errorf("20 minutes on, 15-minute window counts %d requests, want 1", old.Requests)
	}
}

func TestTenantStatsYoungRoute(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 5, 0, time.UTC)
	s := newTenantStats(t0)
	for i := range 40 {
		s.record(t0.Add(time.Duration(i)*100*time.Millisecond), 200, time.Millisecond)
	}
	got := s.snapshot("acme", t0.Add(4*time.Second), time.Minute)
	// 40 requests in the 4 s the route has existed: 10/s, not 40/60.
	if got.WindowSeconds != 4 || got.RequestsPerSecond != 10 {
		t.Errorf("window %.1f s, %.2f req/s; want 4 s, 10 req/s", got.WindowSeconds, got.RequestsPerSecond)
	}
}

func TestRouterStatsErrors(t *testing.T) {
	rt := newTestRouter(t)
	if _, err := rt.Stats(time.Minute, "nobody"); err == nil {
		t.Error("stats of a tenant with no route: no error")
	}
	if _, err := rt.Stats(time.Hour); err == nil {
		t.Error("a window longer than the retention: no error")
	}
	ts, err := rt.Stats(0)
	if err != nil || len(ts) != 0 {
		t.Errorf("stats with no routes = %v, %v", ts, err)
	}
}
