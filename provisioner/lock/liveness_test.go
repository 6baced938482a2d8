package lock

import (
	"errors"
	"testing"
)

// TestHolderDead pins the judgment on a fake process table: a holder is
// dead only when it shares host name, boot and PID namespace with this
// process and its PID is free, reused or a zombie.
func TestHolderDead(t *testing.T) {
	here := Process{BootID: "boot-1", PIDNamespace: "4026531836", StartTime: 500}
	me := Info{Holder: "dana@vm", PID: 10, Process: here}
	holder := func(host string, p Process) Info { return Info{ID: "x", Holder: "sam@" + host, PID: 42, Process: p} }
	with := func(f func(*Process)) Process { p := here; p.StartTime = 300; f(&p); return p }
	gone := func(int) (procEntry, bool, error) { return procEntry{}, false, nil }
	runs := func(start uint64) processTable {
		return func(int) (procEntry, bool, error) { return procEntry{startTime: start}, true, nil }
	}
	for _, tc := range []struct {
		name   string
		holder Info
		me     Info
		table  processTable
		dead   bool
	}{
		{"same ns, PID gone", holder("vm", with(func(*Process) {})), me, gone, true},
		{"same ns, PID reused", holder("vm", with(func(*Process) {})), me, runs(301), true},
		{"same ns, the holder runs", holder("vm", with(func(*Process) {})), me, runs(300), false},
		{"same ns, a zombie", holder("vm", with(func(*Process) {})), me, func(int) (procEntry, bool, error) { return procEntry{startTime: 300, zombie: true}, true, nil }, true},
		{"same ns, start time hidden (hidepid)", holder("vm", with(func(*Process) {})), me, runs(0), false},
		{"same ns, the table cannot answer", holder("vm", with(func(*Process) {})), me, func(int) (procEntry, bool, error) { return procEntry{}, false, errors.New("EIO") }, false},
		{"same hostname, another PID namespace", holder("vm", with(func(p *Process) { p.PIDNamespace = "4026532000" })), me, gone, false},
		{"same hostname, another boot", holder("vm", with(func(p *Process) { p.BootID = "boot-2" })), me, gone, false},
		{"another hostname, same ns", holder("laptop", with(func(*Process) {})), me, gone, false},
		{"a lock without the process identity", holder("vm", Process{}), me, gone, false},
		{"this system cannot tell its own identity (Windows, macOS)", holder("vm", with(func(*Process) {})), Info{Holder: "dana@vm"}, gone, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := holderDead(tc.holder, tc.me, tc.table); got != tc.dead {
				t.Fatalf("holderDead = %v, want %v", got, tc.dead)
			}
		})
	}
}

// TestLockLabelsCarryTheProcess: the identity goes into the labels and
// comes back, and is left out when unknown.
func TestLockLabelsCarryTheProcess(t *testing.T) {
	i := Info{ID: "ab", Tenant: "acme", Holder: "u@h", PID: 7, Operation: "apply", Process: Process{BootID: "b", PIDNamespace: "4026531836", StartTime: 99}}
	if got := infoFrom("acme", labels("p", i)); got.Process != i.Process || got.PID != 7 {
		t.Fatalf("round trip: %+v", got)
	}
	i.Process = Process{}
	l := labels("p", i)
	for _, k := range []string{"tenantctl.lock.boot-id", "tenantctl.lock.pid-ns", "tenantctl.lock.start-time"} {
		if _, ok := l[k]; ok {
			t.Errorf("an unknown identity wrote label %s", k)
		}
	}
}
