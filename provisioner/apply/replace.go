package apply

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/tenantctl/tenantctl/provisioner/engine"
	"github.com/tenantctl/tenantctl/provisioner/plan"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// replace swaps op's container for one made from op's spec and returns the
// new one's ID; the caller starts it. The new container is created beside
// the old one, under a temporary name, so that when the engine refuses the
// new spec the old container is untouched and keeps serving. Only then is
// the old one removed and the new one renamed into its place. It is
// started after that: two containers of a service never run at once, as a
// published host port cannot be bound twice. (A start-first switch needs
// a proxy in front; this order is its first half.)
//
// A kill between the steps leaves a pending replacement
// (resource.Container.Pending) that the next plan removes.
func (r *tenantRun) replace(op plan.Operation) (string, error) {
	spec := *op.Container
	spec.Name = resource.PendingName(op.Container.Name)
	spec.Labels = maps.Clone(op.Container.Labels)
	spec.Labels[resource.LabelReplacement] = spec.Name
	svc := op.ID.Name

	var id string
	if err := r.step("create container "+svc+" beside the old one", func(ctx context.Context) (err error) {
		if id, err = r.createPending(ctx, spec); err != nil {
			return fmt.Errorf("%w; the old container is untouched and keeps running", err)
		}
		return nil
	}); err != nil {
		return "", err
	}
	if err := r.step("remove old container "+svc, func(ctx context.Context) error { return r.eng.RemoveContainer(ctx, op.Existing) }); err != nil && !r.gone(op.Existing) {
		// The old one still serves: its replacement goes.
		return "", r.discard(id, err)
	}
	rename := func(ctx context.Context) error { return r.eng.RenameContainer(ctx, id, op.Container.Name) }
	if err := r.step("rename container "+svc+" into place", rename); err != nil {
		// The old container is gone: try once more before giving up, and
		// leave the replacement for the next apply either way.
		if err := r.step("rename container "+svc+" into place (again)", rename); err != nil {
			return "", fmt.Errorf("%w; the old container was removed and its replacement waits as %s: run apply again", err, spec.Name)
		}
	}
	return id, nil
}

// gone reports whether the container is no longer on the engine: a remove
// whose answer was lost (a timeout) may still have happened.
func (r *tenantRun) gone(id string) bool {
	_, err := inspect(context.WithoutCancel(r.ctx), r.eng, id, r.opts.CallTimeout)
	return errors.Is(err, engine.ErrNoSuchContainer)
}

// createPending creates the replacement. A container that already has the
// temporary name was left by an interrupted apply (the plan deletes it as
// well, later): it was never started, so it is removed here and the create
// tried once more.
func (r *tenantRun) createPending(ctx context.Context, spec resource.ContainerSpec) (string, error) {
	id, err := r.eng.CreateContainer(ctx, spec)
	if !errors.Is(err, engine.ErrContainerExists) {
		return id, err
	}
	if rerr := r.eng.RemoveContainer(ctx, spec.Name); rerr != nil {
		return "", fmt.Errorf("%w (and removing the one left by an interrupted apply: %w)", err, rerr)
	}
	return r.eng.CreateContainer(ctx, spec)
}

// discard removes a replacement that cannot be switched in, and returns
// cause. Whatever happens, the next apply converges: a replacement left
// behind is removed by the next plan.
func (r *tenantRun) discard(id string, cause error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.ctx), r.opts.CallTimeout)
	defer cancel()
	if err := r.eng.RemoveContainer(ctx, id); err != nil {
		return fmt.Errorf("%w (and removing its replacement: %w)", cause, err)
	}
	return cause
}
