package status

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/model"
	"github.com/tenantctl/tenantctl/provisioner/plan"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// Input is everything Compute needs, gathered beforehand: the same desired
// project, observation and plan as `tenantctl plan`, plus health facts.
type Input struct {
	Desired *model.Project
	// Observed is keyed by host name, as for plan.Reconcile.
	Observed map[string]*resource.Observed
	// Plan is plan.Reconcile(Desired, Observed, ...); its tenants are the
	// ones reported.
	Plan *plan.Plan
	// Probes are the results of the targets ProbeTargets returned, by
	// container ID. A target without a result counts as not answering.
	Probes map[string]Probe
	// Outputs are the last health-check outputs by container ID, when the
	// caller inspected the containers (the detail view); optional.
	Outputs map[string]string
	// Now is the time of the observation.
	Now time.Time
	// KeyID is the fingerprint of the master key in use, and
	// KeyMismatches the tenants whose key record names another one
	// (tenant → recorded fingerprint).
	KeyID         string
	KeyMismatches map[string]string
}

// Probe is the result of one HTTP health probe.
type Probe struct {
	OK bool
	// Detail is what answered ("GET /healthz: 200 OK") or the error.
	Detail string
}

// Target is an HTTP health probe the caller runs before Compute.
type Target struct {
	// Container is the engine ID of the probed container.
	Container string
	// Host is the tenant's host: the URL is on that machine's loopback.
	Host    string
	URL     string
	Timeout time.Duration
}

// maxProbeTimeout bounds one probe, so that status stays quick however
// patient a service's own health check is.
const maxProbeTimeout = 2 * time.Second

// ProbeTargets lists the HTTP health probes to run: one per running
// container of a defined tenant whose service has `health { http = ... }`.
func ProbeTargets(in Input) []Target {
	var targets []Target
	for _, tp := range in.Plan.Tenants {
		if tp.Orphan {
			continue
		}
		containers := byID(in.Observed[tp.Host])
		for _, op := range tp.Operations {
			if op.ID.Kind != resource.KindContainer || op.Action == plan.Delete || op.Container == nil || op.Container.Probe == nil {
				continue
			}
			c, ok := containers[op.Existing]
			if !ok || c.State != "running" {
				continue
			}
			p := op.Container.Probe
			timeout := p.Timeout
			if timeout <= 0 || timeout > maxProbeTimeout {
				timeout = maxProbeTimeout
			}
			targets = append(targets, Target{Container: c.ID, Host: tp.Host, URL: op.Container.ProbeURL(), Timeout: timeout})
		}
	}
	return targets
}

func byID(obs *resource.Observed) map[string]resource.Container {
	m := map[string]resource.Container{}
	if obs == nil {
		return m
	}
	for _, c := range obs.Containers {
		m[c.ID] = c
	}
	return m
}

// Compute returns the status of every tenant in the plan, sorted by name.
// It does no I/O.
func Compute(in Input) *Report {
	r := &Report{FormatVersion: FormatVersion, Project: in.Plan.Project, Time: in.Now.UTC()}
	for _, tp := range in.Plan.Tenants {
		obs := tenantObjects(in.Observed[tp.Host], tp.Name)
		var ts TenantStatus
		if t := in.Desired.Tenant(tp.Name); t != nil && !tp.Orphan {
			ts = definedTenant(in, t, tp, obs)
		} else {
			ts = orphanTenant(in, tp, obs)
		}
		finish(&ts, obs, in.Now)
		if t := in.Desired.Tenant(tp.Name); t != nil && !tp.Orphan && ts.Deployed && in.Desired.Edge != nil {
			if _, _, public := t.PublicPort(); public {
				// Served by the edge proxy: its https name is the URL.
				ts.URL = in.Desired.Edge.URL(t)
			}
		}
		if id, ok := in.KeyMismatches[tp.Name]; ok {
			ts.State = KeyMismatch
			ts.Reasons = append([]string{fmt.Sprintf("made with master key %s, but this project's key is %s: its secrets are not this key's; restore the key that made it (`tenantctl key id` prints the key in use)", id, in.KeyID)}, ts.Reasons...)
		}
		r.Tenants = append(r.Tenants, ts)
	}
	sort.SliceStable(r.Tenants, func(i, j int) bool { return r.Tenants[i].Name < r.Tenants[j].Name })
	r.Counts = CountStates(r.Tenants)
	r.Edges = edges(in)
	return r
}

// objects is one tenant's share of a host's observation.
type objects struct {
	containers []resource.Container
	networks   int
	volumes    int
}

