package plan

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/tenantctl/tenantctl/provisioner/edge"
	"github.com/tenantctl/tenantctl/provisioner/model"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// The edge proxy's container: its ports inside the container and its data
// directory, as the image (cmd/tenantctl-edge/Dockerfile) expects them.
const (
	edgeHTTPPort  = 8080
	edgeHTTPSPort = 8443
	edgeDataDir   = "/data"
	// EdgeService is the edge objects' name in plan operations.
	EdgeService = "edge"
)

// EdgeCommand is the proxy's command-line program inside its container.
const EdgeCommand = "/tenantctl-edge"

// EdgePlan is the plan of the project's edge proxy on one host. Apply
// runs Operations and the Disconnect and route Delete steps before the
// tenants, the rest after them.
type EdgePlan struct {
	Host string
	// New is set when the host has no edge objects yet.
	New bool
	// Container is the proxy's engine ID (or name) once it exists; "" when
	// it is created by this plan.
	Container string
	// Operations are the proxy's volume and container.
	Operations []Operation
	// Networks are the tenants' edge networks the proxy joins (Create)
	// or leaves (Delete).
	Networks []EdgeNetwork
	// Routes are the tenants' routes to set (Create, Update) or remove
	// (Delete); a no-op route is not listed.
	Routes []RouteOp
}

// EdgeNetwork is the proxy joining or leaving a tenant's edge network.
type EdgeNetwork struct {
	Action  Action
	Tenant  string
	Network string
}

// RouteOp sets or removes one tenant's route in the proxy.
type RouteOp struct {
	Action Action
	Tenant string
	// Hosts and Backend are the route set (not for Delete).
	Hosts   []string
	Backend string
	Causes  []string
}

// Changes reports whether the edge plan changes anything.
func (e *EdgePlan) Changes() bool {
	for _, op := range e.Operations {
		if op.Action != NoOp {
			return true
		}
	}
	return len(e.Networks) > 0 || len(e.Routes) > 0
}

// EdgeCommandSet is the proxy command that sets r's route.
func EdgeCommandSet(r RouteOp) []string {
	cmd := []string{EdgeCommand, "ctl", "set", r.Tenant, "--backend", r.Backend}
	for _, h := range r.Hosts {
		cmd = append(cmd, "--host", h)
	}
	return cmd
}

// EdgeCommandRemove is the proxy command that removes tenant's route.
func EdgeCommandRemove(tenant string) []string {
	return []string{EdgeCommand, "ctl", "remove", tenant}
}

// EdgeCommandList is the proxy command that lists the routes as JSON.
func EdgeCommandList() []string { return []string{EdgeCommand, "ctl", "list"} }

// edgeImage is the proxy's image.
func edgeImage() string { return edge.ImageRepository + ":" + edge.Version }

// edgeLabels are the labels of the proxy's objects.
func edgeLabels(project string) map[string]string {
	return map[string]string{resource.LabelProject: project, resource.LabelKind: string(resource.KindEdge)}
}

// edgeVolumeSpec is the proxy's volume: routes and certificates.
func edgeVolumeSpec(project string) resource.VolumeSpec {
	spec := resource.VolumeSpec{Name: resource.EdgeName(project), Volume: EdgeService, Labels: edgeLabels(project)}
	spec.Labels[resource.LabelRole] = EdgeService
	spec.Labels[resource.LabelSpecHash] = spec.Hash()
	return spec
}

// edgeNetworkSpec is the proxy's own network: it publishes the proxy's
// ports and carries its outbound traffic (ACME), so that the proxy is on
// no network shared with other containers (such as Docker's default
// bridge, which a host may not even have). Its subnet is the engine's
// choice; tenant subnets avoid it like any network on the host.
func edgeNetworkSpec(project string) resource.NetworkSpec {
	spec := resource.NetworkSpec{Name: resource.EdgeName(project), Role: EdgeService, Labels: edgeLabels(project)}
	spec.Labels[resource.LabelRole] = EdgeService
	spec.Labels[resource.LabelSpecHash] = spec.Hash()
	return spec
}

