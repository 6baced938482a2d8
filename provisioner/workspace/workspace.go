// Package workspace ties a project directory to its engines: it loads the
// configuration with the project's master key, connects to each host, and
// observes them all. The commands in cmd/tenantctl are thin shells over it.
package workspace

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"golang.org/x/sync/errgroup"

	"github.com/tenantctl/tenantctl/provisioner/config"
	"github.com/tenantctl/tenantctl/provisioner/engine"
	"github.com/tenantctl/tenantctl/provisioner/model"
	"github.com/tenantctl/tenantctl/provisioner/plan"
	"github.com/tenantctl/tenantctl/provisioner/redact"
	"github.com/tenantctl/tenantctl/provisioner/resource"
	"github.com/tenantctl/tenantctl/provisioner/secret"
)

// Workspace is a loaded project.
type Workspace struct {
	Project *model.Project
	// Files are the parsed HCL files, for printing diagnostics.
	Files map[string]*hcl.File
	// Key derives secrets; nil when loaded without one (validate).
	Key *secret.Key
	// Warnings are the configuration's non-fatal diagnostics.
	Warnings hcl.Diagnostics
	// redactor masks the secrets derived while loading (see Redactor).
	redactor *redact.Redactor

	mu      sync.Mutex
	engines map[string]engine.Engine
	// failed holds the hosts that could not be connected to, and why.
	failed map[string]error
	// placement is the last placement (see Observe).
	placement *plan.Placement
	// lastObserved is what the last Plan or PlanDestroy observed.
	lastObserved map[string]*resource.Observed
	// Connect opens a host's engine; tests may replace it.
	Connect func(model.Host) (engine.Engine, error)
	// Inspect makes Plan also inspect every container of the project, to
	// find environment, command and limits changed by hand. It costs one
	// engine call per container.
	Inspect bool
	// ensured maps host + "\x00" + image reference to the image ID
	// EnsureImages made the reference point at on that host.
	ensured map[string]string
	// openLocal opens the engine EnsureImages copies images from; nil
	// means the local one ($DOCKER_HOST or the local socket).
	openLocal func() (engine.Engine, error)
}

// DiagnosticsError carries configuration problems to be printed with
// their source.
type DiagnosticsError struct {
	Files map[string]*hcl.File
	Diags hcl.Diagnostics
}

func (e *DiagnosticsError) Error() string { return e.Diags.Error() }

// Load reads the project in dir. With needKey, a missing or unsafe master
// key is an error; without it (validate), secrets evaluate to a placeholder
// so everything else can be checked without the key.
func Load(dir string, needKey bool) (*Workspace, error) {
	return load(dir, needKey, os.Getenv, nil)
}

// LoadExtra reads the project in dir with one more tenant that has no
// file (smoke's ephemeral tenant; see config.LoadExtra). The key is read
// with getenv and is required.
func LoadExtra(dir string, getenv func(string) string, extra config.Extra) (*Workspace, error) {
	return load(dir, true, getenv, &extra)
}

func load(dir string, needKey bool, getenv func(string) string, extra *config.Extra) (*Workspace, error) {
	key, err := secret.Load(dir, getenv)
	if err != nil && (needKey || !errors.Is(err, secret.ErrNoKey)) {
		return nil, err
	}
	var derived []string
	derive := func(tenant, name string) (string, error) {
		if key == nil {
			return "placeholder-secret-for-validate", nil
		}
		v := key.Derive(tenant, name)
		derived = append(derived, v)
		return v, nil
	}
	var (
		project *model.Project
		files   map[string]*hcl.File
		diags   hcl.Diagnostics
	)
	if extra != nil {
		project, files, diags = config.LoadExtra(dir, derive, *extra)
	} else {
		project, files, diags = config.Load(dir, derive)
	}
	if diags.HasErrors() {
		return nil, &DiagnosticsError{Files: files, Diags: diags}
	}
	return &Workspace{
		Project: project, Files: files, Key: key, Warnings: diags, Connect: connectHost,
		redactor: redact.New(append(derived, sensitiveValues(project)...)...),
	}, nil
}

// Redactor masks every secret the project derives, and every
// secret-bearing env value, in whatever the tool prints or writes.
func (w *Workspace) Redactor() *redact.Redactor {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.redactor == nil {
		w.redactor = redact.New(sensitiveValues(w.Project)...)
	}
	return w.redactor
}

