package plan

import (
	"bytes"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/model"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

var update = flag.Bool("update", false, "rewrite golden files")

// project is a two-tenant project of the example shape.
func project() *model.Project {
	stack := func(version string) []model.Service {
		return []model.Service{
			{
				Name: "db", Image: "tenantctl-example/postgres:15", Internal: true,
				Env:     map[string]model.Value{"POSTGRES_PASSWORD": {Text: "s3cret-value", Sensitive: true}},
				Volumes: []model.Volume{{Name: "data", Target: "/var/lib/postgresql/data"}},
				Health:  &model.Health{Command: []string{"pg_isready", "-h", "127.0.0.1"}, Interval: time.Second, Timeout: time.Second, Retries: 10},
			},
			{
				Name: "app", Image: "tenantctl-example/app:" + version, DependsOn: []string{"db"},
				Env:    map[string]model.Value{"TENANT_NAME": {Text: "x"}},
				Ports:  []model.Port{{Name: "http", Container: 8080, HostIP: "0.0.0.0", Protocol: "tcp"}},
				Health: &model.Health{HTTP: "/healthz", Interval: time.Second, Timeout: time.Second, Retries: 10},
			},
		}
	}
	return &model.Project{
		Name: "demo", Hosts: []model.Host{{Name: "local"}},
		NetworkPool: netip.MustParsePrefix("10.210.0.0/16"), SubnetBits: 27,
		PortRange: model.PortRange{First: 20000, Last: 29999},
		Tenants: []model.Tenant{
			{Name: "acme", Host: "local", Labels: map[string]string{"tier": "gold"}, Services: stack("1.1.0")},
			{Name: "globex", Host: "local", Services: stack("1.0.0")},
		},
	}
}

// simulate turns a plan's creates (and container replaces) into the
// observed state an engine would then hold, as if apply had run.
func simulate(p *Plan, obs *resource.Observed) *resource.Observed {
	out := *obs
	for _, t := range p.Tenants {
		for _, op := range t.Operations {
			switch {
			case op.Action == Create && op.Network != nil:
				out.Networks = append(out.Networks, resource.Network{ID: "net-" + op.Network.Name, Name: op.Network.Name, Labels: op.Network.Labels, Internal: op.Network.Internal, Subnets: []netip.Prefix{op.Network.Subnet}})
				out.UsedSubnets = append(out.UsedSubnets, op.Network.Subnet)
			case op.Action == Create && op.Volume != nil:
				out.Volumes = append(out.Volumes, resource.Volume{Name: op.Volume.Name, Labels: op.Volume.Labels})
			case (op.Action == Create || op.Action == Replace) && op.Container != nil:
				if op.Action == Replace {
					out.Containers = slices.DeleteFunc(slices.Clone(out.Containers), func(c resource.Container) bool { return c.ID == op.Existing })
				}
				c := resource.Container{ID: "id-" + op.Container.Name, Name: op.Container.Name, Image: op.Container.Image, Labels: op.Container.Labels, State: "running", Ports: op.Container.Ports}
				for _, a := range op.Container.Networks {
					c.Networks = append(c.Networks, a.Network)
				}
				for _, m := range op.Container.Mounts {
					c.Mounts = append(c.Mounts, m.Volume)
				}
				out.Containers = append(out.Containers, c)
				for _, b := range c.Ports {
					out.UsedPorts = append(out.UsedPorts, b.HostPort)
				}
			}
		}
	}
	return &out
}

func reconcile(t *testing.T, p *model.Project, obs *resource.Observed, opts Options) *Plan {
	t.Helper()
	pl, err := Reconcile(p, map[string]*resource.Observed{"local": obs}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return pl
}

func golden(t *testing.T, name string, p *Plan) {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteText(&buf, p, false); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if buf.String() != string(want) {
		t.Errorf("plan text differs from %s:\n--- got\n%s--- want\n%s", path, buf.String(), want)
	}
	if strings.Contains(buf.String(), "s3cret-value") {
		t.Fatal("plan text shows a secret")
	}
}

// base is an engine with only Docker's default bridge on it.
func base() *resource.Observed {
	return &resource.Observed{UsedSubnets: []netip.Prefix{netip.MustParsePrefix("172.17.0.0/16")}, AllPorts: true}
}

func TestFreshPlanCreatesEverything(t *testing.T) {
	p := reconcile(t, project(), base(), Options{})
	golden(t, "fresh", p)
	if c := p.Counts(); c != (Counts{Create: 10}) {
		t.Fatalf("counts = %+v", c)
	}
}

func TestPlanAfterApplyIsEmpty(t *testing.T) {
	first := reconcile(t, project(), base(), Options{})
	second := reconcile(t, project(), simulate(first, base()), Options{})
	if second.HasChanges() {
		var buf bytes.Buffer
		WriteText(&buf, second, false)
		t.Fatalf("plan after apply has changes:\n%s", buf.String())
	}
	golden(t, "noop", second)
	if Digest(first) == Digest(second) {
		t.Fatal("different plans share a digest")
	}
}

func TestDriftRemovedStoppedAndVersionChange(t *testing.T) {
	obs := simulate(reconcile(t, project(), base(), Options{}), base())
	var kept []resource.Container
	for _, c := range obs.Containers {
		switch c.Name {
		case "demo_acme_app": // docker rm -f
			continue
		case "demo_globex_db": // docker stop
			c.State = "exited"
		}
		kept = append(kept, c)
	}
	obs.Containers = kept
	obs.UsedPorts = nil
	for _, c := range kept {
		for _, b := range c.Ports {
			obs.UsedPorts = append(obs.UsedPorts, b.HostPort)
		}
	}
	desired := project()
	desired.Tenants[1].Services[1].Image = "tenantctl-example/app:1.2.0"
	p := reconcile(t, desired, obs, Options{})
	golden(t, "drift", p)
	if c := p.Counts(); c != (Counts{Create: 1, Update: 1, Replace: 1}) {
		t.Fatalf("counts = %+v", c)
	}
	// The re-created app keeps its host port: the tenant's URL is stable.
	first := reconcile(t, project(), base(), Options{})
	if portOf(first, "acme", "app") != portOf(p, "acme", "app") {
		t.Fatalf("acme's port moved: %d → %d", portOf(first, "acme", "app"), portOf(p, "acme", "app"))
	}
}

func portOf(p *Plan, tenant, service string) int {
	for _, t := range p.Tenants {
		for _, op := range t.Operations {
			if t.Name == tenant && op.ID.Name == service && op.Container != nil {
				return op.Container.Ports[0].HostPort
			}
		}
	}
	return -1
}

func TestHandEditedLabelAndImage(t *testing.T) {
	obs := simulate(reconcile(t, project(), base(), Options{}), base())
	for i := range obs.Containers {
		c := &obs.Containers[i]
		labels := map[string]string{}
		for k, v := range c.Labels {
			labels[k] = v
		}
		c.Labels = labels
		if c.Name == "demo_acme_app" {
			c.Labels["tenantctl.label.tier"] = "free"
		}
		if c.Name == "demo_globex_app" {
			c.Image = "someone/else:latest"
		}
	}
	p := reconcile(t, project(), obs, Options{})
	golden(t, "hand-edited", p)
}

func TestOrphanLeftAloneUnlessPrune(t *testing.T) {
	obs := simulate(reconcile(t, project(), base(), Options{}), base())
	desired := project()
	desired.Tenants = desired.Tenants[:1] // globex's file was deleted
	p := reconcile(t, desired, obs, Options{})
	if p.HasChanges() || len(p.Notes) != 1 {
		t.Fatalf("orphan without prune: changes=%v notes=%v", p.HasChanges(), p.Notes)
	}
	pruned := reconcile(t, desired, obs, Options{Prune: true})
	golden(t, "prune", pruned)
	for _, tp := range pruned.Tenants {
		for _, op := range tp.Operations {
			if op.ID.Kind == resource.KindVolume && op.Action != NoOp {
				t.Fatalf("prune touches a volume: %+v", op)
			}
		}
	}
}

func TestDestroyKeepsVolumesUnlessAsked(t *testing.T) {
	obs := map[string]*resource.Observed{"local": simulate(reconcile(t, project(), base(), Options{}), base())}
	keep, err := Destroy("demo", obs, []string{"acme"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if c := keep.Counts(); c != (Counts{Delete: 4}) {
		t.Fatalf("destroy counts = %+v, want 2 containers + 2 networks", c)
	}
	all, err := Destroy("demo", obs, []string{"acme"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if c := all.Counts(); c != (Counts{Delete: 5}) {
		t.Fatalf("destroy --delete-data counts = %+v", c)
	}
	if _, err := Destroy("demo", obs, []string{"nobody"}, false); err == nil {
		t.Fatal("destroying an unknown tenant succeeded")
	}
}

func TestUnknownTenantSuggests(t *testing.T) {
	_, err := Reconcile(project(), map[string]*resource.Observed{"local": base()}, Options{Tenants: []string{"acmee"}})
	if err == nil || !strings.Contains(err.Error(), `did you mean "acme"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestSubnetsNeverOverlap(t *testing.T) {
	p := project()
	tmpl := p.Tenants[0]
	p.Tenants = nil
	for i := 0; i < 300; i++ {
		tn := tmpl
		tn.Name = "t" + strings.Repeat("x", i%3) + string(rune('a'+i%26)) + string(rune('a'+i/26))
		p.Tenants = append(p.Tenants, tn)
	}
	pl := reconcile(t, p, base(), Options{})
	var subnets []netip.Prefix
	ports := map[int]bool{}
	for _, tp := range pl.Tenants {
		for _, op := range tp.Operations {
			if op.Network != nil {
				subnets = append(subnets, op.Network.Subnet)
			}
			if op.Container != nil {
				for _, b := range op.Container.Ports {
					if ports[b.HostPort] {
						t.Fatalf("host port %d allocated twice", b.HostPort)
					}
					ports[b.HostPort] = true
				}
			}
		}
	}
	for i := range subnets {
		if !p.NetworkPool.Contains(subnets[i].Addr()) || subnets[i].Bits() != 27 {
			t.Fatalf("subnet %s outside the pool or of the wrong size", subnets[i])
		}
		for j := i + 1; j < len(subnets); j++ {
			if subnets[i].Overlaps(subnets[j]) {
				t.Fatalf("subnets %s and %s overlap", subnets[i], subnets[j])
			}
		}
	}
	if len(subnets) != 600 {
		t.Fatalf("%d subnets, want 600", len(subnets))
	}
}

func TestPoolExhaustedIsAnError(t *testing.T) {
	p := project()
	p.NetworkPool = netip.MustParsePrefix("10.0.0.0/26") // two /27s: one tenant
	if _, err := Reconcile(p, map[string]*resource.Observed{"local": base()}, Options{}); err == nil || !strings.Contains(err.Error(), "no free /27") {
		t.Fatalf("err = %v", err)
	}
}

func TestSavedPlanRoundTripAndTamper(t *testing.T) {
	p := reconcile(t, project(), base(), Options{})
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := Save(path, p, Options{}); err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(path)
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("plan file mode %#o", info.Mode().Perm())
	}
	saved, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Digest != Digest(p) {
		t.Fatal("digest changed on the round trip")
	}
	b, _ := os.ReadFile(path)
	if bytes.Contains(b, []byte("s3cret-value")) {
		t.Fatal("plan file holds a secret")
	}
	tampered := bytes.Replace(b, []byte(`"prune": false`), []byte(`"prune": true`), 1)
	if _, err := Parse("x", tampered); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Fatalf("tampered plan: err = %v", err)
	}
	if _, err := Parse("x", b[:len(b)/2]); err == nil {
		t.Fatal("truncated plan accepted")
	}
}

func TestInspectedConfigDrift(t *testing.T) {
	obs := simulate(reconcile(t, project(), base(), Options{}), base())
	for i := range obs.Containers {
		c := &obs.Containers[i]
		c.Config = &resource.ContainerConfig{Env: map[string]string{"PATH": "/bin"}}
		if c.Name == "demo_acme_db" {
			c.Config.Env["POSTGRES_PASSWORD"] = "changed-by-hand"
		} else {
			for _, op := range reconcile(t, project(), base(), Options{}).Tenants {
				for _, o := range op.Operations {
					if o.Container != nil && o.Container.Name == c.Name {
						for _, e := range o.Container.Env {
							c.Config.Env[e.Name] = e.Value
						}
					}
				}
			}
		}
	}
	p := reconcile(t, project(), obs, Options{})
	golden(t, "inspected", p)
	if c := p.Counts(); c != (Counts{Replace: 1}) {
		t.Fatalf("counts = %+v, want only acme's db replaced", c)
	}
}
