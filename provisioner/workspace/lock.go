package workspace

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/lock"
	"github.com/tenantctl/tenantctl/provisioner/plan"
)

// LockTenants takes the lock of every tenant the plan changes, on its
// host, waiting up to timeout for each. On any failure it releases what it
// took. The returned function releases them all; its error says which
// locks could not be released or were broken while held (a
// *lock.TakenOverError each), and the others are released all the same.
func (w *Workspace) LockTenants(ctx context.Context, p *plan.Plan, operation string, timeout time.Duration) (func() error, error) {
	engines, err := w.Engines()
	if err != nil {
		return nil, err
	}
	var (
		mu    sync.Mutex
		held  []*lock.Lock
		errs  []error
		wg    sync.WaitGroup
		hosts = map[string]string{}
	)
	for _, t := range p.Tenants {
		if t.Changes() {
			hosts[t.Name] = t.Host
		}
	}
	for tenant, host := range hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := lock.Acquire(ctx, engines[host], w.Project.Name, tenant, operation, timeout)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			held = append(held, l)
		}()
	}
	wg.Wait()
	release := func() error {
		var errs []error
		for _, l := range held {
			if err := l.Release(ctx); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}
	if len(errs) > 0 {
		release()
		sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
		return nil, errors.Join(errs...)
	}
	return release, nil
}