// Engines connects to every host once, in parallel, and returns the
// engines by host name. Hosts that cannot be reached are left out of the
// map (Observe reports them); a changed SSH host key on any host is an
// error wrapping sshx.ErrHostKeyChanged, and then no engine is returned.
func (w *Workspace) Engines() (map[string]engine.Engine, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.engines != nil {
		return w.engines, nil
	}
	engines, failed, err := w.connectAll()
	if err != nil {
		return nil, err
	}
	if len(engines) == 0 && len(failed) > 0 {
		return nil, w.hostErrors(failed)
	}
	w.engines, w.failed = engines, failed
	return engines, nil
}

// Observe lists every host's objects of this project, hosts in parallel,
// and places the tenants (plan.Place) so that each tenant's Host in
// w.Project is where it lives. When some hosts fail, it returns the others'
// observations with a *HostsError (see IsPartial).
func (w *Workspace) Observe(ctx context.Context) (map[string]*resource.Observed, error) {
	observed, failed, err := w.observe(ctx)
	if err != nil {
		return nil, err
	}
	w.place(observed)
	return observed, w.hostErrors(failed)
}

// observe is Observe without placement: what every reachable host holds,
// and why the others failed.
func (w *Workspace) observe(ctx context.Context) (map[string]*resource.Observed, map[string]error, error) {
	engines, err := w.Engines()
	if err != nil {
		return nil, nil, err
	}
	failed := map[string]error{}
	w.mu.Lock()
	for h, err := range w.failed {
		failed[h] = err
	}
	w.mu.Unlock()
	var mu sync.Mutex
	var wg sync.WaitGroup
	observed := map[string]*resource.Observed{}
	for name, e := range engines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			obs, err := e.Observe(ctx, w.Project.Name)
			if err == nil {
				observeRoutes(ctx, e, w.Project.Name, obs)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed[name] = err
				return
			}
			observed[name] = obs
		}()
	}
	wg.Wait()
	return observed, failed, nil
}

// Plan observes the engines, places the tenants and reconciles. When the
// plan must choose a host port on a host, it lists the ports of every
// container there (one more call, on that host only) and reconciles
// again. Tenants on hosts that failed, and tenants no host could take,
// are listed in the plan's Skipped; the plan of the others comes with a
// *HostsError when a host failed (see IsPartial), or an error naming the
// unplaced tenants.
func (w *Workspace) Plan(ctx context.Context, opts plan.Options) (*plan.Plan, error) {
	observed, failed, err := w.observe(ctx)
	if err != nil {
		return nil, err
	}
	w.place(observed)
	if err := w.checkKeys(ctx, observed, scope(opts.Tenants)); err != nil {
		return nil, err
	}
	w.mu.Lock()
	w.lastObserved = observed
	w.mu.Unlock()
	if w.Inspect {
		if err := w.inspect(ctx, observed); err != nil {
			return nil, err
		}
	}
	desired, skipped, narrowed := w.reachable(observed, failed, opts)
	p := &plan.Plan{Project: w.Project.Name}
	if len(opts.Tenants) == 0 || len(narrowed.Tenants) > 0 {
		p, err = plan.Reconcile(desired, observed, narrowed)
		var need *plan.HostPortsError
		if errors.As(err, &need) {
			if err := w.hostPorts(ctx, observed, need.Hosts); err != nil {
				return nil, err
			}
			p, err = plan.Reconcile(desired, observed, narrowed)
		}
		if err != nil {
			return nil, err
		}
	}
	w.mu.Lock()
	p.Notes = append(p.Notes, w.placement.Notes...)
	w.mu.Unlock()
	p.Skipped = skipped
	if err := errors.Join(w.hostErrors(failed), notPlaced(skipped)); err != nil {
		return p, err
	}
	return p, nil
}

// ObserveKeys is Observe for a command that changes the named tenants
// without a plan of its own (gc): it checks that this project's key made
// them, when a key is loaded.
func (w *Workspace) ObserveKeys(ctx context.Context, tenants []string) (map[string]*resource.Observed, error) {
	observed, err := w.Observe(ctx)
	if err != nil {
		return nil, err
	}
	if err := w.checkKeys(ctx, observed, scope(tenants)); err != nil {
		return nil, err
	}
	w.mu.Lock()
	w.lastObserved = observed
	w.mu.Unlock()
	return observed, nil
}

