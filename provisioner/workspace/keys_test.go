package workspace

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tenantctl/tenantctl/provisioner/engine"
	"github.com/tenantctl/tenantctl/provisioner/model"
	"github.com/tenantctl/tenantctl/provisioner/plan"
	"github.com/tenantctl/tenantctl/provisioner/resource"
	"github.com/tenantctl/tenantctl/provisioner/secret"
)

// keyEngine answers inspects with each container's environment and keeps
// the volumes created.
type keyEngine struct {
	engine.Engine
	env      map[string]map[string]string // container ID → env
	volumes  map[string]map[string]string // name → labels
	inspects int
}

func (e *keyEngine) ContainerState(_ context.Context, id string) (engine.State, error) {
	e.inspects++
	return engine.State{Status: "running", Config: &resource.ContainerConfig{Env: e.env[id]}}, nil
}

func (e *keyEngine) CreateVolume(_ context.Context, spec resource.VolumeSpec) (map[string]string, error) {
	if have, ok := e.volumes[spec.Name]; ok {
		return have, nil
	}
	e.volumes[spec.Name] = spec.Labels
	return spec.Labels, nil
}

func testKey(t *testing.T, text string) *secret.Key {
	t.Helper()
	k, err := secret.Load(t.TempDir(), func(string) string { return strings.Repeat(text, 32) })
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// keyProject is one tenant "acme" whose service "db" has a secret.
func keyProject(k *secret.Key) *model.Project {
	return &model.Project{Name: "p", Hosts: []model.Host{{Name: "local"}}, Tenants: []model.Tenant{{Name: "acme", Host: "local", Services: []model.Service{{
		Name: "db", Env: map[string]model.Value{"PW": {Text: k.Derive("acme", "pw"), Sensitive: true}, "MODE": {Text: "x"}},
	}}}}}
}

func acmeContainer() resource.Container {
	return resource.Container{ID: "c1", Labels: map[string]string{resource.LabelTenant: "acme", resource.LabelService: "db"}}
}

func keyWorkspace(k *secret.Key, e *keyEngine) *Workspace {
	w := fakeWorkspace(keyProject(k), e)
	w.Key = k
	return w
}

func TestCheckKeysJudgesRecords(t *testing.T) {
	ours, theirs := testKey(t, "a"), testKey(t, "b")
	e := &keyEngine{}
	w := keyWorkspace(ours, e)
	obs := map[string]*resource.Observed{"local": {
		Containers: []resource.Container{acmeContainer()},
		Keys:       []resource.Volume{{Name: "p_acme_key", Labels: map[string]string{resource.LabelTenant: "acme", resource.LabelKeyID: theirs.ID()}}},
	}}
	err := w.checkKeys(context.Background(), obs, scope(nil))
	var km *KeyMismatchError
	if !errors.As(err, &km) || !errors.Is(err, ErrKeyMismatch) || km.Ours != ours.ID() || len(km.Tenants) != 1 || km.Tenants[0].Recorded != theirs.ID() {
		t.Fatalf("checkKeys = %v", err)
	}
	if !strings.Contains(err.Error(), theirs.ID()) || !strings.Contains(err.Error(), ours.ID()) || e.inspects != 0 {
		t.Errorf("error %q, %d inspects", err, e.inspects)
	}
	if err := w.checkKeys(context.Background(), obs, scope([]string{"other"})); err != nil {
		t.Errorf("a tenant out of scope was judged: %v", err)
	}
	if got := KeyMismatches(ours, obs); len(got) != 1 || got[0].Tenant != "acme" {
		t.Errorf("KeyMismatches = %v", got)
	}
	if got := KeyMismatches(theirs, obs); len(got) != 0 {
		t.Errorf("KeyMismatches with the recorded key = %v", got)
	}
}

func TestCheckKeysJudgesUnrecordedTenantsBySecrets(t *testing.T) {
	ours, theirs := testKey(t, "a"), testKey(t, "b")
	obs := map[string]*resource.Observed{"local": {Containers: []resource.Container{acmeContainer()}}}
	for _, tc := range []struct {
		name  string
		env   map[string]string
		wrong bool
	}{
		{"same key", map[string]string{"PW": ours.Derive("acme", "pw"), "MODE": "y"}, false},
		{"another key", map[string]string{"PW": theirs.Derive("acme", "pw"), "MODE": "x"}, true},
		{"no secret in the container", map[string]string{"MODE": "x"}, false},
	} {
		e := &keyEngine{env: map[string]map[string]string{"c1": tc.env}}
		err := keyWorkspace(ours, e).checkKeys(context.Background(), obs, scope(nil))
		if (err != nil) != tc.wrong || e.inspects != 1 {
			t.Errorf("%s: checkKeys = %v after %d inspects", tc.name, err, e.inspects)
		}
		var km *KeyMismatchError
		if tc.wrong && (!errors.As(err, &km) || km.Tenants[0].Recorded != "") {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestRecordKeysIsATestAndSet(t *testing.T) {
	ours, theirs := testKey(t, "a"), testKey(t, "b")
	p := &plan.Plan{Tenants: []plan.TenantPlan{{Name: "acme", Host: "local"}}}
	e := &keyEngine{volumes: map[string]map[string]string{}}
	if err := keyWorkspace(ours, e).recordKeys(context.Background(), p, nil); err != nil {
		t.Fatal(err)
	}
	if got := e.volumes["p_acme_key"]; got[resource.LabelKeyID] != ours.ID() || got[resource.LabelKind] != string(resource.KindKey) {
		t.Fatalf("record labels %v", got)
	}
	// Another key finds the record, not overwriting it.
	err := keyWorkspace(theirs, e).recordKeys(context.Background(), p, nil)
	if !errors.Is(err, ErrKeyMismatch) || e.volumes["p_acme_key"][resource.LabelKeyID] != ours.ID() {
		t.Fatalf("recordKeys with another key = %v, record %v", err, e.volumes["p_acme_key"])
	}
}
