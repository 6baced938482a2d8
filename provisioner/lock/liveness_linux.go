package lock

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// readThisProcess reads this process's identity from /proc. It refuses a
// /proc that is not this process's PID namespace's (one mounted from
// another namespace), where every PID lookup would be wrong.
func readThisProcess() (Process, error) {
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return Process{}, err
	}
	link, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		return Process{}, err
	}
	ns, ok := strings.CutPrefix(link, "pid:[")
	ns, ok2 := strings.CutSuffix(ns, "]")
	if !ok || !ok2 || ns == "" {
		return Process{}, fmt.Errorf("/proc/self/ns/pid is %q, not pid:[INODE]", link)
	}
	pid, st, err := readStat("/proc/self/stat")
	if err != nil {
		return Process{}, err
	}
	if pid != os.Getpid() {
		return Process{}, fmt.Errorf("/proc belongs to another PID namespace (it says pid %d, this process is %d)", pid, os.Getpid())
	}
	return Process{BootID: strings.TrimSpace(string(boot)), PIDNamespace: ns, StartTime: st.startTime}, nil
}

// lookupProcess asks the kernel whether pid exists (kill with signal 0,
// which /proc's hidepid does not hide: EPERM means it exists), then reads
// its start time and state from /proc.
func lookupProcess(pid int) (procEntry, bool, error) {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return procEntry{}, false, nil
	} else if err != nil && !errors.Is(err, syscall.EPERM) {
		return procEntry{}, false, err
	}
	_, st, err := readStat("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		// It existed a moment ago: hidden from us, or just gone. Unknown
		// start time; a waiting Acquire asks again.
		return procEntry{}, true, nil
	}
	return st, true, nil
}

// readStat parses a /proc/PID/stat file: "PID (COMM) STATE ... STARTTIME ...".
// COMM may hold spaces and parentheses, so fields are counted after the
// last ')'.
func readStat(path string) (int, procEntry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, procEntry{}, err
	}
	s := string(b)
	open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 1 || close < open {
		return 0, procEntry{}, fmt.Errorf("%s: unexpected format", path)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(s[:open]))
	if err != nil {
		return 0, procEntry{}, fmt.Errorf("%s: pid: %w", path, err)
	}
	// After COMM: field 3 (state) is index 0, field 22 (starttime) index 19.
	f := strings.Fields(s[close+1:])
	if len(f) < 20 {
		return 0, procEntry{}, fmt.Errorf("%s: %d fields after the command name, want at least 20", path, len(f))
	}
	start, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return 0, procEntry{}, fmt.Errorf("%s: start time: %w", path, err)
	}
	return pid, procEntry{startTime: start, zombie: f[0] == "Z" || f[0] == "X"}, nil
}