// PlanDestroy observes the engines and plans the removal of the named
// tenants (their volumes too with deleteData), after checking that this
// project's key made them. Like Plan, it returns the plan of the hosts that
// answered with a *HostsError when some did not.
func (w *Workspace) PlanDestroy(ctx context.Context, tenants []string, deleteData bool) (*plan.Plan, error) {
	observed, err := w.Observe(ctx)
	partial := err
	if err != nil && !IsPartial(err) {
		return nil, err
	}
	if err := w.checkKeys(ctx, observed, scope(tenants)); err != nil {
		return nil, err
	}
	w.mu.Lock()
	w.lastObserved = observed
	w.mu.Unlock()
	p, err := plan.Destroy(w.Project.Name, observed, tenants, deleteData)
	if err != nil {
		return nil, err
	}
	return p, partial
}

// scope is the tenants a command works on: the named ones, or all.
func scope(tenants []string) func(string) bool {
	if len(tenants) == 0 {
		return func(string) bool { return true }
	}
	return func(t string) bool { return slices.Contains(tenants, t) }
}

// hostPorts adds to the observation of each of hosts the ports published
// by every container on it, hosts in parallel: one list call per host.
func (w *Workspace) hostPorts(ctx context.Context, observed map[string]*resource.Observed, hosts []string) error {
	engines, err := w.Engines()
	if err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	for _, host := range hosts {
		obs := observed[host]
		g.Go(func() error {
			ports, err := engines[host].HostPorts(ctx)
			if err != nil {
				return fmt.Errorf("host %s: %w", host, err)
			}
			obs.UsedPorts = slices.Compact(slices.Sorted(slices.Values(append(obs.UsedPorts, ports...))))
			obs.AllPorts = true
			return nil
		})
	}
	return g.Wait()
}

// inspect fills in the config of every observed container, a few at a time.
func (w *Workspace) inspect(ctx context.Context, observed map[string]*resource.Observed) error {
	engines, err := w.Engines()
	if err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for host, obs := range observed {
		for i := range obs.Containers {
			c := &obs.Containers[i]
			g.Go(func() error {
				st, err := engines[host].ContainerState(ctx, c.ID)
				if err != nil {
					return fmt.Errorf("host %s: %w", host, err)
				}
				c.Config = st.Config
				return nil
			})
		}
	}
	return g.Wait()
}

// CheckImages makes sure every image the plan creates a container from is
// on its host, so a missing image fails before any change is made. Where
// EnsureImages put an image on an SSH host, the host's reference must
// still name the image ID EnsureImages gave it: a tag moved since then
// is an error, never a container of another image.
func (w *Workspace) CheckImages(ctx context.Context, p *plan.Plan) error {
	engines, err := w.Engines()
	if err != nil {
		return err
	}
	w.mu.Lock()
	ensured := make(map[string]string, len(w.ensured))
	for k, id := range w.ensured {
		ensured[k] = id
	}
	w.mu.Unlock()
	checked := map[string]bool{}
	var errs []error
	for _, t := range planImages(p) {
		ref := t.Image
		key := t.Host + "\x00" + ref
		if checked[key] {
			continue
		}
		checked[key] = true
		if want, ok := ensured[key]; ok {
			if err := checkImageID(ctx, engines[t.Host], ref, want); err != nil {
				errs = append(errs, fmt.Errorf("host %s: %w", t.Host, err))
			}
			continue
		}
		ok, err := engines[t.Host].ImageExists(ctx, ref)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("host %s: %w", t.Host, err))
		case !ok:
			errs = append(errs, fmt.Errorf("image %s is not on host %s (needed by %s) and there is no registry to pull from; build it first (for the example images and the edge proxy's: make images)", ref, t.Host, t.Owner))
		}
	}
	return errors.Join(errs...)
}

// checkImageID makes sure ref names the image want on the engine.
func checkImageID(ctx context.Context, e engine.Engine, ref, want string) error {
	to, ok := e.(engine.ImageTransfer)
	if !ok {
		return errors.New("the engine cannot inspect image IDs")
	}
	got, err := to.ImageID(ctx, ref)
	switch {
	case err != nil:
		return err
	case got != want:
		return fmt.Errorf("image %s changed on the host after tenantctl put %s there (it is now %q); something else retagged it: run apply again", ref, shortID(want), shortID(got))
	}
	return nil
}

// Calls is the number of engine API requests made so far, all hosts.
func (w *Workspace) Calls() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	var n int64
	for _, e := range w.engines {
		n += e.Calls()
	}
	return n
}

// Close closes the engines.
func (w *Workspace) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	var errs []error
	for _, e := range w.engines {
		errs = append(errs, e.Close())
	}
	w.engines = nil
	return errors.Join(errs...)
}
