package plan

import (
	"fmt"
	"sort"
	"strings"

	"github.com/agext/levenshtein"

	"github.com/tenantctl/tenantctl/provisioner/model"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// Options select what a plan covers.
type Options struct {
	// Tenants limits the plan to these tenants; empty means all.
	Tenants []string
	// Prune deletes the containers and networks of orphaned tenants.
	Prune bool
	// ReadOnly is for a plan that is only looked at, never applied
	// (status): host ports are chosen from the ports observed even where
	// not every port on the host is known, instead of failing with a
	// *HostPortsError, so a port not yet bound may differ from the one
	// apply will choose.
	ReadOnly bool
}

// Reconcile compares the desired project with what each host's engine
// holds (observed, keyed by host name) and returns the plan that converges
// them. It does no I/O and is deterministic. Choosing a host port needs
// every port in use on the host (see HostPortsError and Options.ReadOnly).
func Reconcile(desired *model.Project, observed map[string]*resource.Observed, opts Options) (*Plan, error) {
	selected, err := selection(desired, observed, opts.Tenants)
	if err != nil {
		return nil, err
	}
	plan := &Plan{Project: desired.Name}

	hosts := make([]string, 0, len(observed))
	for h := range observed {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	allocs := map[string]*allocator{}
	indexes := map[string]map[string]*observedTenant{}
	for _, h := range hosts {
		obs := observed[h]
		allocs[h] = hostAllocator(desired, h, obs, opts.ReadOnly)
		indexes[h] = indexObserved(obs)
	}

	for i := range desired.Tenants {
		t := &desired.Tenants[i]
		if !selected[t.Name] {
			continue
		}
		idx, ok := indexes[t.Host]
		if !ok {
			return nil, fmt.Errorf("tenant %s: host %q was not observed", t.Name, t.Host)
		}
		obs := idx[t.Name]
		if obs == nil {
			obs = &observedTenant{}
		}
		d, err := desire(desired, t, obs, allocs[t.Host])
		if err != nil {
			return nil, fmt.Errorf("tenant %s: %w", t.Name, err)
		}
		plan.Tenants = append(plan.Tenants, reconcileTenant(t.Name, t.Host, d, obs))
	}
	var unsure []string
	for _, h := range hosts {
		if allocs[h].unsure {
			unsure = append(unsure, h)
		}
	}
	if len(unsure) > 0 {
		return nil, &HostPortsError{Hosts: unsure}
	}

	for _, h := range hosts {
		for _, name := range observed[h].TenantNames() {
			if desired.Tenant(name) != nil || !selected[name] {
				continue
			}
			plan.Tenants = append(plan.Tenants, orphanPlan(name, h, indexes[h][name], opts.Prune))
			if !opts.Prune {
				plan.Notes = append(plan.Notes, fmt.Sprintf("tenant %s on host %s has no definition in tenants/ (orphaned); it is left alone. `apply --prune` removes its containers and networks; volumes are always kept.", name, h))
			}
		}
	}
	sort.SliceStable(plan.Tenants, func(i, j int) bool { return plan.Tenants[i].Name < plan.Tenants[j].Name })
	for _, h := range hosts {
		ep, err := reconcileEdge(desired, h, observed[h], selected, plan.Tenants)
		if err != nil {
			return nil, err
		}
		if ep != nil {
			plan.Edges = append(plan.Edges, *ep)
		}
	}
	return plan, nil
}

// selection returns the tenants the plan covers, refusing unknown names.
func selection(desired *model.Project, observed map[string]*resource.Observed, names []string) (map[string]bool, error) {
	known := map[string]bool{}
	for _, t := range desired.Tenants {
		known[t.Name] = true
	}
	for _, obs := range observed {
		for _, n := range obs.TenantNames() {
			known[n] = true
		}
	}
	if len(names) == 0 {
		return known, nil
	}
	selected := map[string]bool{}
	for _, n := range names {
		if !known[n] {
			all := make([]string, 0, len(known))
			for k := range known {
				all = append(all, k)
			}
			sort.Strings(all)
			return nil, errUnknownTenant(n, all)
		}
		selected[n] = true
	}
	return selected, nil
}

// reconcileTenant plans one defined tenant.
func reconcileTenant(name, host string, d *desiredTenant, obs *observedTenant) TenantPlan {
	tp := TenantPlan{Name: name, Host: host, New: obs.empty()}
	var removals []Operation

	replacedNetwork := false
	for i := range d.networks {
		spec := &d.networks[i]
		have, ok := obs.networks[spec.Role]
		id := resource.ID{Kind: resource.KindNetwork, Tenant: name, Name: spec.Role}
		switch {
		case !ok:
			tp.Operations = append(tp.Operations, Operation{Action: Create, ID: id, Network: spec, Causes: []string{createCause(tp.New)}})
		case have.Internal != spec.Internal || have.Labels[resource.LabelSpecHash] != spec.Labels[resource.LabelSpecHash]:
			replacedNetwork = true
			tp.Operations = append(tp.Operations, Operation{Action: Replace, ID: id, Network: spec, Existing: have.ID, Causes: []string{networkCause(have, spec)}})
		default:
			tp.Operations = append(tp.Operations, Operation{Action: NoOp, ID: id, Existing: have.ID})
		}
	}
	// Networks no longer wanted (e.g. the edge network when every service
	// became internal) go after the containers that used them.
	for role, have := range obs.networks {
		if !wantsNetwork(d, role) {
			removals = append(removals, Operation{Action: Delete, ID: resource.ID{Kind: resource.KindNetwork, Tenant: name, Name: role}, Existing: have.ID, Causes: []string{"no longer needed by any service"}})
		}
	}

	wantedVolumes := map[string]bool{}
	for i := range d.volumes {
		spec := &d.volumes[i]
		wantedVolumes[spec.Volume] = true
		id := resource.ID{Kind: resource.KindVolume, Tenant: name, Name: spec.Volume}
		if _, ok := obs.volumes[spec.Volume]; ok {
			tp.Operations = append(tp.Operations, Operation{Action: NoOp, ID: id, Existing: spec.Name})
		} else {
			tp.Operations = append(tp.Operations, Operation{Action: Create, ID: id, Volume: spec, Causes: []string{createCause(tp.New)}})
		}
	}
	for _, vid := range sortedKeys(obs.volumes) {
		if !wantedVolumes[vid] {
			tp.Operations = append(tp.Operations, Operation{Action: NoOp, ID: resource.ID{Kind: resource.KindVolume, Tenant: name, Name: vid}, Existing: obs.volumes[vid].Name, Causes: []string{"no longer in the template; kept: apply never deletes data"}})
		}
	}

	wantedServices := map[string]bool{}
	for i := range d.containers {
		spec := &d.containers[i]
		wantedServices[spec.Service] = true
		tp.Operations = append(tp.Operations, reconcileContainer(name, spec, d.dependsOn[spec.Service], obs.containers[spec.Service], len(obs.pending[spec.Service]) > 0, replacedNetwork, tp.New)...)
	}
	for _, svc := range sortedKeys(obs.containers) {
		if wantedServices[svc] {
			continue
		}
		for _, c := range obs.containers[svc] {
			removals = append([]Operation{{Action: Delete, ID: resource.ID{Kind: resource.KindContainer, Tenant: name, Name: svc}, Existing: c.ID, Causes: []string{"service no longer in the template"}}}, removals...)
		}
	}
	removals = append(leftoverRemovals(name, obs.pending), removals...)
	sortRemovals(removals)
	tp.Operations = append(tp.Operations, removals...)
	return tp
}

func wantsNetwork(d *desiredTenant, role string) bool {
	for _, n := range d.networks {
		if n.Role == role {
			return true
		}
	}
	return false
}

func createCause(newTenant bool) string {
	if newTenant {
		return "new tenant"
	}
	return "missing on the engine"
}

func networkCause(have resource.Network, spec *resource.NetworkSpec) string {
	if have.Internal != spec.Internal {
		return fmt.Sprintf("internal: %t → %t", have.Internal, spec.Internal)
	}
	return "network spec changed"
}

// leftoverRemovals removes the replacements an interrupted apply created
// but never switched in. They are removed rather than adopted: one was
// never started, so it holds nothing (data lives in named volumes), it may
// have been made from a spec that is no longer wanted, and planning from
// the containers under their final names alone keeps one rule — a
// service's container is the one with its name. Re-creating costs one
// engine call.
func leftoverRemovals(tenant string, pending map[string][]resource.Container) []Operation {
	var ops []Operation
	for _, svc := range sortedKeys(pending) {
		for _, c := range pending[svc] {
			ops = append(ops, Operation{Action: Delete, ID: resource.ID{Kind: resource.KindContainer, Tenant: tenant, Name: svc}, Existing: c.ID,
				Causes: []string{"replacement " + c.Name + " left by an interrupted apply"}})
		}
	}
	return ops
}

// reconcileContainer plans one service's container.
func reconcileContainer(tenant string, spec *resource.ContainerSpec, deps []string, have []resource.Container, leftover, networkReplaced, newTenant bool) []Operation {
	id := resource.ID{Kind: resource.KindContainer, Tenant: tenant, Name: spec.Service}
	if len(have) == 0 {
		cause := createCause(newTenant)
		switch {
		case leftover:
			cause = "container missing: an apply was interrupted while replacing it"
		case !newTenant:
			cause = "container missing (removed by hand?)"
		}
		return []Operation{{Action: Create, ID: id, Container: spec, DependsOn: deps, Causes: []string{cause}}}
	}
	// One container per service: extras (made by hand with our labels)
	// are removed.
	var ops []Operation
	keep := pickContainer(have, spec.Name)
	for _, c := range have {
		if c.ID != keep.ID {
			ops = append(ops, Operation{Action: Delete, ID: id, Existing: c.ID, Causes: []string{"duplicate container " + c.Name}})
		}
	}
	causes := containerDrift(spec, keep)
	if networkReplaced {
		causes = append(causes, "its network is replaced")
	}
	switch {
	case len(causes) > 0:
		ops = append(ops, Operation{Action: Replace, ID: id, Container: spec, DependsOn: deps, Existing: keep.ID, Causes: causes})
	case keep.State == "running" || keep.State == "restarting":
		ops = append(ops, Operation{Action: NoOp, ID: id, Container: spec, DependsOn: deps, Existing: keep.ID})
	case keep.State == "dead" || keep.State == "removing":
		ops = append(ops, Operation{Action: Replace, ID: id, Container: spec, DependsOn: deps, Existing: keep.ID, Causes: []string{"container is " + keep.State}})
	default: // created, exited, paused
		ops = append(ops, Operation{Action: Update, ID: id, Container: spec, DependsOn: deps, Existing: keep.ID, Causes: []string{"stopped (" + keep.State + "): start it"}})
	}
	return ops
}

// pickContainer prefers the container with the expected name.
func pickContainer(have []resource.Container, name string) resource.Container {
	for _, c := range have {
		if c.Name == name {
			return c
		}
	}
	return have[0]
}

// containerDrift lists why an existing container no longer matches spec:
// a changed definition (spec hash) or a change made by hand on the engine.
func containerDrift(spec *resource.ContainerSpec, have resource.Container) []string {
	var causes []string
	if have.Labels[resource.LabelSpecHash] != spec.Labels[resource.LabelSpecHash] {
		old := resource.DecodeFields(have.Labels[resource.LabelFields])
		now := resource.DecodeFields(spec.Labels[resource.LabelFields])
		for _, field := range sortedKeys(now) {
			if old[field] == now[field] {
				continue
			}
			if field == "image" && have.Image != spec.Image {
				causes = append(causes, fmt.Sprintf("image: %s → %s", have.Image, spec.Image))
			} else {
				causes = append(causes, field+" changed")
			}
		}
		if len(causes) == 0 {
			causes = append(causes, "spec changed")
		}
	} else if have.Image != spec.Image {
		causes = append(causes, fmt.Sprintf("image changed on the engine: %s, want %s", have.Image, spec.Image))
	}
	for _, k := range sortedKeys(spec.Labels) {
		// The ports label follows from the ports, which the spec hash
		// covers; containers made before it existed lack it, and are
		// not re-created for that.
		if k == resource.LabelSpecHash || k == resource.LabelFields || k == resource.LabelPorts {
			continue
		}
		if have.Labels[k] != spec.Labels[k] {
			causes = append(causes, fmt.Sprintf("label %s: %q → %q", k, have.Labels[k], spec.Labels[k]))
		}
	}
	for k := range have.Labels {
		if strings.HasPrefix(k, resource.LabelUserPrefix) && spec.Labels[k] == "" {
			causes = append(causes, fmt.Sprintf("label %s removed", k))
		}
	}
	if have.Labels[resource.LabelSpecHash] == spec.Labels[resource.LabelSpecHash] {
		causes = append(causes, engineDrift(spec, have)...)
	}
	return causes
}

// engineDrift finds hand-made changes the spec hash cannot see: published
// ports, networks and volumes that differ from what was created.
func engineDrift(spec *resource.ContainerSpec, have resource.Container) []string {
	var causes []string
	if have.State == "running" {
		want := map[int]bool{}
		for _, p := range spec.Ports {
			want[p.HostPort] = true
		}
		got := map[int]bool{}
		for _, p := range have.Ports {
			got[p.HostPort] = true
		}
		if !sameSet(want, got) {
			causes = append(causes, "published ports differ from the spec")
		}
	}
	want := map[string]bool{}
	for _, a := range spec.Networks {
		want[a.Network] = true
	}
	got := map[string]bool{}
	for _, n := range have.Networks {
		got[n] = true
	}
	if have.State == "running" && !sameSet(want, got) {
		causes = append(causes, "networks differ from the spec")
	}
	wantM := map[string]bool{}
	for _, m := range spec.Mounts {
		wantM[m.Volume] = true
	}
	gotM := map[string]bool{}
	for _, m := range have.Mounts {
		gotM[m] = true
	}
	if !sameSet(wantM, gotM) {
		causes = append(causes, "mounted volumes differ from the spec")
	}
	if have.Config != nil {
		causes = append(causes, configDrift(spec, have.Config)...)
	}
	return causes
}

// configDrift compares what only an inspect shows: environment, command
// and limits. It names changed variables, never their values.
func configDrift(spec *resource.ContainerSpec, have *resource.ContainerConfig) []string {
	var causes []string
	for _, e := range spec.Env {
		if got, ok := have.Env[e.Name]; !ok || got != e.Value {
			causes = append(causes, "env "+e.Name+" changed on the engine")
		}
	}
	if len(spec.Command) > 0 && strings.Join(spec.Command, "\x00") != strings.Join(have.Command, "\x00") {
		causes = append(causes, "command changed on the engine")
	}
	if spec.Memory != have.Memory || spec.NanoCPUs != have.NanoCPUs || spec.PidsLimit != have.PidsLimit {
		causes = append(causes, "resource limits changed on the engine")
	}
	return causes
}

func sameSet[K comparable](a, b map[K]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// orphanPlan plans a tenant that has resources but no definition: no-ops,
// or with prune the deletion of its containers and networks. Volumes are
// always kept.
func orphanPlan(name, host string, obs *observedTenant, prune bool) TenantPlan {
	tp := TenantPlan{Name: name, Host: host, Orphan: true}
	action, cause := NoOp, "orphaned: no definition in tenants/"
	if prune {
		action, cause = Delete, "orphaned: no definition in tenants/ (--prune)"
	}
	for _, svc := range sortedKeys(obs.containers) {
		for _, c := range obs.containers[svc] {
			tp.Operations = append(tp.Operations, Operation{Action: action, ID: resource.ID{Kind: resource.KindContainer, Tenant: name, Name: svc}, Existing: c.ID, Causes: []string{cause}})
		}
	}
	// Left-over replacements are removed whatever the rest: never wanted.
	tp.Operations = append(tp.Operations, leftoverRemovals(name, obs.pending)...)
	for _, role := range sortedKeys(obs.networks) {
		tp.Operations = append(tp.Operations, Operation{Action: action, ID: resource.ID{Kind: resource.KindNetwork, Tenant: name, Name: role}, Existing: obs.networks[role].ID, Causes: []string{cause}})
	}
	for _, vid := range sortedKeys(obs.volumes) {
		tp.Operations = append(tp.Operations, Operation{Action: NoOp, ID: resource.ID{Kind: resource.KindVolume, Tenant: name, Name: vid}, Existing: obs.volumes[vid].Name, Causes: []string{"kept: volumes are deleted only by destroy --delete-data"}})
	}
	return tp
}

// sortRemovals puts container deletions before network deletions.
func sortRemovals(ops []Operation) {
	rank := map[resource.Kind]int{resource.KindContainer: 0, resource.KindNetwork: 1, resource.KindVolume: 2}
	sort.SliceStable(ops, func(i, j int) bool {
		if rank[ops[i].ID.Kind] != rank[ops[j].ID.Kind] {
			return rank[ops[i].ID.Kind] < rank[ops[j].ID.Kind]
		}
		return ops[i].ID.Name < ops[j].ID.Name
	})
}

// suggest returns the known name closest to name, if it is close.
func suggest(name string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if d := levenshtein.Distance(name, k, nil); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
