package workspace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/moby/sys/atomicwriter"

	"github.com/tenantctl/tenantctl/provisioner/edge"
	"github.com/tenantctl/tenantctl/provisioner/engine"
	"github.com/tenantctl/tenantctl/provisioner/model"
	"github.com/tenantctl/tenantctl/provisioner/plan"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// observeRoutes asks the host's running edge proxy for its routes
// (`tenantctl-edge ctl list`, one exec) and records them in obs. A proxy
// that is not running or does not answer leaves them unknown: the plan
// then sets every route again, which is harmless.
func observeRoutes(ctx context.Context, e engine.Engine, project string, obs *resource.Observed) {
	var proxy *resource.Container
	for i, c := range obs.Edge.Containers {
		if c.Name == resource.EdgeName(project) && c.State == "running" {
			proxy = &obs.Edge.Containers[i]
		}
	}
	if proxy == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, engine.DefaultTimeouts.Call)
	defer cancel()
	res, err := e.Exec(ctx, proxy.ID, plan.EdgeCommandList())
	if err != nil || res.ExitCode != 0 {
		return
	}
	var list edge.RoutesResult
	if err := json.Unmarshal([]byte(res.Output), &list); err != nil {
		return
	}
	obs.Edge.Routes = make([]resource.Route, 0, len(list.Routes))
	for _, r := range list.Routes {
		hosts := slices.Clone(r.Hosts)
		slices.Sort(hosts)
		obs.Edge.Routes = append(obs.Edge.Routes, resource.Route{Tenant: r.Tenant, Hosts: hosts, Backend: r.Backend, Maintenance: r.Maintenance != nil})
	}
	obs.Edge.RoutesKnown = true
}

// edgeCAFile is the local CA's certificate in the proxy's volume (see
// certs.LocalCACertFile with the data directory /data).
const edgeCAFile = "/data/local-ca/ca.pem"

// EdgeCA copies the local CA certificate of the edge proxy on each host
// that runs one (tls = "local-ca") into .tenantctl/edge-ca-<host>.pem and
// returns the files' paths, sorted by host. Trust that file (curl
// --cacert, a browser's authorities) to open the tenants' https URLs.
func (w *Workspace) EdgeCA(ctx context.Context) ([]string, error) {
	e := w.Project.Edge
	if e == nil {
		return nil, errors.New("tenantctl.hcl has no edge block: there is no edge proxy, so no CA")
	}
	if e.TLS != model.TLSLocalCA {
		return nil, fmt.Errorf("the edge uses tls = %q: its certificates come from a public CA, not a local one; only tls = \"local-ca\" has a CA to print", e.TLS)
	}
	observed, err := w.Observe(ctx)
	if err != nil && !IsPartial(err) {
		return nil, err
	}
	engines, eerr := w.Engines()
	if eerr != nil {
		return nil, eerr
	}
	var paths []string
	for _, h := range sortedHosts(observed) {
		proxy := edgeProxy(observed[h], w.Project.Name)
		if proxy == nil {
			continue
		}
		pem, rerr := engines[h].ReadFile(ctx, proxy.ID, edgeCAFile)
		if rerr != nil {
			return nil, fmt.Errorf("host %s: the edge proxy has no local CA yet (%w); run apply, then try again", h, rerr)
		}
		dir := filepath.Join(w.Project.Dir, ".tenantctl")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		path := filepath.Join(dir, "edge-ca-"+h+".pem")
		if err := atomicwriter.WriteFile(path, pem, 0o644); err != nil {
			return nil, fmt.Errorf("writing the CA certificate: %w", err)
		}
		paths = append(paths, path)
	}
	if len(paths) == 0 {
		if err != nil {
			return nil, err
		}
		return nil, errors.New("no host runs the edge proxy yet: run `tenantctl apply` first")
	}
	return paths, err
}

// edgeProxy is the project's proxy container on a host, or nil.
func edgeProxy(obs *resource.Observed, project string) *resource.Container {
	for i, c := range obs.Edge.Containers {
		if c.Name == resource.EdgeName(project) {
			return &obs.Edge.Containers[i]
		}
	}
	return nil
}
