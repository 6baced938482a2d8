package lock

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/engine"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// volumes is a fake engine with the engine's volume semantics: create is
// atomic per name and returns the labels of the volume that is there.
type volumes struct {
	engine.Engine
	mu sync.Mutex
	m  map[string]map[string]string
}

func (v *volumes) CreateVolume(_ context.Context, s resource.VolumeSpec) (map[string]string, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if have, ok := v.m[s.Name]; ok {
		return have, nil
	}
	v.m[s.Name] = s.Labels
	return s.Labels, nil
}

func (v *volumes) VolumeLabels(_ context.Context, name string) (map[string]string, bool, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	have, ok := v.m[name]
	return have, ok, nil
}

func (v *volumes) RemoveVolume(_ context.Context, name string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	delete(v.m, name)
	return nil
}

func TestOnlyOneHolderAtATime(t *testing.T) {
	eng := &volumes{m: map[string]map[string]string{}}
	ctx := context.Background()
	var holders, failures int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := Acquire(ctx, eng, "p", "acme", "apply", 0)
			mu.Lock()
			defer mu.Unlock()
			var held *HeldError
			switch {
			case err == nil:
				holders++
			case errors.As(err, &held):
				failures++
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if holders != 1 || failures != 9 {
		t.Fatalf("%d holders and %d refusals, want 1 and 9", holders, failures)
	}
}

func TestReleaseLetsTheNextIn(t *testing.T) {
	eng := &volumes{m: map[string]map[string]string{}}
	ctx := context.Background()
	first, err := Acquire(ctx, eng, "p", "acme", "apply", 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Acquire(ctx, eng, "p", "acme", "destroy", 0)
	var held *HeldError
	if !errors.As(err, &held) || held.Info.ID != first.Info.ID || !strings.Contains(err.Error(), "force-unlock acme "+first.Info.ID) {
		t.Fatalf("err = %v", err)
	}
	go func() {
		time.Sleep(600 * time.Millisecond)
		first.Release(ctx)
	}()
	if _, err := Acquire(ctx, eng, "p", "acme", "destroy", 5*time.Second); err != nil {
		t.Fatalf("waiting acquire: %v", err)
	}
	if _, err := Acquire(ctx, eng, "p", "globex", "apply", 0); err != nil {
		t.Fatalf("another tenant is blocked: %v", err)
	}
}

func TestForceUnlockNeedsTheID(t *testing.T) {
	eng := &volumes{m: map[string]map[string]string{}}
	ctx := context.Background()
	l, err := Acquire(ctx, eng, "p", "acme", "apply", 0)
	if err != nil {
		t.Fatal(err)
	}
	obs := &resource.Observed{Locks: []resource.Volume{{Name: Name("p", "acme"), Labels: eng.m[Name("p", "acme")]}}}
	if _, err := ForceUnlock(ctx, eng, obs, "p", "acme", "nope"); !errors.Is(err, ErrWrongID) {
		t.Fatalf("wrong id: %v", err)
	}
	if _, err := ForceUnlock(ctx, eng, obs, "p", "acme", l.Info.ID); err != nil {
		t.Fatal(err)
	}
	if len(eng.m) != 0 {
		t.Fatal("force-unlock left the lock")
	}
}

func TestALockVolumeWithoutLabelsIsBroken(t *testing.T) {
	eng := &volumes{m: map[string]map[string]string{Name("p", "acme"): {}}}
	if _, err := Acquire(context.Background(), eng, "p", "acme", "apply", 0); err != nil {
		t.Fatalf("a label-less lock volume blocked the lock: %v", err)
	}
}
