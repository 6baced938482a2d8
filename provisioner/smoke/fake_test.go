package smoke

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tenantctl/tenantctl/provisioner/engine"
	"github.com/tenantctl/tenantctl/provisioner/model"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// fakeEngine keeps objects in memory. It embeds engine.Engine so that a
// method it lacks panics rather than passing silently.
type fakeEngine struct {
	engine.Engine
	mu         sync.Mutex
	networks   map[string]resource.NetworkSpec
	volumes    map[string]resource.VolumeSpec
	containers map[string]resource.ContainerSpec
	// subnetTaken makes that many network creations fail first.
	subnetTaken int
	// health is what ContainerState reports ("healthy" by default).
	health string
	// exec answers exec checks; nil answers "ok".
	exec func(ctx context.Context, spec resource.ContainerSpec) (engine.ExecResult, error)
	// created records every object made, with its labels.
	created []map[string]string
}

func newFake() *fakeEngine {
	return &fakeEngine{networks: map[string]resource.NetworkSpec{}, volumes: map[string]resource.VolumeSpec{}, containers: map[string]resource.ContainerSpec{}, health: "healthy"}
}

func (f *fakeEngine) Observe(ctx context.Context, project string) (*resource.Observed, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o := &resource.Observed{}
	for _, n := range f.networks {
		o.Networks = append(o.Networks, resource.Network{ID: n.Name, Name: n.Name, Labels: n.Labels, Internal: n.Internal, Subnets: []netip.Prefix{n.Subnet}})
		o.UsedSubnets = append(o.UsedSubnets, n.Subnet)
	}
	for _, v := range f.volumes {
		o.AddVolume(resource.Volume{Name: v.Name, Labels: v.Labels})
	}
	for _, c := range f.containers {
		oc := resource.Container{ID: c.Name, Name: c.Name, Image: c.Image, Labels: c.Labels, State: "running", Health: f.health}
		for _, p := range c.Ports {
			oc.Ports = append(oc.Ports, p)
			o.UsedPorts = append(o.UsedPorts, p.HostPort)
		}
		o.Containers = append(o.Containers, oc)
	}
	return o, nil
}

func (f *fakeEngine) CreateNetwork(ctx context.Context, spec resource.NetworkSpec) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.subnetTaken > 0 {
		f.subnetTaken--
		return engine.ErrSubnetTaken
	}
	f.networks[spec.Name] = spec
	f.created = append(f.created, spec.Labels)
	return nil
}

func (f *fakeEngine) RemoveNetwork(ctx context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.networks, name)
	return nil
}

func (f *fakeEngine) CreateVolume(ctx context.Context, spec resource.VolumeSpec) (map[string]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if have, ok := f.volumes[spec.Name]; ok {
		return have.Labels, nil
	}
	f.volumes[spec.Name] = spec
	f.created = append(f.created, spec.Labels)
	return spec.Labels, nil
}

func (f *fakeEngine) RemoveVolume(ctx context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.volumes, name)
	return nil
}

func (f *fakeEngine) CreateContainer(ctx context.Context, spec resource.ContainerSpec) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.containers[spec.Name] = spec
	f.created = append(f.created, spec.Labels)
	return spec.Name, nil
}

func (f *fakeEngine) StartContainer(ctx context.Context, id string) error { return nil }

func (f *fakeEngine) RemoveContainer(ctx context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.containers, id)
	return nil
}

func (f *fakeEngine) ContainerState(ctx context.Context, id string) (engine.State, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return engine.State{Status: "running", Health: f.health}, nil
}

func (f *fakeEngine) Logs(ctx context.Context, id string, lines int) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	spec := f.containers[id]
	// A careless app that logs its environment.
	out := "starting\n"
	for _, e := range spec.Env {
		out += e.Name + "=" + e.Value + "\n"
	}
	return out, nil
}

func (f *fakeEngine) Exec(ctx context.Context, id string, cmd []string) (engine.ExecResult, error) {
	f.mu.Lock()
	spec, run := f.containers[id], f.exec
	f.mu.Unlock()
	if run == nil {
		return engine.ExecResult{Output: "ok\n"}, nil
	}
	return run(ctx, spec)
}

func (f *fakeEngine) ImageExists(ctx context.Context, ref string) (bool, error) { return true, nil }
func (f *fakeEngine) Calls() int64                                              { return 0 }
func (f *fakeEngine) Close() error                                              { return nil }

// objects counts what the fake holds.
func (f *fakeEngine) objects() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.networks) + len(f.volumes) + len(f.containers)
}

// secretOf is the value of the container's sensitive env variable.
func secretOf(spec resource.ContainerSpec) string {
	for _, e := range spec.Env {
		if e.Sensitive {
			return e.Value
		}
	}
	return ""
}

// useFake makes smoke runs in this test talk to f.
func useFake(t *testing.T, f *fakeEngine) {
	old := connect
	connect = func(model.Host) (engine.Engine, error) { return f, nil }
	t.Cleanup(func() { connect = old })
}

const testTemplate = `template "t" {
  service "db" {
    image    = "img:1"
    internal = true
    env      = { PASSWORD = secret("pw") }
    volume "data" {
      target = "/data"
    }
    health {
      command = ["true"]
    }
  }
  check "answers" {
    exec {
      service         = "db"
      command         = ["q"]
      output_contains = "ok"
    }
  }
}
`

// testProjectDir writes a project with testTemplate.
func testProjectDir(t *testing.T) string {
	dir := t.TempDir()
	for name, text := range map[string]string{"tenantctl.hcl": "project \"pp\" {}\n", "templates/t.hcl": testTemplate} {
		path := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func testGetenv(name string) string {
	if name == "TENANTCTL_MASTER_KEY" {
		return "0123456789abcdef0123456789abcdef0123456789abcdef"
	}
	return ""
}

func writeFile(t *testing.T, dir, name, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (f *fakeEngine) VolumeLabels(ctx context.Context, name string) (map[string]string, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.volumes[name]
	return v.Labels, ok, nil
}
