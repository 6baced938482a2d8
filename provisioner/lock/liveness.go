package lock

import (
	"strings"
	"sync"
)

// Process tells one process apart from every other, past or present: the
// boot of the machine it ran on, the PID namespace it ran in and when it
// started. A hostname and a PID cannot: two containers can share a
// hostname but not a PID namespace (a live holder in one looks dead from
// the other), and a PID is reused after its process exits (a dead holder
// looks alive).
type Process struct {
	// BootID is /proc/sys/kernel/random/boot_id: new on every boot of a
	// machine, shared by all its containers.
	BootID string
	// PIDNamespace is the inode number of /proc/self/ns/pid.
	PIDNamespace string
	// StartTime is when the process started, in clock ticks after boot
	// (field 22 of /proc/PID/stat).
	StartTime uint64
}

// known reports whether p was recorded in full.
func (p Process) known() bool {
	return p.BootID != "" && p.PIDNamespace != "" && p.StartTime != 0
}

// procEntry is what the process table says about one PID.
type procEntry struct {
	// startTime is zero when the process exists but cannot be read (a
	// /proc mounted with hidepid hides other users' processes).
	startTime uint64
	// zombie is set for a process that has exited but is not yet reaped.
	zombie bool
}

// processTable looks a PID up in this PID namespace: found is false when
// no process has the PID. An error means the answer is unknown.
type processTable func(pid int) (e procEntry, found bool, err error)

// holderDead reports whether a lock's holder is known to be gone. Only a
// holder that ran on the same host name, boot and PID namespace as me can
// be checked: it is gone when its PID names no process, or a process that
// started at another time (the PID was reused), or a zombie. Every other
// holder counts as alive, whatever its host name says — including locks
// written without the process identity (by older tenantctl versions, or
// on systems without /proc), since a host name and a PID alone misjudge
// PID namespaces. force-unlock breaks those.
func holderDead(holder, me Info, lookup processTable) bool {
	if !holder.Process.known() || !me.Process.known() || holder.PID <= 0 {
		return false
	}
	if hostOf(holder.Holder) != hostOf(me.Holder) || holder.Process.BootID != me.Process.BootID || holder.Process.PIDNamespace != me.Process.PIDNamespace {
		return false
	}
	e, found, err := lookup(holder.PID)
	switch {
	case err != nil:
		return false
	case !found, e.zombie:
		return true
	default:
		return e.startTime != 0 && e.startTime != holder.Process.StartTime
	}
}

// hostOf is the machine part of user@machine, "" if there is none.
func hostOf(holder string) string {
	at := strings.LastIndex(holder, "@")
	if at < 0 {
		return ""
	}
	return holder[at+1:]
}

// thisProcess is this process's identity, read once; zero when the system
// cannot tell it (then no holder is ever judged dead by this process, and
// its own locks are never broken automatically).
var thisProcess = sync.OnceValue(func() Process {
	p, err := readThisProcess()
	if err != nil {
		return Process{}
	}
	return p
})
