package edge

import (
	"math"
	"time"
)

// The latency histogram has logarithmic bins: bin 0 holds latencies below
// histMin, bin i (1 ≤ i < histBins-1) those in [histMin·g^(i-1),
// histMin·g^i), the last bin everything from histMax on. With g = 1.1 a
// quantile is off by at most 5% of its value, and a histogram is a fixed
// ~630 bytes whatever the traffic.
const (
	histMin    = 50 * time.Microsecond
	histMax    = 120 * time.Second
	histGrowth = 1.1
)

// histBins is the number of bins of a histogram.
var histBins = int(math.Ceil(math.Log(float64(histMax)/float64(histMin))/math.Log(histGrowth))) + 2

// histogram counts latencies in logarithmic bins. The zero value is not
// usable: make one with newHistogram.
type histogram struct {
	counts []uint32
	total  uint64
}

// newHistogram returns an empty histogram.
func newHistogram() *histogram {
	return &histogram{counts: make([]uint32, histBins)}
}

// binOf returns the bin of latency d.
func binOf(d time.Duration) int {
	if d < histMin {
		return 0
	}
	if d >= histMax {
		return histBins - 1
	}
	i := int(math.Log(float64(d)/float64(histMin))/math.Log(histGrowth)) + 1
	return min(i, histBins-2)
}

// binValue returns the latency that stands for bin i: the geometric middle
// of its bounds (the bound itself for the first and last bins).
func binValue(i int) time.Duration {
	switch {
	case i <= 0:
		return histMin
	case i >= histBins-1:
		return histMax
	}
	lo := float64(histMin) * math.Pow(histGrowth, float64(i-1))
	return time.Duration(lo * math.Sqrt(histGrowth))
}

// record adds one latency.
func (h *histogram) record(d time.Duration) {
	h.counts[binOf(d)]++
	h.total++
}

// reset empties h.
func (h *histogram) reset() {
	clear(h.counts)
	h.total = 0
}

// add adds the counts of o to h.
func (h *histogram) add(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.total += o.total
}

// quantile returns the latency below which a fraction q (0 < q ≤ 1) of
// the recorded latencies fall; 0 for an empty histogram.
func (h *histogram) quantile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.total)))
	rank = max(rank, 1)
	var seen uint64
	for i, c := range h.counts {
		seen += uint64(c)
		if seen >= rank {
			return binValue(i)
		}
	}
	return histMax
}