// edgeContainerSpec is the proxy's container, hardened like every other
// (the engine drops every capability, sets no-new-privileges, limits and
// restarts it unless stopped; the image runs it as user 65532), with a
// read-only root file system: it writes to its volume only. It is on its
// own network only when created: the plan's Networks join the tenants',
// so that a tenant coming or going never re-creates the proxy.
func edgeContainerSpec(p *model.Project) (resource.ContainerSpec, error) {
	e := p.Edge
	cmd := []string{"serve", "--data", edgeDataDir,
		"--http", ":" + strconv.Itoa(edgeHTTPPort), "--https", ":" + strconv.Itoa(edgeHTTPSPort),
		"--redirect-port", strconv.Itoa(e.HTTPSPort), "--hsts", e.HSTS.String()}
	switch e.TLS {
	case model.TLSLocalCA:
		cmd = append(cmd, "--tls", "local-ca", "--local-ca-name", p.Name, "--local-ca-domain", e.Domain)
	case model.TLSACME:
		if e.ACME.CAFile != "" {
			return resource.ContainerSpec{}, fmt.Errorf("edge: acme { ca_file } is not supported by apply yet (the file would have to be copied into the proxy's volume); leave it out")
		}
		cmd = append(cmd, "--tls", "acme")
		if e.ACME.Directory != "" {
			cmd = append(cmd, "--acme-directory", e.ACME.Directory)
		}
		if e.ACME.Email != "" {
			cmd = append(cmd, "--acme-email", e.ACME.Email)
		}
	default:
		return resource.ContainerSpec{}, fmt.Errorf("edge: tls = %q is not supported by apply yet (the certificate files would have to be copied into the proxy's volume); use \"local-ca\" or \"acme\"", e.TLS)
	}
	spec := resource.ContainerSpec{
		Name:    resource.EdgeName(p.Name),
		Service: EdgeService,
		Image:   edgeImage(),
		Command: cmd,
		Ports: []resource.PortBinding{
			{Name: "http", Container: edgeHTTPPort, Protocol: "tcp", HostIP: e.HostIP, HostPort: e.HTTPPort},
			{Name: "https", Container: edgeHTTPSPort, Protocol: "tcp", HostIP: e.HostIP, HostPort: e.HTTPSPort},
		},
		Mounts:   []resource.Mount{{Volume: resource.EdgeName(p.Name), Target: edgeDataDir}},
		Networks: []resource.Attachment{{Network: resource.EdgeName(p.Name)}},
		Health:   &resource.HealthCheck{Command: []string{EdgeCommand, "ctl", "ping"}, Interval: 2e9, Timeout: 3e9, Retries: 3},
		Memory:   128 << 20, NanoCPUs: 1e9, PidsLimit: 256,
		ReadOnlyRootfs: true,
	}
	spec.Labels = edgeLabels(p.Name)
	spec.Labels[resource.LabelService] = EdgeService
	spec.Labels[resource.LabelSpecHash] = spec.Hash()
	spec.Labels[resource.LabelFields] = resource.EncodeFields(spec.FieldHashes())
	return spec, nil
}

// edgeRoute is a tenant's desired route: its host names to its public
// service's container, by container name. The name is unique among the
// networks the proxy is on, where every tenant's service alias ("app")
// is not.
func edgeRoute(p *model.Project, t *model.Tenant) (RouteOp, bool) {
	svc, port, ok := t.PublicPort()
	if !ok {
		return RouteOp{}, false
	}
	hosts := slices.Clone(p.Edge.Hosts(t))
	sort.Strings(hosts)
	hosts = slices.Compact(hosts)
	backend := resource.Name(p.Name, t.Name, svc.Name) + ":" + strconv.Itoa(port.Container)
	return RouteOp{Tenant: t.Name, Hosts: hosts, Backend: backend}, true
}

