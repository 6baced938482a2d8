package workspace

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/tenantctl/tenantctl/provisioner/engine"
	"github.com/tenantctl/tenantctl/provisioner/model"
	"github.com/tenantctl/tenantctl/provisioner/plan"
	"github.com/tenantctl/tenantctl/provisioner/resource"
	"github.com/tenantctl/tenantctl/provisioner/sshx"
)

// HostError is the failure of one host: it could not be connected to or
// observed. Commands carry on with the other hosts and exit non-zero.
type HostError struct {
	Host string
	Err  error
}

func (e *HostError) Error() string { return "host " + e.Host + ": " + e.Err.Error() }
func (e *HostError) Unwrap() error { return e.Err }

// HostsError is returned, with a partial result, when some hosts failed
// and the others were dealt with.
type HostsError struct {
	Hosts []*HostError
}

func (e *HostsError) Error() string {
	var b strings.Builder
	for i, h := range e.Hosts {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(h.Error())
	}
	return b.String()
}

// Unwrap gives errors.Is/As every host's error.
func (e *HostsError) Unwrap() []error {
	out := make([]error, len(e.Hosts))
	for i, h := range e.Hosts {
		out[i] = h
	}
	return out
}

// NotPlacedError names the tenants no host could take.
type NotPlacedError struct{ Err error }

func (e *NotPlacedError) Error() string { return e.Err.Error() }
func (e *NotPlacedError) Unwrap() error { return e.Err }

// IsPartial reports whether err only says that some hosts failed or some
// tenants could not be placed, so the plan that came with it is good for
// the other tenants.
func IsPartial(err error) bool {
	var he *HostsError
	var np *NotPlacedError
	return err != nil && (errors.As(err, &he) || errors.As(err, &np)) && !errors.Is(err, sshx.ErrHostKeyChanged)
}

// connectHost opens a host's engine: over SSH for a host with an ssh
// block (the connection is made here, so a bad host key or a refused
// login is known before any Docker call), else at its docker address.
func connectHost(h model.Host) (engine.Engine, error) {
	if h.SSH == nil {
		return engine.NewDocker(h.Docker)
	}
	cfg := sshx.Config{
		Address: h.SSH.Address, User: h.SSH.User, KnownHostsFile: h.SSH.KnownHostsFile,
		ConnectTimeout: h.SSH.ConnectTimeout, KeepAlive: h.SSH.KeepAlive,
	}
	if h.SSH.IdentityFile != "" {
		cfg.IdentityFiles = []string{h.SSH.IdentityFile}
	}
	conn, err := sshx.Dial(context.Background(), cfg)
	if err != nil {
		return nil, err
	}
	d, err := engine.NewDockerSSH(conn, h.DockerSocket)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return d, nil
}

// connectAll connects to every host in parallel. A changed host key on
// any host stops everything (the returned error wraps
// sshx.ErrHostKeyChanged and no engine is kept); other failures are
// returned per host.
func (w *Workspace) connectAll() (map[string]engine.Engine, map[string]error, error) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	engines := map[string]engine.Engine{}
	failed := map[string]error{}
	for _, h := range w.Project.Hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, err := w.Connect(h)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed[h.Name] = err
				return
			}
			engines[h.Name] = e
		}()
	}
	wg.Wait()
	var changed []error
	for _, h := range w.Project.Hosts {
		if err := failed[h.Name]; errors.Is(err, sshx.ErrHostKeyChanged) {
			changed = append(changed, &HostError{Host: h.Name, Err: err})
		}
	}
	if len(changed) > 0 {
		for _, e := range engines {
			e.Close()
		}
		return nil, nil, errors.Join(changed...)
	}
	return engines, failed, nil
}

// hostErrors turns per-host failures into a *HostsError, hosts in
// declaration order; nil when there are none.
func (w *Workspace) hostErrors(failed map[string]error) error {
	if len(failed) == 0 {
		return nil
	}
	he := &HostsError{}
	for _, h := range w.Project.Hosts {
		if err, ok := failed[h.Name]; ok {
			he.Hosts = append(he.Hosts, &HostError{Host: h.Name, Err: err})
		}
	}
	return he
}

// place runs placement on what was observed and records each tenant's
// host in the project, so everything after (plan, status) sees it.
func (w *Workspace) place(observed map[string]*resource.Observed) {
	pl := plan.Place(w.Project, observed)
	for i := range w.Project.Tenants {
		t := &w.Project.Tenants[i]
		if h, ok := pl.Hosts[t.Name]; ok {
			t.Host = h
		}
	}
	w.mu.Lock()
	w.placement = pl
	w.mu.Unlock()
}

// reachable returns the project restricted to the tenants that can be
// planned (placed, on a host that was observed), the names of the others
// with why, and opts with the left-out tenants removed.
func (w *Workspace) reachable(observed map[string]*resource.Observed, failed map[string]error, opts plan.Options) (*model.Project, []plan.Skipped, plan.Options) {
	w.mu.Lock()
	pl := w.placement
	w.mu.Unlock()
	selected := map[string]bool{}
	for _, n := range opts.Tenants {
		selected[n] = true
	}
	desired := *w.Project
	desired.Tenants = nil
	var skipped []plan.Skipped
	left := map[string]bool{}
	for _, t := range w.Project.Tenants {
		if len(selected) > 0 && !selected[t.Name] {
			desired.Tenants = append(desired.Tenants, t)
			continue
		}
		reason, unplaced := pl.Unplaced[t.Name]
		_, seen := observed[t.Host]
		switch {
		case unplaced:
			skipped = append(skipped, plan.Skipped{Tenant: t.Name, Reason: reason})
		case !seen:
			why := "host not observed"
			if err := failed[t.Host]; err != nil {
				why = err.Error()
			}
			skipped = append(skipped, plan.Skipped{Tenant: t.Name, Host: t.Host, Reason: "host unreachable: " + why})
		default:
			desired.Tenants = append(desired.Tenants, t)
			continue
		}
		left[t.Name] = true
	}
	sort.Slice(skipped, func(i, j int) bool { return skipped[i].Tenant < skipped[j].Tenant })
	if len(opts.Tenants) > 0 {
		var keep []string
		for _, n := range opts.Tenants {
			if !left[n] {
				keep = append(keep, n)
			}
		}
		opts.Tenants = keep
	}
	return &desired, skipped, opts
}

// notPlaced is the error for tenants no host could take.
func notPlaced(skipped []plan.Skipped) error {
	var errs []error
	for _, s := range skipped {
		if s.Host == "" {
			errs = append(errs, fmt.Errorf("tenant %s: %s", s.Tenant, s.Reason))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return &NotPlacedError{Err: errors.Join(errs...)}
}
