// Package lock keeps two applies or destroys of one tenant from running at
// once. The lock lives with the tenant on its Docker host, so operators on
// different machines are covered: it is an empty volume named
// PROJECT_TENANT_lock whose labels name the holder. Creating a volume is
// atomic per name on the engine and returns the existing volume's labels
// when it is already there, which makes it a test-and-set. The volume holds
// no data; releasing the lock removes it, if it is still the releaser's.
//
// A holder that died leaves its lock. The next run breaks it only when it
// can prove the holder dead (see liveness.go): same machine boot, same PID
// namespace, and the holder's process (PID and start time) gone. Anything
// else — another machine, another container with the same hostname, a
// lock written by an older tenantctl, Windows or macOS — is taken to be
// alive, and tenantctl force-unlock breaks it.
package lock

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/engine"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// Info describes a lock and its holder.
type Info struct {
	ID        string
	Tenant    string
	Holder    string // user@machine
	PID       int
	Since     time.Time
	Operation string // apply, destroy, ...
	// Process tells the holder's process apart from others with its PID;
	// it is zero when the holder could not say (not Linux, older lock).
	Process Process
}

// HeldError means another run holds the tenant's lock.
type HeldError struct{ Info Info }

func (e *HeldError) Error() string {
	i := e.Info
	return fmt.Sprintf("tenant %s is locked by %s (pid %d, %s) since %s, lock id %s; wait for it with --lock-timeout, or if that run is dead: tenantctl force-unlock %s %s",
		i.Tenant, i.Holder, i.PID, i.Operation, i.Since.UTC().Format(time.RFC3339), i.ID, i.Tenant, i.ID)
}

// TakenOverError means a lock was broken (force-unlock) while its run held
// it. Holder is the run that holds the tenant's lock now, zero if none;
// its lock is left in place.
type TakenOverError struct {
	Lock   Info
	Holder Info
}

func (e *TakenOverError) Error() string {
	l, h := e.Lock, e.Holder
	msg := fmt.Sprintf("the lock %s of tenant %s was broken while this run held it (tenantctl force-unlock?)", l.ID, l.Tenant)
	if h.ID != "" {
		msg += fmt.Sprintf(", and %s (pid %d, %s) holds it now as lock id %s; that lock was left in place", h.Holder, h.PID, h.Operation, h.ID)
	}
	return msg + fmt.Sprintf("; another run may have changed the tenant at the same time as this one: check it with tenantctl plan %s", l.Tenant)
}

// Lock is a held tenant lock.
type Lock struct {
	eng  engine.Engine
	name string
	Info Info
}

// Name is the lock volume's name for a tenant.
func Name(project, tenant string) string { return resource.Name(project, tenant, "lock") }

// pollInterval is how often a waiting Acquire tries again.
const pollInterval = 500 * time.Millisecond

// Acquire takes the tenant's lock, waiting up to timeout for a holder to
// release it (0 fails at once). A lock whose holder is known to be dead
// (see holderDead) is broken and taken.
func Acquire(ctx context.Context, eng engine.Engine, project, tenant, operation string, timeout time.Duration) (*Lock, error) {
	me := self(tenant, operation)
	spec := resource.VolumeSpec{Name: Name(project, tenant), Tenant: tenant, Labels: labels(project, me)}
	deadline := time.Now().Add(timeout)
	for {
		got, err := eng.CreateVolume(ctx, spec)
		if err != nil {
			return nil, fmt.Errorf("lock tenant %s: %w", tenant, err)
		}
		holder := infoFrom(tenant, got)
		if holder.ID == me.ID {
			return &Lock{eng: eng, name: spec.Name, Info: me}, nil
		}
		// A lock volume without a lock id lost its labels (the engine can
		// drop a volume's metadata when it dies mid-write): nobody holds it.
		if holder.ID == "" || holderDead(holder, me, lookupProcess) {
			if err := eng.RemoveVolume(ctx, spec.Name); err != nil {
				return nil, fmt.Errorf("break the stale lock of tenant %s: %w", tenant, err)
			}
			continue
		}
		if !time.Now().Before(deadline) {
			return nil, &HeldError{Info: holder}
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(pollInterval):
		}
	}
}

