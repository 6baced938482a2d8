package status

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/model"
	"github.com/tenantctl/tenantctl/provisioner/plan"
	"github.com/tenantctl/tenantctl/provisioner/redact"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

func TestComputeStates(t *testing.T) {
	tests := []struct {
		name string
		// edit changes the desired project and the engine after deploy.
		edit    func(p *model.Project, obs *resource.Observed)
		failing map[string]bool // containers whose HTTP probe fails
		state   State
		health  string
		reason  string // a substring of one reason; "" means no reasons
	}{
		{name: "all up and healthy", edit: func(*model.Project, *resource.Observed) {}, state: Running, health: Healthy},
		{name: "app container stopped", edit: func(_ *model.Project, obs *resource.Observed) {
			container(obs, "acme", "app").State = "exited"
		}, state: Degraded, health: Unhealthy, reason: "app: container exited"},
		{name: "every container stopped", edit: func(_ *model.Project, obs *resource.Observed) {
			container(obs, "acme", "app").State = "exited"
			container(obs, "acme", "db").State = "exited"
		}, state: Stopped, health: Down, reason: "db: container exited"},
		{name: "app removed by hand", edit: func(_ *model.Project, obs *resource.Observed) {
			without(obs, "acme", "app")
		}, state: Degraded, health: Unhealthy, reason: "app: no container"},
		{name: "restarting", edit: func(_ *model.Project, obs *resource.Observed) {
			container(obs, "acme", "app").State = "restarting"
		}, state: Degraded, health: Unhealthy, reason: "app: container restarting"},
		{name: "database check failing", edit: func(_ *model.Project, obs *resource.Observed) {
			container(obs, "acme", "db").Health = Unhealthy
		}, state: Degraded, health: Unhealthy, reason: "db: unhealthy"},
		{name: "app probe failing on an old container", edit: func(*model.Project, *resource.Observed) {},
			failing: map[string]bool{"id-p_acme_app": true}, state: Degraded, health: Unhealthy, reason: "app: unhealthy (GET /healthz: 503"},
		{name: "app probe failing on a new container", edit: func(_ *model.Project, obs *resource.Observed) {
			container(obs, "acme", "app").Created = now.Add(-5 * time.Second)
		}, failing: map[string]bool{"id-p_acme_app": true}, state: Provisioning, health: Starting, reason: "app: starting"},
		{name: "database starting, app not created yet", edit: func(_ *model.Project, obs *resource.Observed) {
			container(obs, "acme", "db").Health = Starting
			without(obs, "acme", "app")
		}, state: Provisioning, health: Unhealthy, reason: "db: starting"},
		{name: "image changed by hand", edit: func(_ *model.Project, obs *resource.Observed) {
			container(obs, "acme", "app").Image = "tenantctl-example/app:1.0.0"
		}, state: Drifted, health: Healthy, reason: "container acme/app: image changed on the engine: tenantctl-example/app:1.0.0, want tenantctl-example/app:1.1.0"},
		{name: "label changed in the definition", edit: func(p *model.Project, _ *resource.Observed) {
			p.Tenants[0].Labels["tier"] = "platinum"
		}, state: Drifted, health: Healthy, reason: `"gold" → "platinum"`},
		{name: "upgrade defined, not applied", edit: func(p *model.Project, _ *resource.Observed) {
			p.Tenants[0].Services[1].Image = "tenantctl-example/app:1.2.0"
		}, state: Drifted, health: Healthy, reason: "image: tenantctl-example/app:1.1.0 → tenantctl-example/app:1.2.0"},
		{name: "drifted and down is degraded", edit: func(_ *model.Project, obs *resource.Observed) {
			container(obs, "acme", "app").Image = "tenantctl-example/app:1.0.0"
			container(obs, "acme", "app").State = "exited"
		}, state: Degraded, health: Unhealthy, reason: "image changed on the engine"},
		{name: "never applied", edit: func(_ *model.Project, obs *resource.Observed) {
			*obs = resource.Observed{}
		}, state: Missing, health: Unknown, reason: "not deployed"},
		{name: "destroyed, data kept", edit: func(_ *model.Project, obs *resource.Observed) {
			*obs = resource.Observed{Volumes: obs.Volumes}
		}, state: Missing, health: Unknown, reason: "not deployed"},
		{name: "definition deleted", edit: func(p *model.Project, _ *resource.Observed) {
			p.Tenants = nil
		}, state: Orphaned, health: Healthy, reason: "not defined in tenants/"},
		{name: "definition deleted, only data left", edit: func(p *model.Project, obs *resource.Observed) {
			p.Tenants = nil
			*obs = resource.Observed{Volumes: obs.Volumes}
		}, state: Orphaned, health: Down, reason: "only its data volumes remain"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := project(saas("acme", "1.1.0"))
			obs := deploy(t, p)
			tc.edit(p, obs)
			r := compute(t, p, obs, tc.failing)
			if len(r.Tenants) != 1 {
				t.Fatalf("want 1 tenant, got %+v", r.Tenants)
			}
			ts := r.Tenants[0]
			if ts.State != tc.state || ts.Health != tc.health {
				t.Errorf("state %s, health %s; want %s, %s (reasons %q)", ts.State, ts.Health, tc.state, tc.health, ts.Reasons)
			}
			if tc.reason == "" && len(ts.Reasons) > 0 {
				t.Errorf("unexpected reasons %q", ts.Reasons)
			}
			if tc.reason != "" && !strings.Contains(strings.Join(ts.Reasons, "\n"), tc.reason) {
				t.Errorf("reasons %q lack %q", ts.Reasons, tc.reason)
			}
			if r.Counts[tc.state] != 1 || len(r.Counts) != len(States) {
				t.Errorf("counts %v", r.Counts)
			}
		})
	}
}

