package lock

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// procIdentity is what this test process's machine and PID namespace look
// like in /proc, read here independently of the package.
type procIdentity struct{ host, bootID, pidNS string }

func readProcIdentity(t *testing.T) procIdentity {
	t.Helper()
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		t.Skipf("no boot id: %v", err)
	}
	ns, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		t.Skipf("no PID namespace link: %v", err)
	}
	return procIdentity{host: host, bootID: strings.TrimSpace(string(boot)), pidNS: strings.TrimSuffix(strings.TrimPrefix(ns, "pid:["), "]")}
}

// startTime is field 22 of /proc/PID/stat.
func startTime(t *testing.T, pid int) uint64 {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	n, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// deadPID is the PID of a process that has exited and been reaped.
func deadPID(t *testing.T) int {
	t.Helper()
	c := exec.Command("true")
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	return c.Process.Pid
}

// livePID starts a process that runs until the test ends.
func livePID(t *testing.T) int {
	t.Helper()
	c := exec.Command("sleep", "600")
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Process.Kill(); c.Wait() })
	return c.Process.Pid
}

// lockHeldBy is a fake engine holding tenant acme's lock with the labels
// another run would have written.
func lockHeldBy(id procIdentity, pid int, start uint64, drop ...string) *volumes {
	l := map[string]string{
		"tenantctl.project": "p", "tenantctl.tenant": "acme", "tenantctl.kind": "lock",
		"tenantctl.lock.id": "0ther1d0", "tenantctl.lock.holder": "sam@" + id.host,
		"tenantctl.lock.pid": strconv.Itoa(pid), "tenantctl.lock.since": "2026-12-01T10:00:00Z",
		"tenantctl.lock.operation": "apply",
		"tenantctl.lock.boot-id":   id.bootID, "tenantctl.lock.pid-ns": id.pidNS,
		"tenantctl.lock.start-time": strconv.FormatUint(start, 10),
	}
	for _, k := range drop {
		delete(l, k)
	}
	return &volumes{m: map[string]map[string]string{Name("p", "acme"): l}}
}

// TestLivenessOfTheHolder: a holder is judged dead, and its lock broken,
// only when it ran in this PID namespace on this boot and the process with
// its PID and start time is gone; everything else keeps the lock.
func TestLivenessOfTheHolder(t *testing.T) {
	me := readProcIdentity(t)
	otherNS, otherBoot := me, me
	otherNS.pidNS = "4026500001"
	otherBoot.bootID = "00000000-0000-4000-8000-000000000000"
	live := livePID(t)
	zombie := exec.Command("true")
	if err := zombie.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { zombie.Wait() })
	zombieStart := startTime(t, zombie.Process.Pid)
	for _, tc := range []struct {
		name   string
		eng    *volumes
		dead   bool
		before func(*testing.T)
	}{
		{"same hostname, another PID namespace, PID free here", lockHeldBy(otherNS, deadPID(t), 1), false, nil},
		{"same hostname, another boot, PID free here", lockHeldBy(otherBoot, deadPID(t), 1), false, nil},
		{"this PID namespace, PID gone", lockHeldBy(me, deadPID(t), 1), true, nil},
		{"this PID namespace, PID reused by a process started at another time", lockHeldBy(me, live, startTime(t, live)+1), true, nil},
		{"this PID namespace, the holder runs", lockHeldBy(me, live, startTime(t, live)), false, nil},
		{"this PID namespace, the holder exited but is not reaped", lockHeldBy(me, zombie.Process.Pid, zombieStart), true, func(t *testing.T) { waitZombie(t, zombie.Process.Pid) }},
		{"older lock without the process identity, PID gone", lockHeldBy(me, deadPID(t), 1, "tenantctl.lock.boot-id", "tenantctl.lock.pid-ns", "tenantctl.lock.start-time"), false, nil},
		{"older lock without a start time, PID gone", lockHeldBy(me, deadPID(t), 1, "tenantctl.lock.start-time"), false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.before != nil {
				tc.before(t)
			}
			_, err := Acquire(context.Background(), tc.eng, "p", "acme", "apply", 0)
			var held *HeldError
			switch {
			case tc.dead && err != nil:
				t.Fatalf("the lock of a dead holder was not broken: %v", err)
			case !tc.dead && !errors.As(err, &held):
				t.Fatalf("the lock of a holder that may be alive was broken (err = %v)", err)
			}
		})
	}
}

// waitZombie waits until pid has exited (state Z).
func waitZombie(t *testing.T, pid int) {
	t.Helper()
	for i := 0; i < 500; i++ {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			t.Fatal(err)
		}
		if f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:])); f[0] == "Z" {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the child did not exit")
}

// TestThisProcess: on Linux this process knows its identity, and /proc's
// stat parser copes with a command name holding spaces and parentheses.
func TestThisProcess(t *testing.T) {
	want := readProcIdentity(t)
	got, err := readThisProcess()
	if err != nil {
		t.Fatal(err)
	}
	if got.BootID != want.bootID || got.PIDNamespace != want.pidNS || got.StartTime != startTime(t, os.Getpid()) {
		t.Fatalf("readThisProcess = %+v, want %+v and start time %d", got, want, startTime(t, os.Getpid()))
	}
	path := t.TempDir() + "/stat"
	line := "4242 (a) (b c) Z 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 123456 20 21\n"
	if err := os.WriteFile(path, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	pid, e, err := readStat(path)
	if err != nil || pid != 4242 || e.startTime != 123456 || !e.zombie {
		t.Fatalf("readStat = %d, %+v, %v", pid, e, err)
	}
}