// Release gives the lock up: it removes the lock volume if the lock is
// still this run's (or lost its labels, which makes it nobody's). A lock
// broken meanwhile is left alone and Release returns a *TakenOverError:
// removing another run's lock would let a third run in beside it. It runs
// even when ctx is cancelled, so an interrupted run does not leave its
// lock behind.
//
// The engine has no compare-and-delete: a lock broken and taken again in
// the instant between the check and the removal is still removed. The
// check narrows that window from a whole run to one round trip.
func (l *Lock) Release(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	have, found, err := l.eng.VolumeLabels(ctx, l.name)
	if err != nil {
		return fmt.Errorf("release the lock of tenant %s: %w", l.Info.Tenant, err)
	}
	if !found {
		return &TakenOverError{Lock: l.Info}
	}
	if holder := infoFrom(l.Info.Tenant, have); holder.ID != l.Info.ID && holder.ID != "" {
		return &TakenOverError{Lock: l.Info, Holder: holder}
	}
	if err := l.eng.RemoveVolume(ctx, l.name); err != nil {
		return fmt.Errorf("release the lock of tenant %s: %w", l.Info.Tenant, err)
	}
	return nil
}

// ErrWrongID means force-unlock was given an id that is not the lock's.
var ErrWrongID = errors.New("lock id does not match")

// ErrNotLocked means the tenant has no lock to break.
var ErrNotLocked = errors.New("not locked")

// ForceUnlock breaks a tenant's lock, only if id is the lock's id.
func ForceUnlock(ctx context.Context, eng engine.Engine, observed *resource.Observed, project, tenant, id string) (Info, error) {
	for _, v := range observed.Locks {
		if v.Labels[resource.LabelTenant] != tenant {
			continue
		}
		info := infoFrom(tenant, v.Labels)
		if info.ID != id {
			return info, fmt.Errorf("%w: tenant %s is locked with id %s by %s, not %s", ErrWrongID, tenant, info.ID, info.Holder, id)
		}
		return info, eng.RemoveVolume(ctx, v.Name)
	}
	return Info{}, fmt.Errorf("tenant %s: %w", tenant, ErrNotLocked)
}

// self describes a lock this process would hold.
func self(tenant, operation string) Info {
	b := make([]byte, 4)
	rand.Read(b)
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return Info{
		ID: hex.EncodeToString(b), Tenant: tenant, Holder: name + "@" + hostname(), PID: os.Getpid(),
		Since: time.Now().UTC().Truncate(time.Second), Operation: operation, Process: thisProcess(),
	}
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "unknown"
	}
	return h
}

func labels(project string, i Info) map[string]string {
	l := map[string]string{
		resource.LabelProject:       project,
		resource.LabelTenant:        i.Tenant,
		resource.LabelKind:          string(resource.KindLock),
		resource.LabelLockID:        i.ID,
		resource.LabelLockHolder:    i.Holder,
		resource.LabelLockPID:       strconv.Itoa(i.PID),
		resource.LabelLockSince:     i.Since.Format(time.RFC3339),
		resource.LabelLockOperation: i.Operation,
	}
	if i.Process.known() {
		l[resource.LabelLockBootID] = i.Process.BootID
		l[resource.LabelLockPIDNamespace] = i.Process.PIDNamespace
		l[resource.LabelLockStartTime] = strconv.FormatUint(i.Process.StartTime, 10)
	}
	return l
}

func infoFrom(tenant string, l map[string]string) Info {
	pid, _ := strconv.Atoi(l[resource.LabelLockPID])
	since, _ := time.Parse(time.RFC3339, l[resource.LabelLockSince])
	start, _ := strconv.ParseUint(l[resource.LabelLockStartTime], 10, 64)
	return Info{
		ID: l[resource.LabelLockID], Tenant: tenant, Holder: l[resource.LabelLockHolder], PID: pid, Since: since, Operation: l[resource.LabelLockOperation],
		Process: Process{BootID: l[resource.LabelLockBootID], PIDNamespace: l[resource.LabelLockPIDNamespace], StartTime: start},
	}
}