func TestComputeFields(t *testing.T) {
	p := project(saas("acme", "1.1.0"), small("globex"), small("initech"))
	obs := deploy(t, p)
	container(obs, "globex", "web").Created = now.Add(-90 * time.Minute)
	p.Tenants = p.Tenants[:2] // initech's file is deleted: an orphan
	p.Tenants = append(p.Tenants, small("hooli"))
	r := compute(t, p, obs, nil)

	var names []string
	for _, ts := range r.Tenants {
		names = append(names, ts.Name+"="+string(ts.State))
	}
	if got := strings.Join(names, " "); got != "acme=running globex=running hooli=missing initech=orphaned" {
		t.Fatalf("tenants: %s", got)
	}
	acme := r.Find("acme")
	port := container(obs, "acme", "app").Ports[0].HostPort
	if acme.Version != "1.1.0" || acme.URL != "http://127.0.0.1:"+itoa(port)+"/" || acme.Labels["owner"] != "dana" || !acme.Defined || !acme.Deployed {
		t.Errorf("acme: %+v", acme)
	}
	if acme.AgeSeconds != 72*3600 || Age(acme) != "3d" || !acme.Created.Equal(created) {
		t.Errorf("acme age %d (%s), created %v", acme.AgeSeconds, Age(acme), acme.Created)
	}
	if len(acme.Services) != 2 || acme.Services[0].Name != "db" || acme.Services[0].Check != "command" || acme.Services[1].Check != "http" || acme.Services[1].HealthOutput != "GET /healthz: 200 OK" {
		t.Errorf("acme services: %+v", acme.Services)
	}
	if HealthSummary(acme) != "healthy 2/2" {
		t.Errorf("health summary %q", HealthSummary(acme))
	}
	if g := r.Find("globex"); Age(g) != "90m" || g.Version != "1.0.0" || g.Services[0].Health != NoCheck {
		t.Errorf("globex: age %s, %+v", Age(g), g)
	}
	if h := r.Find("hooli"); h.URL != "" || h.Created != nil || Age(h) != "-" || HealthSummary(h) != "-" || h.Version != "1.0.0" {
		t.Errorf("hooli (never applied): %+v", h)
	}
	if o := r.Find("initech"); o.Defined || o.Version != "1.0.0" || !strings.HasPrefix(o.URL, "http://127.0.0.1:") || len(o.Services) != 1 {
		t.Errorf("initech (orphan): %+v", o)
	}
	if r.Counts[Running] != 2 || r.Counts[Missing] != 1 || r.Counts[Orphaned] != 1 || r.Counts[Degraded] != 0 {
		t.Errorf("counts %v", r.Counts)
	}
}

func TestComputeSelection(t *testing.T) {
	p := project(saas("acme", "1.1.0"), small("globex"))
	obs := deploy(t, p)
	observed := map[string]*resource.Observed{"local": obs}
	pl, err := plan.Reconcile(p, observed, plan.Options{Tenants: []string{"globex"}, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	r := Compute(Input{Desired: p, Observed: observed, Plan: pl, Now: now})
	if len(r.Tenants) != 1 || r.Tenants[0].Name != "globex" {
		t.Fatalf("selection: %+v", r.Tenants)
	}
}

func TestProbeTargets(t *testing.T) {
	p := project(saas("acme", "1.1.0"), saas("globex", "1.0.0"), small("hooli"))
	obs := deploy(t, p)
	container(obs, "globex", "app").State = "exited"
	observed := map[string]*resource.Observed{"local": obs}
	pl, err := plan.Reconcile(p, observed, plan.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	targets := ProbeTargets(Input{Desired: p, Observed: observed, Plan: pl})
	want := "http://127.0.0.1:" + itoa(container(obs, "acme", "app").Ports[0].HostPort) + "/healthz"
	if len(targets) != 1 || targets[0].Container != "id-p_acme_app" || targets[0].Host != "local" || targets[0].URL != want || targets[0].Timeout != 2*time.Second {
		t.Fatalf("targets %+v, want one for acme's app at %s", targets, want)
	}
}

func TestNoSecretInReport(t *testing.T) {
	p := project(saas("acme", "1.1.0"))
	obs := deploy(t, p)
	r := compute(t, p, obs, nil)
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), testSecret) {
		t.Fatalf("the report carries a secret: %s", b)
	}
}

func TestVersion(t *testing.T) {
	for image, want := range map[string]string{
		"tenantctl-example/app:1.1.0":    "1.1.0",
		"registry:5000/app":              "latest",
		"registry:5000/app:2":            "2",
		"app@sha256:abcdef":              "latest",
		"app:3@sha256:abcdef":            "3",
		"sha256:0123456789abcdef0123456": "0123456789ab",
		"":                               "",
	} {
		if got := Version(image); got != want {
			t.Errorf("Version(%q) = %q, want %q", image, got, want)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestRedact(t *testing.T) {
	p := project(saas("acme", "1.1.0"))
	obs := deploy(t, p)
	container(obs, "acme", "db").Health = Unhealthy
	observed := map[string]*resource.Observed{"local": obs}
	pl, err := plan.Reconcile(p, observed, plan.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	r := Compute(Input{Desired: p, Observed: observed, Plan: pl, Now: now,
		Outputs: map[string]string{"id-p_acme_db": "connect with password " + testSecret + " failed"}})
	Redact(r, redact.New(testSecret))
	b, _ := json.Marshal(r)
	if strings.Contains(string(b), testSecret) || !strings.Contains(string(b), "password (sensitive) failed") {
		t.Fatalf("after Redact: %s", b)
	}
}
