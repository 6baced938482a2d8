package lock

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/engine"
)

// integrationEngine connects to the local engine and returns it with a
// project name of its own, whose lock volumes are removed when the test
// ends (and nothing else).
func integrationEngine(t *testing.T) (*engine.Docker, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test: needs a Docker engine (skipped with -short)")
	}
	d, err := engine.NewDocker("")
	if err != nil {
		t.Skipf("no Docker engine: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := d.Ping(ctx); err != nil {
		d.Close()
		t.Skipf("no Docker engine answers: %v", err)
	}
	b := make([]byte, 3)
	rand.Read(b)
	project := "locktest-" + hex.EncodeToString(b)
	t.Cleanup(func() {
		defer d.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		o, err := d.Observe(ctx, project)
		if err != nil {
			t.Errorf("cleanup %s: %v", project, err)
			return
		}
		for _, v := range append(o.Locks, o.Volumes...) {
			if err := d.RemoveVolume(ctx, v.Name); err != nil {
				t.Errorf("cleanup %s: %v", v.Name, err)
			}
		}
	})
	return d, project
}

// lockOnEngine is the lock volume of tenant acme as the engine has it, or
// nil when there is none.
func lockOnEngine(t *testing.T, d *engine.Docker, project string) *Info {
	t.Helper()
	o, err := d.Observe(context.Background(), project)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range o.Locks {
		if v.Name == Name(project, "acme") {
			i := infoFrom("acme", v.Labels)
			return &i
		}
	}
	return nil
}

// TestIntegrationReleaseAfterTakeOver: a run whose lock was broken with
// force-unlock and taken by another run must not remove the other run's
// lock when it releases its own, and says so.
func TestIntegrationReleaseAfterTakeOver(t *testing.T) {
	t.Parallel()
	d, project := integrationEngine(t)
	ctx := context.Background()

	first, err := Acquire(ctx, d, project, "acme", "apply", 0)
	if err != nil {
		t.Fatal(err)
	}
	observed, err := d.Observe(ctx, project)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ForceUnlock(ctx, d, observed, project, "acme", first.Info.ID); err != nil {
		t.Fatal(err)
	}
	second, err := Acquire(ctx, d, project, "acme", "destroy", 0)
	if err != nil {
		t.Fatalf("acquire after force-unlock: %v", err)
	}

	err = first.Release(ctx)
	var taken *TakenOverError
	if !errors.As(err, &taken) || taken.Holder.ID != second.Info.ID {
		t.Errorf("release of a lock taken over: err = %v, want a TakenOverError naming %s", err, second.Info.ID)
	}
	if got := lockOnEngine(t, d, project); got == nil || got.ID != second.Info.ID {
		t.Fatalf("the first run's release removed the second run's lock: engine has %+v, want id %s", got, second.Info.ID)
	}
	if _, err := Acquire(ctx, d, project, "acme", "apply", 0); !errors.As(err, new(*HeldError)) {
		t.Fatalf("a third run got past the second run's lock: %v", err)
	}
	if err := second.Release(ctx); err != nil {
		t.Fatalf("release of a lock still held: %v", err)
	}
	if got := lockOnEngine(t, d, project); got != nil {
		t.Fatalf("release left the lock: %+v", got)
	}
}

// TestIntegrationReleaseAfterForceUnlock: a run whose lock was broken and
// not taken since leaves no lock behind when it releases, and says the
// lock was lost.
func TestIntegrationReleaseAfterForceUnlock(t *testing.T) {
	t.Parallel()
	d, project := integrationEngine(t)
	ctx := context.Background()

	l, err := Acquire(ctx, d, project, "acme", "apply", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.RemoveVolume(ctx, Name(project, "acme")); err != nil {
		t.Fatal(err)
	}
	err = l.Release(ctx)
	var taken *TakenOverError
	if !errors.As(err, &taken) || taken.Holder.ID != "" {
		t.Errorf("release of a broken lock: err = %v, want a TakenOverError without a holder", err)
	}
	if got := lockOnEngine(t, d, project); got != nil {
		t.Fatalf("release of a broken lock made a lock: %+v", got)
	}
}
