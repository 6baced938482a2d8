package apply

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/engine"
	"github.com/tenantctl/tenantctl/provisioner/plan"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// tenantRun applies one tenant's operations.
type tenantRun struct {
	ctx  context.Context
	eng  engine.Engine
	tp   *plan.TenantPlan
	opts Options
	emit func(Event)
}

// errSkipped marks a step not run because a dependency failed or the run
// was interrupted.
var errSkipped = errors.New("skipped")

// run executes the graph: objects the containers need, then containers
// (each once its dependencies are healthy), then removals.
func (r *tenantRun) run() error {
	start := time.Now()
	err := r.runPhases()
	r.emit(Event{Tenant: r.tp.Name, Host: r.tp.Host, Step: "apply", Status: statusOf(err), Err: err, Elapsed: time.Since(start), Last: true})
	return err
}

func (r *tenantRun) runPhases() error {
	var containers, removals []plan.Operation
	replacesNetwork := false
	for _, op := range r.tp.Operations {
		if op.ID.Kind == resource.KindNetwork && op.Action == plan.Replace {
			replacesNetwork = true
		}
	}
	// Containers on a network that is replaced must go before it does.
	if replacesNetwork {
		for _, op := range r.tp.Operations {
			if op.ID.Kind == resource.KindContainer && op.Action == plan.Replace {
				if err := r.step("remove container "+op.ID.Name, func(ctx context.Context) error { return r.eng.RemoveContainer(ctx, op.Existing) }); err != nil {
					return err
				}
			}
		}
	}
	for _, op := range r.tp.Operations {
		switch {
		case op.Action == plan.NoOp:
		case op.Action == plan.Delete:
			removals = append(removals, op)
		case op.ID.Kind == resource.KindContainer:
			containers = append(containers, op)
		default:
			if err := r.object(op); err != nil {
				return err
			}
		}
	}
	if err := r.containers(containers, replacesNetwork); err != nil {
		return err
	}
	for _, op := range removals {
		if err := r.remove(op); err != nil {
			return err
		}
	}
	return nil
}

// object creates or replaces a network or a volume.
func (r *tenantRun) object(op plan.Operation) error {
	switch {
	case op.Network != nil && op.Action == plan.Replace:
		if err := r.step("remove network "+op.ID.Name, func(ctx context.Context) error { return r.eng.RemoveNetwork(ctx, op.Network.Name) }); err != nil {
			return err
		}
		fallthrough
	case op.Network != nil:
		name := "create network " + op.ID.Name
		if op.Network.Subnet.IsValid() {
			name += " " + op.Network.Subnet.String()
		}
		return r.step(name, func(ctx context.Context) error {
			err := r.eng.CreateNetwork(ctx, *op.Network)
			if errors.Is(err, engine.ErrSubnetTaken) {
				return fmt.Errorf("%w (another run took it since the plan was made; run apply again to pick a free one)", err)
			}
			return err
		})
	case op.Volume != nil:
		return r.step("create volume "+op.ID.Name, func(ctx context.Context) error {
			_, err := r.eng.CreateVolume(ctx, *op.Volume)
			return err
		})
	}
	return fmt.Errorf("cannot %s %s", op.Action, op.ID)
}

// remove deletes a container, network or volume.
func (r *tenantRun) remove(op plan.Operation) error {
	return r.step("remove "+string(op.ID.Kind)+" "+op.ID.Name, func(ctx context.Context) error {
		switch op.ID.Kind {
		case resource.KindContainer:
			return r.eng.RemoveContainer(ctx, op.Existing)
		case resource.KindNetwork:
			return r.eng.RemoveNetwork(ctx, op.Existing)
		default:
			return r.eng.RemoveVolume(ctx, op.Existing)
		}
	})
}

// containers runs the container operations as a graph: each starts once
// the services it depends on are healthy; independent ones run together.
func (r *tenantRun) containers(ops []plan.Operation, alreadyRemoved bool) error {
	done := map[string]chan struct{}{}
	for _, op := range ops {
		done[op.ID.Name] = make(chan struct{})
	}
	unchanged := r.unchangedHealthy()
	errs := make([]error, len(ops))
	var wg sync.WaitGroup
	for i, op := range ops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[op.ID.Name])
			for _, dep := range op.DependsOn {
				ch, planned := done[dep]
				if !planned {
					// Unchanged and running, but maybe not healthy yet
					// (started by a run that was cut short).
					if wait, ok := unchanged[dep]; ok {
						if errs[i] = wait(); errs[i] != nil {
							return
						}
					}
					continue
				}
				<-ch
				for j, other := range ops {
					if other.ID.Name == dep && errs[j] != nil {
						errs[i] = fmt.Errorf("%w: %s failed", errSkipped, dep)
						r.emit(Event{Tenant: r.tp.Name, Host: r.tp.Host, Step: string(op.Action) + " container " + op.ID.Name, Status: Skipped, Err: errs[i]})
						return
					}
				}
			}
			errs[i] = r.container(op, alreadyRemoved)
		}()
	}
	wg.Wait()
	var real []error
	for _, err := range errs {
		if err != nil && !errors.Is(err, errSkipped) {
			real = append(real, err)
		}
	}
	if len(real) == 0 {
		return errors.Join(errs...)
	}
	return errors.Join(real...)
}