// tenantObjects is a tenant's share of obs. A pending replacement (left by
// an interrupted apply) is not one of its containers: it never served, and
// the next apply removes it; the plan's deletion of it is a reason.
func tenantObjects(obs *resource.Observed, tenant string) objects {
	var o objects
	if obs == nil {
		return o
	}
	for _, c := range obs.Containers {
		if c.Labels[resource.LabelTenant] == tenant && !c.Pending() {
			o.containers = append(o.containers, c)
		}
	}
	for _, n := range obs.Networks {
		if n.Labels[resource.LabelTenant] == tenant {
			o.networks++
		}
	}
	for _, v := range obs.Volumes {
		if v.Labels[resource.LabelTenant] == tenant {
			o.volumes++
		}
	}
	return o
}

// definedTenant is the status of a tenant with a definition.
func definedTenant(in Input, t *model.Tenant, tp plan.TenantPlan, obs objects) TenantStatus {
	ts := TenantStatus{Name: t.Name, Host: tp.Host, Labels: copyLabels(t.Labels), Protected: t.Protect, Defined: true, Deployed: len(obs.containers) > 0 || obs.networks > 0}
	containers := map[string]resource.Container{}
	for _, c := range obs.containers {
		containers[c.ID] = c
	}
	for _, s := range t.Services {
		op := containerOp(tp, s.Name)
		ss := ServiceStatus{Name: s.Name, Image: s.Image, State: "missing", Health: Down, Check: checkKind(s.Health)}
		if op != nil && op.Container != nil {
			ss.Ports = ports(op.Container.Ports, ts.Deployed, in.Desired.Host(tp.Host))
		}
		if c, ok := containers[existing(op)]; ok {
			ss.Container, ss.Image, ss.State = c.Name, c.Image, c.State
			created := c.Created
			ss.Created = &created
			ss.Health, ss.HealthOutput = serviceHealth(in, s, c)
		}
		ts.Services = append(ts.Services, ss)
	}
	ts.State, ts.Reasons = definedState(ts, tp)
	return ts
}

// containerOp is the plan's operation on a service's container (not the
// removal of a duplicate), or nil.
func containerOp(tp plan.TenantPlan, service string) *plan.Operation {
	for i := range tp.Operations {
		op := &tp.Operations[i]
		if op.ID.Kind == resource.KindContainer && op.ID.Name == service && op.Action != plan.Delete {
			return op
		}
	}
	return nil
}

func existing(op *plan.Operation) string {
	if op == nil || op.Action == plan.Create {
		return ""
	}
	return op.Existing
}

func checkKind(h *model.Health) string {
	switch {
	case h == nil:
		return NoCheck
	case len(h.Command) > 0:
		return "command"
	case h.HTTP != "":
		return "http"
	}
	return NoCheck
}

// serviceHealth judges one service's container and returns the last
// check output known.
func serviceHealth(in Input, s model.Service, c resource.Container) (string, string) {
	output := in.Outputs[c.ID]
	switch c.State {
	case "running":
	case "created":
		return Starting, output
	default:
		return Down, output
	}
	switch checkKind(s.Health) {
	case "command":
		switch c.Health {
		case Healthy, Unhealthy, Starting:
			return c.Health, output
		}
		return Starting, output
	case "http":
		p, ok := in.Probes[c.ID]
		if !ok {
			p = Probe{Detail: "not probed"}
		}
		if p.OK {
			return Healthy, p.Detail
		}
		// A new container gets the time its health check allows before
		// it counts as unhealthy, as apply waits that long for it.
		h := s.Health
		if in.Now.Sub(c.Created) < h.StartPeriod+time.Duration(max(h.Retries, 1))*max(h.Interval, time.Second) {
			return Starting, p.Detail
		}
		return Unhealthy, p.Detail
	}
	return NoCheck, output
}

// definedState decides a defined tenant's state from its services and its
// plan, with the reasons.
func definedState(ts TenantStatus, tp plan.TenantPlan) (State, []string) {
	if !ts.Deployed {
		return Missing, []string{"defined in tenants/ but not deployed: run tenantctl apply"}
	}
	var reasons []string
	var running, starting, bad, missing int
	for _, s := range ts.Services {
		switch s.Health {
		case Healthy, NoCheck:
			running++
		case Starting:
			starting++
			reasons = append(reasons, s.Name+": starting")
		case Unhealthy:
			running++
			bad++
			reasons = append(reasons, s.Name+": unhealthy"+detail(s.HealthOutput))
		case Down:
			if s.State == "missing" {
				missing++
			} else {
				bad++
			}
			reasons = append(reasons, s.Name+": "+downReason(s.State))
		}
	}
	state := Running
	switch {
	case running == 0 && starting == 0:
		state = Stopped
	case bad > 0 || (missing > 0 && starting == 0):
		state = Degraded
	case starting > 0:
		// Services not created yet while others start are being provisioned.
		state = Provisioning
	}
	for _, op := range tp.Operations {
		if op.Action == plan.Create || op.Action == plan.Replace || op.Action == plan.Delete {
			if op.ID.Kind == resource.KindContainer && op.Action == plan.Create {
				continue // already told as "container missing"
			}
			if state == Running {
				state = Drifted
			}
			reasons = append(reasons, op.ID.String()+": "+strings.Join(op.Causes, "; "))
		}
	}
	return state, reasons
}