// reconcileEdge plans the edge proxy of host h: its objects when the host
// has tenants (kept once made), the networks it joins and the routes of
// the selected tenants. tenantPlans are this plan's tenants.
func reconcileEdge(p *model.Project, h string, obs *resource.Observed, selected map[string]bool, tenantPlans []TenantPlan) (*EdgePlan, error) {
	ep := &EdgePlan{Host: h, New: len(obs.Edge.Containers) == 0 && len(obs.Edge.Volumes) == 0 && len(obs.Edge.Networks) == 0}
	var onHost []*model.Tenant
	if p.Edge != nil {
		for i := range p.Tenants {
			if p.Tenants[i].Host == h {
				onHost = append(onHost, &p.Tenants[i])
			}
		}
	}
	have := edgeContainer(obs, p.Name)
	if p.Edge == nil || len(onHost) == 0 {
		// No edge wanted: a proxy left from an edge block since removed
		// goes; its volume stays, like every volume.
		if p.Edge == nil && (have != nil || len(obs.Edge.Networks) > 0) {
			if have != nil {
				ep.Operations = append(ep.Operations, Operation{Action: Delete, ID: edgeID(resource.KindContainer), Existing: have.ID, Causes: []string{"no edge block in tenantctl.hcl"}})
			}
			for _, n := range obs.Edge.Networks {
				ep.Operations = append(ep.Operations, Operation{Action: Delete, ID: edgeID(resource.KindNetwork), Existing: n.ID, Causes: []string{"no edge block in tenantctl.hcl"}})
			}
			return ep, nil
		}
		return nil, nil
	}

	vol := edgeVolumeSpec(p.Name)
	volID := edgeID(resource.KindVolume)
	if len(obs.Edge.Volumes) > 0 {
		ep.Operations = append(ep.Operations, Operation{Action: NoOp, ID: volID, Existing: vol.Name})
	} else {
		ep.Operations = append(ep.Operations, Operation{Action: Create, ID: volID, Volume: &vol, Causes: []string{edgeCreateCause(ep.New)}})
	}
	net := edgeNetworkSpec(p.Name)
	netID := edgeID(resource.KindNetwork)
	if len(obs.Edge.Networks) > 0 {
		ep.Operations = append(ep.Operations, Operation{Action: NoOp, ID: netID, Existing: obs.Edge.Networks[0].ID})
	} else {
		ep.Operations = append(ep.Operations, Operation{Action: Create, ID: netID, Network: &net, Causes: []string{edgeCreateCause(ep.New)}})
	}
	spec, err := edgeContainerSpec(p)
	if err != nil {
		return nil, err
	}
	fresh := true // the container is made by this plan: it is on no network
	if have == nil {
		ep.Operations = append(ep.Operations, Operation{Action: Create, ID: edgeID(resource.KindContainer), Container: &spec, Causes: []string{edgeCreateCause(ep.New)}})
	} else {
		// The tenants' networks it is on are planned apart (Networks),
		// not drift.
		c := *have
		c.Networks = slices.DeleteFunc(slices.Clone(c.Networks), func(n string) bool { return n != resource.EdgeName(p.Name) })
		op := reconcileContainer("", &spec, nil, []resource.Container{c}, false, false, false)
		for i := range op {
			op[i].ID = edgeID(resource.KindContainer)
		}
		ep.Operations = append(ep.Operations, op...)
		last := op[len(op)-1]
		fresh = last.Action == Replace
		if !fresh {
			ep.Container = have.ID
		}
	}

	attached := map[string]bool{}
	if !fresh {
		for _, n := range have.Networks {
			attached[n] = true
		}
	}
	gone := map[string]bool{}       // tenants whose edge network this plan removes
	keptOrphan := map[string]bool{} // orphans left alone (no --prune): so is their route
	for _, tp := range tenantPlans {
		if tp.Host != h {
			continue
		}
		for _, op := range tp.Operations {
			if op.ID.Kind == resource.KindNetwork && op.ID.Name == resource.RoleEdge && (op.Action == Delete || op.Action == Replace) {
				gone[tp.Name] = true
			}
		}
		if tp.Orphan && !gone[tp.Name] {
			keptOrphan[tp.Name] = true
		}
	}
	// A proxy made with its volume has no routes; one whose volume
	// exists has those on the volume, which only it can tell.
	routesKnown := obs.Edge.RoutesKnown || (have == nil && len(obs.Edge.Volumes) == 0)
	wanted := map[string]bool{}
	routes := map[string]resource.Route{}
	for _, r := range obs.Edge.Routes {
		routes[r.Tenant] = r
	}
	for _, t := range onHost {
		want, ok := edgeRoute(p, t)
		if !ok {
			continue
		}
		network := resource.Name(p.Name, t.Name, resource.RoleEdge)
		wanted[network] = true
		// A tenant outside the selection is joined only to a fresh proxy,
		// and only if its network exists: this plan does not make it.
		joinable := selected[t.Name] || (fresh && networkExists(obs, network))
		if joinable && (!attached[network] || gone[t.Name]) {
			ep.Networks = append(ep.Networks, EdgeNetwork{Action: Create, Tenant: t.Name, Network: network})
		}
		if !selected[t.Name] {
			continue
		}
		if gone[t.Name] && attached[network] {
			// Leave the old network before the tenant's plan removes it.
			ep.Networks = append(ep.Networks, EdgeNetwork{Action: Delete, Tenant: t.Name, Network: network})
		}
		got, known := routes[t.Name]
		switch {
		case !routesKnown:
			want.Action, want.Causes = Update, []string{"routes not known: the proxy did not answer"}
		case !known:
			want.Action, want.Causes = Create, []string{"no route"}
		case got.Backend != want.Backend || !slices.Equal(got.Hosts, want.Hosts):
			want.Action, want.Causes = Update, []string{"route differs: " + strings.Join(got.Hosts, ",") + " → " + got.Backend}
		default:
			continue
		}
		ep.Routes = append(ep.Routes, want)
	}
	for _, r := range obs.Edge.Routes {
		if t := p.Tenant(r.Tenant); selected[r.Tenant] && !keptOrphan[r.Tenant] && (t == nil || t.Host != h || !wanted[resource.Name(p.Name, r.Tenant, resource.RoleEdge)]) {
			ep.Routes = append(ep.Routes, RouteOp{Action: Delete, Tenant: r.Tenant, Causes: []string{"tenant not served here"}})
		}
	}
	if !fresh {
		for _, n := range have.Networks {
			tenant, ok := edgeNetworkTenant(p.Name, n)
			if ok && selected[tenant] && !keptOrphan[tenant] && !wanted[n] {
				ep.Networks = append(ep.Networks, EdgeNetwork{Action: Delete, Tenant: tenant, Network: n})
			}
		}
	}
	return ep, nil
}

