//go:build !linux

package lock

import "errors"

// errNoProcessIdentity: outside Linux there is no /proc to tell a dead
// holder from a live one by, so no holder is judged dead automatically.
var errNoProcessIdentity = errors.New("telling a dead lock holder from a live one needs Linux's /proc; break the lock of a run that died with tenantctl force-unlock")

// readThisProcess cannot tell this process's identity outside Linux.
func readThisProcess() (Process, error) { return Process{}, errNoProcessIdentity }

// lookupProcess cannot look processes up outside Linux.
func lookupProcess(int) (procEntry, bool, error) { return procEntry{}, false, errNoProcessIdentity }
