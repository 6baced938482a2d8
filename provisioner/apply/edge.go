package apply

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/engine"
	"github.com/tenantctl/tenantctl/provisioner/plan"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// routeTimeout bounds one `ctl set` or `ctl remove` beyond the call
// timeout: the proxy returns once the old backend has drained (at most
// its 30-second drain timeout).
const routeTimeout = 45 * time.Second

// EdgeError is the failure of a host's edge proxy steps.
type EdgeError struct {
	Host string
	Err  error
}

func (e *EdgeError) Error() string { return "edge proxy on host " + e.Host + ": " + e.Err.Error() }
func (e *EdgeError) Unwrap() error { return e.Err }

// edgeRun applies one host's edge plan: before the tenants, the proxy's
// objects, then the routes removed and the networks left (a network the
// proxy is on cannot be removed); after them, the networks joined and the
// routes set of the tenants that converged.
type edgeRun struct {
	*tenantRun
	ep *plan.EdgePlan
	// id is the proxy's container once it runs; "" when it is gone.
	id string
}

// newEdgeRun makes the run of ep on eng.
func newEdgeRun(ctx context.Context, eng engine.Engine, ep *plan.EdgePlan, opts Options, emit func(Event)) *edgeRun {
	tp := &plan.TenantPlan{Name: "(edge:" + ep.Host + ")", Host: ep.Host}
	return &edgeRun{tenantRun: &tenantRun{ctx: ctx, eng: eng, tp: tp, opts: opts, emit: emit}, ep: ep, id: ep.Container}
}

// before runs the steps that come before the tenants', in order: the
// proxy's volume and network, then its container.
func (r *edgeRun) before() error {
	for _, op := range r.ep.Operations {
		var err error
		switch {
		case op.Action == plan.NoOp:
		case op.Action == plan.Delete:
			err = r.remove(op)
			if op.ID.Kind == resource.KindContainer {
				r.id = ""
			}
		case op.Container == nil: // its volume, its network
			err = r.object(op)
		default:
			err = r.proxy(op)
		}
		if err != nil {
			return err
		}
	}
	for _, rt := range r.ep.Routes {
		if rt.Action == plan.Delete {
			if err := r.route(rt); err != nil {
				return err
			}
		}
	}
	for _, n := range r.ep.Networks {
		if n.Action == plan.Delete {
			if err := r.network(n); err != nil {
				return err
			}
		}
	}
	return nil
}

// proxy creates, replaces or starts the proxy's container and waits until
// it is healthy. A replace removes the old one first: both would publish
// the same host ports.
func (r *edgeRun) proxy(op plan.Operation) error {
	if op.Action == plan.Replace {
		if err := r.step("remove old edge proxy", func(ctx context.Context) error { return r.eng.RemoveContainer(ctx, op.Existing) }); err != nil {
			return err
		}
		op.Action = plan.Create
	}
	id := op.Existing
	if op.Action == plan.Create {
		if err := r.step("create edge proxy", func(ctx context.Context) (err error) {
			id, err = r.eng.CreateContainer(ctx, *op.Container)
			if errors.Is(err, engine.ErrContainerExists) {
				// Another run on the host made it since the plan: it is
				// the proxy, started and waited for like this one.
				id, err = op.Container.Name, nil
			}
			return err
		}); err != nil {
			return err
		}
	}
	if err := r.step("start edge proxy", func(ctx context.Context) error { return r.eng.StartContainer(ctx, id) }); err != nil {
		return err
	}
	r.id = id
	return r.wait("wait for edge proxy healthy", func(ctx context.Context) error {
		return waitHealthy(ctx, r.eng, id, op.Container, r.opts.HealthTimeout, r.opts.CallTimeout)
	})
}

// after runs the steps that come after the tenants': only for tenants
// whose apply did not fail (failed names them).
func (r *edgeRun) after(failed map[string]bool) error {
	todo := false
	for _, n := range r.ep.Networks {
		todo = todo || n.Action == plan.Create
	}
	for _, rt := range r.ep.Routes {
		todo = todo || rt.Action != plan.Delete
	}
	if !todo {
		return nil
	}
	if r.id == "" {
		return errors.New("no edge proxy runs; run apply again")
	}
	var errs []error
	// A tenant whose network the proxy could not join gets no route: it
	// would point at a backend the proxy cannot reach.
	unjoined := map[string]bool{}
	for _, n := range r.ep.Networks {
		if n.Action != plan.Create || failed[n.Tenant] {
			continue
		}
		if err := r.network(n); err != nil {
			errs = append(errs, err)
			unjoined[n.Tenant] = true
		}
	}
	for _, rt := range r.ep.Routes {
		if rt.Action == plan.Delete || failed[rt.Tenant] || unjoined[rt.Tenant] {
			continue
		}
		if err := r.route(rt); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// network joins or leaves a tenant's edge network.
func (r *edgeRun) network(n plan.EdgeNetwork) error {
	if n.Action == plan.Delete {
		return r.step("edge proxy leaves network of "+n.Tenant, func(ctx context.Context) error {
			return r.eng.DisconnectNetwork(ctx, n.Network, r.id)
		})
	}
	return r.step("edge proxy joins network of "+n.Tenant, func(ctx context.Context) error {
		return r.eng.ConnectNetwork(ctx, n.Network, r.id)
	})
}

// route sets or removes a tenant's route with the proxy's own command,
// run in its container over the engine connection.
func (r *edgeRun) route(rt plan.RouteOp) error {
	name, cmd := "set route of "+rt.Tenant, plan.EdgeCommandSet(rt)
	if rt.Action == plan.Delete {
		name, cmd = "remove route of "+rt.Tenant, plan.EdgeCommandRemove(rt.Tenant)
	}
	if r.ctx.Err() != nil {
		return fmt.Errorf("%w: %s", errSkipped, name)
	}
	return r.timed(name, func() error {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.ctx), r.opts.CallTimeout+routeTimeout)
		defer cancel()
		res, err := r.eng.Exec(ctx, r.id, cmd)
		if err != nil {
			return err
		}
		if res.ExitCode != 0 {
			return fmt.Errorf("the proxy refused (exit %d): %s", res.ExitCode, strings.TrimSpace(res.Output))
		}
		return nil
	})
}