// unchangedHealthy returns, for each container the plan leaves alone, a
// wait (run at most once) until it is healthy: a service that depends on
// it starts only then, as it would after creating it.
func (r *tenantRun) unchangedHealthy() map[string]func() error {
	waits := map[string]func() error{}
	for _, op := range r.tp.Operations {
		if op.Action != plan.NoOp || op.ID.Kind != resource.KindContainer || op.Container == nil || op.Existing == "" {
			continue
		}
		waits[op.ID.Name] = sync.OnceValue(func() error {
			return r.wait("wait for "+op.ID.Name+" healthy", func(ctx context.Context) error {
				return waitHealthy(ctx, r.eng, op.Existing, op.Container, r.opts.HealthTimeout, r.opts.CallTimeout)
			})
		})
	}
	return waits
}

// container creates, replaces or starts one container and waits until it
// is healthy. A replaced container whose network is replaced was removed
// already (alreadyRemoved): it is simply created anew.
func (r *tenantRun) container(op plan.Operation, alreadyRemoved bool) error {
	spec := op.Container
	id := op.Existing
	var err error
	switch {
	case op.Action == plan.Replace && !alreadyRemoved:
		id, err = r.replace(op)
	case op.Action == plan.Replace || op.Action == plan.Create:
		err = r.step("create container "+op.ID.Name, func(ctx context.Context) (err error) {
			id, err = r.eng.CreateContainer(ctx, *spec)
			return err
		})
	}
	if err != nil {
		return err
	}
	err = r.step("start container "+op.ID.Name, func(ctx context.Context) error { return r.eng.StartContainer(ctx, id) })
	if errors.Is(err, engine.ErrStaleStart) {
		id, err = r.remake(op, id)
	}
	if err != nil {
		return err
	}
	return r.wait("wait for "+op.ID.Name+" healthy", func(ctx context.Context) error {
		return waitHealthy(ctx, r.eng, id, spec, r.opts.HealthTimeout, r.opts.CallTimeout)
	})
}

// remake removes and makes again a container whose start an engine restart
// cut short: the engine keeps a task for it and refuses to start it. Only
// a container the engine never started is remade — it never ran, so it
// holds nothing; its data is in named volumes. It returns the new ID.
func (r *tenantRun) remake(op plan.Operation, id string) (string, error) {
	st, err := inspect(context.WithoutCancel(r.ctx), r.eng, id, r.opts.CallTimeout)
	if err != nil {
		return "", err
	}
	if !st.NeverStarted || op.Container == nil {
		return "", fmt.Errorf("container %s: %w, and it has run before: remove it by hand (docker rm -f %s) and run apply again", op.ID.Name, engine.ErrStaleStart, id)
	}
	if err := r.step("remove container "+op.ID.Name+" (its start was cut short by an engine restart)", func(ctx context.Context) error { return r.eng.RemoveContainer(ctx, id) }); err != nil {
		return "", err
	}
	if err := r.step("create container "+op.ID.Name, func(ctx context.Context) (err error) {
		id, err = r.eng.CreateContainer(ctx, *op.Container)
		return err
	}); err != nil {
		return "", err
	}
	return id, r.step("start container "+op.ID.Name, func(ctx context.Context) error { return r.eng.StartContainer(ctx, id) })
}

// step runs one engine change: one engine call (two or three when a
// leftover is cleared first). It is not started once the run is
// interrupted, but a started step finishes: its context is not cancelled
// with the run's. It is bounded by CallTimeout instead, so a hung engine
// fails the step rather than the run hanging.
func (r *tenantRun) step(name string, fn func(context.Context) error) error {
	if r.ctx.Err() != nil {
		return fmt.Errorf("%w: %s", errSkipped, name)
	}
	return r.timed(name, func() error {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.ctx), r.opts.CallTimeout)
		defer cancel()
		return timedOut(ctx, fn(ctx), r.opts.CallTimeout)
	})
}

// timedOut says so when err came from ctx's deadline of bound.
func timedOut(ctx context.Context, err error, bound time.Duration) error {
	if err == nil || !errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, engine.ErrTimeout) {
		return err
	}
	return fmt.Errorf("%w; %w within %s", err, engine.ErrTimeout, bound)
}

// wait runs a wait that an interruption may cut short: it changes nothing.
func (r *tenantRun) wait(name string, fn func(context.Context) error) error {
	if r.ctx.Err() != nil {
		return fmt.Errorf("%w: %s", errSkipped, name)
	}
	return r.timed(name, func() error { return fn(r.ctx) })
}

func (r *tenantRun) timed(name string, fn func() error) error {
	r.emit(Event{Tenant: r.tp.Name, Host: r.tp.Host, Step: name, Status: Started})
	start := time.Now()
	err := fn()
	if err != nil {
		err = fmt.Errorf("%s: %w", name, err)
	}
	r.emit(Event{Tenant: r.tp.Name, Host: r.tp.Host, Step: name, Status: statusOf(err), Err: err, Elapsed: time.Since(start)})
	return err
}

func statusOf(err error) Status {
	switch {
	case err == nil:
		return Done
	case errors.Is(err, errSkipped):
		return Skipped
	default:
		return Failed
	}
}