// networkExists reports whether the host has the network.
func networkExists(obs *resource.Observed, name string) bool {
	for _, n := range obs.Networks {
		if n.Name == name {
			return true
		}
	}
	return false
}

// edgeNetworkTenant returns the tenant of a tenant's edge network name.
func edgeNetworkTenant(project, network string) (string, bool) {
	rest, ok := strings.CutPrefix(network, project+"_")
	if !ok {
		return "", false
	}
	tenant, ok := strings.CutSuffix(rest, "_"+resource.RoleEdge)
	return tenant, ok && tenant != "" && !strings.Contains(tenant, "_")
}

// edgeContainer is the host's proxy container, or nil.
func edgeContainer(obs *resource.Observed, project string) *resource.Container {
	if len(obs.Edge.Containers) == 0 {
		return nil
	}
	c := pickContainer(obs.Edge.Containers, resource.EdgeName(project))
	return &c
}

// edgeID is the id of an edge object in a plan.
func edgeID(kind resource.Kind) resource.ID { return resource.ID{Kind: kind, Name: EdgeService} }

func edgeCreateCause(newEdge bool) string {
	if newEdge {
		return "new edge proxy"
	}
	return "missing on the engine"
}

// destroyEdge plans what destroying the named tenants asks of the proxy
// on host h: their routes removed and their edge networks left.
func destroyEdge(project, h string, obs *resource.Observed, tenants map[string]bool) *EdgePlan {
	have := edgeContainer(obs, project)
	if have == nil {
		return nil
	}
	ep := &EdgePlan{Host: h, Container: have.ID}
	for _, r := range obs.Edge.Routes {
		if tenants[r.Tenant] {
			ep.Routes = append(ep.Routes, RouteOp{Action: Delete, Tenant: r.Tenant, Causes: []string{"destroy"}})
		}
	}
	for _, n := range have.Networks {
		if t, ok := edgeNetworkTenant(project, n); ok && tenants[t] {
			ep.Networks = append(ep.Networks, EdgeNetwork{Action: Delete, Tenant: t, Network: n})
		}
	}
	if !obs.Edge.RoutesKnown {
		// Remove the routes blind: removing none is no error.
		for _, t := range sortedKeys(tenants) {
			ep.Routes = append(ep.Routes, RouteOp{Action: Delete, Tenant: t, Causes: []string{"destroy"}})
		}
	}
	if !ep.Changes() {
		return nil
	}
	return ep
}

// edgePorts is service s as the plan runs it: with an edge, its public
// port without a fixed host port is published on the loopback address
// only. Requests come through the proxy; the port stays for tenantctl's
// own readiness probe and checks, which reach an image without a shell
// (FROM scratch) that way only.
func edgePorts(p *model.Project, s model.Service) model.Service {
	if p.Edge == nil {
		return s
	}
	ports := slices.Clone(s.Ports)
	for i := range ports {
		if ports[i].Public && ports[i].Host == 0 && ports[i].HostIP == "0.0.0.0" {
			ports[i].HostIP = "127.0.0.1"
		}
	}
	s.Ports = ports
	return s
}
