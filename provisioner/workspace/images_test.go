package workspace

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/tenantctl/tenantctl/provisioner/engine"
	"github.com/tenantctl/tenantctl/provisioner/model"
	"github.com/tenantctl/tenantctl/provisioner/plan"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// fakeRemote is an SSH host's engine holding images by reference; only
// what EnsureImages and CheckImages use is implemented.
type fakeRemote struct {
	engine.Engine
	ids   map[string]string // reference or ID → ID
	pulls int
}

func (f *fakeRemote) Remote() bool { return true }
func (f *fakeRemote) ImageID(_ context.Context, ref string) (string, error) {
	return f.ids[ref], nil
}
func (f *fakeRemote) ImageExists(_ context.Context, ref string) (bool, error) {
	return f.ids[ref] != "", nil
}
func (f *fakeRemote) ImageTag(_ context.Context, id, ref string) error { f.ids[ref] = id; return nil }
func (f *fakeRemote) ImagePull(context.Context, string) error {
	f.pulls++
	return errors.New("no registry")
}
func (f *fakeRemote) ImageSave(context.Context, string) (io.ReadCloser, error) {
	return nil, errors.New("not here")
}
func (f *fakeRemote) ImageLoad(context.Context, io.Reader) error       { return errors.New("not here") }
func (f *fakeRemote) ImageSize(context.Context, string) (int64, error) { return 0, nil }
func (f *fakeRemote) Close() error                                     { return nil }

// imagePlan creates one container of image on each host.
func imagePlan(image string, hosts ...string) *plan.Plan {
	p := &plan.Plan{}
	for _, h := range hosts {
		p.Tenants = append(p.Tenants, plan.TenantPlan{Name: "t-" + h, Host: h, Operations: []plan.Operation{
			{Action: plan.Create, Container: &resource.ContainerSpec{Image: image}},
		}})
	}
	return p
}

// remoteWorkspace is a workspace whose hosts are the given fake engines.
func remoteWorkspace(engines map[string]engine.Engine) *Workspace {
	w := &Workspace{Project: &model.Project{}, engines: engines}
	for h := range engines {
		w.Project.Hosts = append(w.Project.Hosts, model.Host{Name: h, SSH: &model.SSH{}})
	}
	return w
}

// TestEnsureImagesLocalEngineFailsTwice: when the local engine cannot be
// opened, every host that needs a copy gets that error — the second one
// too (it once got a nil engine and panicked) — and the engine is
// opened once.
func TestEnsureImagesLocalEngineFailsTwice(t *testing.T) {
	a, b := &fakeRemote{ids: map[string]string{}}, &fakeRemote{ids: map[string]string{}}
	w := remoteWorkspace(map[string]engine.Engine{"a": a, "b": b})
	opened := 0
	w.openLocal = func() (engine.Engine, error) {
		opened++
		return nil, errors.New("cannot reach the local socket")
	}
	err := w.EnsureImages(context.Background(), imagePlan("app:1", "a", "b"), func(string) {})
	if err == nil {
		t.Fatal("EnsureImages succeeded without a local engine")
	}
	msg := err.Error()
	if !strings.Contains(msg, "host a:") || !strings.Contains(msg, "host b:") || strings.Count(msg, "cannot reach the local socket") != 2 {
		t.Errorf("want the local engine's error for both hosts, got:\n%v", err)
	}
	if opened != 1 {
		t.Errorf("the local engine was opened %d times, want 1", opened)
	}
	if a.pulls+b.pulls != 0 {
		t.Errorf("%d pulls of an unpinned image", a.pulls+b.pulls)
	}
}

// TestCheckImagesRequiresEnsuredID: once EnsureImages settled an SSH
// host's image, CheckImages accepts that ID under the tag and nothing
// else, even though the tag is still present.
func TestCheckImagesRequiresEnsuredID(t *testing.T) {
	local := &fakeRemote{ids: map[string]string{"app:1": "sha256:aaaa", "sha256:aaaa": "sha256:aaaa"}}
	peer := &fakeRemote{ids: map[string]string{"app:1": "sha256:aaaa"}}
	w := remoteWorkspace(map[string]engine.Engine{"peer": peer})
	w.openLocal = func() (engine.Engine, error) { return local, nil }
	p := imagePlan("app:1", "peer")
	ctx := context.Background()
	if err := w.EnsureImages(ctx, p, func(string) {}); err != nil {
		t.Fatal(err)
	}
	if err := w.CheckImages(ctx, p); err != nil {
		t.Fatalf("the ensured image: %v", err)
	}
	peer.ids["app:1"] = "sha256:bbbb" // retagged behind our back
	err := w.CheckImages(ctx, p)
	if err == nil || !strings.Contains(err.Error(), "run apply again") {
		t.Fatalf("a moved tag passed CheckImages: %v", err)
	}
}

func TestDigestPinned(t *testing.T) {
	for ref, want := range map[string]bool{
		"tenantctl-example/app:1.1.0":          false,
		"app":                                  false,
		"registry.example.com:5000/team/app:2": false,
		"app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef":   true,
		"app:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef": true,
		"app@sha256:short": false,
	} {
		if got := digestPinned(ref); got != want {
			t.Errorf("digestPinned(%q) = %v, want %v", ref, got, want)
		}
	}
}