func downReason(state string) string {
	if state == "missing" {
		return "no container"
	}
	return "container " + state
}

func detail(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	return " (" + s + ")"
}

// orphanTenant is the status of a tenant found on an engine without a
// definition: what its containers show, no probes.
func orphanTenant(in Input, tp plan.TenantPlan, obs objects) TenantStatus {
	ts := TenantStatus{Name: tp.Name, Host: tp.Host, Labels: map[string]string{}, Deployed: true, State: Orphaned}
	sorted := append([]resource.Container(nil), obs.containers...)
	sort.SliceStable(sorted, func(i, j int) bool {
		return sorted[i].Labels[resource.LabelService] < sorted[j].Labels[resource.LabelService]
	})
	for _, c := range sorted {
		for k, v := range c.Labels {
			if strings.HasPrefix(k, resource.LabelUserPrefix) {
				ts.Labels[strings.TrimPrefix(k, resource.LabelUserPrefix)] = v
			}
		}
		created := c.Created
		ss := ServiceStatus{Name: c.Labels[resource.LabelService], Container: c.Name, Image: c.Image, State: c.State, Check: NoCheck, Created: &created, Ports: ports(c.Ports, true, in.Desired.Host(tp.Host)), HealthOutput: in.Outputs[c.ID]}
		switch {
		case c.State != "running":
			ss.Health = Down
		case c.Health != "":
			ss.Health, ss.Check = c.Health, "command"
		default:
			ss.Health = NoCheck
		}
		ts.Services = append(ts.Services, ss)
	}
	ts.Reasons = []string{"deployed but not defined in tenants/: restore its file, or remove it with apply --prune (volumes are kept)"}
	if len(obs.containers) == 0 && obs.networks == 0 {
		ts.Reasons = append(ts.Reasons, "only its data volumes remain")
	}
	return ts
}

// ports renders bindings; URLs, at the address the host is reached at,
// only for a deployed tenant.
func ports(bindings []resource.PortBinding, deployed bool, host *model.Host) []Port {
	out := []Port{}
	for _, b := range bindings {
		p := Port{Name: b.Name, Container: b.Container, Host: b.HostPort, Protocol: b.Protocol}
		if p.Protocol == "" {
			p.Protocol = "tcp"
		}
		if deployed && p.Protocol == "tcp" && b.HostPort != 0 {
			p.URL = host.URL(b.HostIP, b.HostPort)
		}
		out = append(out, p)
	}
	return out
}

// finish fills what every tenant has the same way: health summary,
// version, URL, times and age.
func finish(ts *TenantStatus, obs objects, now time.Time) {
	if ts.Reasons == nil {
		ts.Reasons = []string{}
	}
	if ts.Services == nil {
		ts.Services = []ServiceStatus{}
	}
	ts.Health = tenantHealth(ts)
	lead := -1
	for i, s := range ts.Services {
		if len(s.Ports) > 0 {
			lead = i
			break
		}
	}
	if lead < 0 && len(ts.Services) > 0 {
		lead = 0
	}
	if lead >= 0 {
		ts.Version = Version(ts.Services[lead].Image)
		for _, p := range ts.Services[lead].Ports {
			if p.URL != "" {
				ts.URL = p.URL
				break
			}
		}
	}
	for _, c := range obs.containers {
		created := c.Created
		if ts.Created == nil || created.Before(*ts.Created) {
			ts.Created = &created
		}
		if ts.Updated == nil || created.After(*ts.Updated) {
			ts.Updated = &created
		}
	}
	if ts.Created != nil {
		ts.AgeSeconds = int64(now.Sub(*ts.Created) / time.Second)
	}
}

func tenantHealth(ts *TenantStatus) string {
	if !ts.Deployed {
		return Unknown
	}
	health, down := Healthy, 0
	for _, s := range ts.Services {
		switch s.Health {
		case Unhealthy:
			health = Unhealthy
		case Down:
			down++
		case Starting:
			if health == Healthy {
				health = Starting
			}
		}
	}
	switch {
	case down == len(ts.Services):
		return Down
	case down > 0:
		return Unhealthy
	}
	return health
}

// Version is the tag of an image reference ("app:1.1.0" → "1.1.0"),
// "latest" without one, and a short ID for an untagged image.
func Version(image string) string {
	if id, ok := strings.CutPrefix(image, "sha256:"); ok {
		return id[:min(12, len(id))]
	}
	if i := strings.IndexByte(image, '@'); i >= 0 {
		image = image[:i]
	}
	if i := strings.LastIndexByte(image, ':'); i > strings.LastIndexByte(image, '/') {
		return image[i+1:]
	}
	if image == "" {
		return ""
	}
	return "latest"
}

func copyLabels(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
