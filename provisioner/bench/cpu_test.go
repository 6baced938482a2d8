package bench

import (
	"os"
	"strconv"
	"strings"
)

// cpuMeter measures how busy the machine's CPUs were, from /proc/stat,
// over the periods between start and stop.
type cpuMeter struct{ idle, total, idle0, total0 uint64 }

func (m *cpuMeter) start() { m.idle0, m.total0 = cpuTimes() }

func (m *cpuMeter) stop() {
	idle, total := cpuTimes()
	m.idle += idle - m.idle0
	m.total += total - m.total0
}

// busy is the share of CPU time not idle, in percent.
func (m *cpuMeter) busy() float64 {
	if m.total == 0 {
		return 0
	}
	return 100 * float64(m.total-m.idle) / float64(m.total)
}

// cpuTimes reads the idle (idle + iowait) and total jiffies of all CPUs.
func cpuTimes() (idle, total uint64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	for i, f := range strings.Fields(line)[1:] {
		v, _ := strconv.ParseUint(f, 10, 64)
		total += v
		if i == 3 || i == 4 {
			idle += v
		}
	}
	return idle, total
}
