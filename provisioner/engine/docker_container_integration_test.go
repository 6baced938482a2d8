package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"

	"github.com/tenantctl/tenantctl/provisioner/resource"
)

func TestIntegrationDockerContainerLifecycle(t *testing.T) {
	t.Parallel()
	d := integrationDocker(t)
	ensureTestImage(t, d)
	ctx := context.Background()
	project := testProject(t, d)
	subnets := freeSubnets(t, d, 2)
	internal := resource.NetworkSpec{Name: resource.Name(project, "acme", "internal"), Internal: true, Subnet: subnets[0],
		Labels: labels(project, "acme", resource.KindNetwork)}
	edge := resource.NetworkSpec{Name: resource.Name(project, "acme", "edge"), Subnet: subnets[1],
		Labels: labels(project, "acme", resource.KindNetwork)}
	vol := resource.VolumeSpec{Name: resource.Name(project, "acme", "data"), Labels: labels(project, "acme", resource.KindVolume)}
	for _, n := range []resource.NetworkSpec{internal, edge} {
		if err := d.CreateNetwork(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.CreateVolume(ctx, vol); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	spec := resource.ContainerSpec{
		Name:    resource.Name(project, "acme", "app"),
		Image:   testImage,
		Command: []string{"/engine", "-addr", ":8080"},
		Env:     []resource.EnvVar{{Name: "SECRET", Value: "hunter2", Sensitive: true}},
		Labels:  labels(project, "acme", resource.KindContainer, resource.LabelService, "app"),
		Networks: []resource.Attachment{
			{Network: internal.Name, Aliases: []string{"app", "app.internal"}},
			{Network: edge.Name, Aliases: []string{"app-edge"}},
		},
		Ports:     []resource.PortBinding{{Name: "http", Container: 8080, Protocol: "tcp", HostIP: "127.0.0.1", HostPort: port}},
		Mounts:    []resource.Mount{{Volume: vol.Name, Target: "/data"}},
		Health:    &resource.HealthCheck{Command: []string{"/engine", "-check"}, Interval: time.Second, Timeout: 2 * time.Second, Retries: 3},
		Memory:    64 << 20,
		NanoCPUs:  500_000_000,
		PidsLimit: 64,
	}
	id, err := d.CreateContainer(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}

	info, err := d.cli.ContainerInspect(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	hc := info.HostConfig
	if !slices.Equal(hc.CapDrop, []string{"ALL"}) || !slices.Equal(hc.SecurityOpt, []string{"no-new-privileges:true"}) ||
		hc.RestartPolicy.Name != container.RestartPolicyUnlessStopped || hc.LogConfig.Type != "json-file" ||
		hc.LogConfig.Config["max-size"] != "10m" || hc.LogConfig.Config["max-file"] != "3" ||
		hc.Memory != spec.Memory || hc.NanoCPUs != spec.NanoCPUs || hc.PidsLimit == nil || *hc.PidsLimit != 64 ||
		hc.Init == nil || *hc.Init {
		t.Errorf("host config = %+v", hc)
	}
	for _, a := range spec.Networks {
		ep := info.NetworkSettings.Networks[a.Network]
		if ep == nil {
			t.Errorf("not on network %s", a.Network)
			continue
		}
		for _, alias := range a.Aliases {
			if !slices.Contains(ep.Aliases, alias) {
				t.Errorf("network %s: aliases %v lack %s", a.Network, ep.Aliases, alias)
			}
		}
	}
	if _, onBridge := info.NetworkSettings.Networks["bridge"]; onBridge {
		t.Error("container is on the default bridge")
	}

	if err := d.StartContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	st := waitState(t, d, id, 30*time.Second, func(s State) bool { return s.Health == "healthy" })
	if st.Status != "running" || st.HealthLog != "probe: ok" || st.ExitCode != 0 {
		t.Errorf("state = %+v", st)
	}

	o, err := d.Observe(ctx, project)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Containers) != 1 {
		t.Fatalf("containers = %+v", o.Containers)
	}
	c := o.Containers[0]
	if c.Name != spec.Name || c.State != "running" || c.Health != "healthy" || !hasLabels(c.Labels, spec.Labels) {
		t.Errorf("container = %+v", c)
	}
	if want := []resource.PortBinding{{Container: 8080, Protocol: "tcp", HostIP: "127.0.0.1", HostPort: port}}; !slices.Equal(c.Ports, want) {
		t.Errorf("ports = %+v, want %+v", c.Ports, want)
	}
	if want := []string{edge.Name, internal.Name}; !slices.Equal(c.Networks, want) {
		t.Errorf("networks = %v, want %v", c.Networks, want)
	}
	if !slices.Equal(c.Mounts, []string{vol.Name}) {
		t.Errorf("mounts = %v", c.Mounts)
	}

	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", port))
	if err != nil {
		t.Errorf("published port: %v", err)
	} else {
		resp.Body.Close()
	}

	logs, err := d.Logs(ctx, id, 10)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs, "engine-test: listening on :8080") || !strings.Contains(logs, "hello on stderr") {
		t.Errorf("logs = %q", logs)
	}
	if one, err := d.Logs(ctx, id, 1); err != nil || strings.Count(one, "\n") != 1 {
		t.Errorf("logs with 1 line = %q, %v", one, err)
	}

	if res, err := d.Exec(ctx, id, []string{"/engine", "-check"}); err != nil || res.ExitCode != 0 {
		t.Errorf("exec of the health probe: %+v, %v", res, err)
	}
	if res, err := d.Exec(ctx, id, []string{"/engine", "-check", "-addr", ":1"}); err != nil || res.ExitCode == 0 {
		t.Errorf("exec of a failing probe: %+v, %v", res, err)
	}

	if err := d.RemoveContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := d.RemoveContainer(ctx, id); err != nil {
		t.Errorf("second remove: %v", err)
	}
	o, err = d.Observe(ctx, project)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Containers) != 0 || len(o.Volumes) != 1 || o.Volumes[0].Name != vol.Name {
		t.Errorf("after remove: containers %+v volumes %+v, want the volume kept", o.Containers, o.Volumes)
	}
	if _, err := d.ContainerState(ctx, id); err == nil {
		t.Error("state of a removed container: no error")
	}
}

func TestIntegrationDockerCreateContainerErrors(t *testing.T) {
	t.Parallel()
	d := integrationDocker(t)
	ensureTestImage(t, d)
	ctx := context.Background()
	project := testProject(t, d)
	subnet := freeSubnets(t, d, 1)[0]
	netSpec := resource.NetworkSpec{Name: resource.Name(project, "acme", "internal"), Subnet: subnet,
		Labels: labels(project, "acme", resource.KindNetwork)}
	if err := d.CreateNetwork(ctx, netSpec); err != nil {
		t.Fatal(err)
	}
	spec := resource.ContainerSpec{
		Name: resource.Name(project, "acme", "app"), Image: testImage,
		Env:      []resource.EnvVar{{Name: "PASSWORD", Value: "s3cr3t-value", Sensitive: true}},
		Labels:   labels(project, "acme", resource.KindContainer),
		Networks: []resource.Attachment{{Network: netSpec.Name}},
	}
	if _, err := d.CreateContainer(ctx, spec); err != nil {
		t.Fatal(err)
	}
	_, err := d.CreateContainer(ctx, spec)
	if !errors.Is(err, ErrContainerExists) {
		t.Errorf("second create: %v, want ErrContainerExists", err)
	}
	t.Logf("second create: %v", err)

	for _, second := range []string{
		resource.Name(project, "acme", "missing"), // refused before the create
		"host", // exists, but the engine refuses the connect after the create
	} {
		half := spec
		half.Name = resource.Name(project, "acme", "half")
		half.Networks = append(slices.Clone(half.Networks), resource.Attachment{Network: second})
		_, err = d.CreateContainer(ctx, half)
		if err == nil {
			t.Fatalf("create with second network %s: no error", second)
		}
		t.Logf("create with second network %s: %v", second, err)
		o, oerr := d.Observe(ctx, project)
		if oerr != nil {
			t.Fatal(oerr)
		}
		if slices.ContainsFunc(o.Containers, func(c resource.Container) bool { return c.Name == half.Name }) {
			t.Errorf("second network %s: half-made container was left behind", second)
		}
	}

	missingImage := spec
	missingImage.Name = resource.Name(project, "acme", "noimage")
	missingImage.Image = "tenantctl-test/does-not-exist:0"
	_, err = d.CreateContainer(ctx, missingImage)
	if err == nil {
		t.Error("create with a missing image: no error")
	}
	for _, e := range []error{err} {
		if e != nil && strings.Contains(e.Error(), "s3cr3t-value") {
			t.Errorf("error leaks an env value: %v", e)
		}
	}
}

func TestIntegrationDockerPortTaken(t *testing.T) {
	t.Parallel()
	d := integrationDocker(t)
	ensureTestImage(t, d)
	ctx := context.Background()
	project := testProject(t, d)
	subnet := freeSubnets(t, d, 1)[0]
	netSpec := resource.NetworkSpec{Name: resource.Name(project, "acme", "edge"), Subnet: subnet,
		Labels: labels(project, "acme", resource.KindNetwork)}
	if err := d.CreateNetwork(ctx, netSpec); err != nil {
		t.Fatal(err)
	}
	newSpec := func(name string, port int) resource.ContainerSpec {
		return resource.ContainerSpec{
			Name: resource.Name(project, "acme", name), Image: testImage,
			Labels:   labels(project, "acme", resource.KindContainer),
			Networks: []resource.Attachment{{Network: netSpec.Name}},
			Ports:    []resource.PortBinding{{Container: 8080, HostPort: port}},
		}
	}
	start := func(spec resource.ContainerSpec) error {
		id, err := d.CreateContainer(ctx, spec)
		if err != nil {
			return err
		}
		return d.StartContainer(ctx, id)
	}

	port := freePort(t)
	if err := start(newSpec("first", port)); err != nil {
		t.Fatal(err)
	}
	err := start(newSpec("second", port))
	if !errors.Is(err, ErrPortTaken) {
		t.Errorf("port held by a container: %v, want ErrPortTaken", err)
	}
	t.Logf("port held by a container: %v", err)

	// A port held by a process that is not a container.
	l, lerr := net.Listen("tcp", "0.0.0.0:0")
	if lerr != nil {
		t.Fatal(lerr)
	}
	defer l.Close()
	err = start(newSpec("third", l.Addr().(*net.TCPAddr).Port))
	switch {
	case err == nil:
		t.Log("engine does not bind published ports itself (userland proxy off): no error for a port held by a process")
	case !errors.Is(err, ErrPortTaken):
		t.Errorf("port held by a process: %v, want ErrPortTaken", err)
	default:
		t.Logf("port held by a process: %v", err)
	}
}

func TestIntegrationDockerImageExists(t *testing.T) {
	t.Parallel()
	d := integrationDocker(t)
	ensureTestImage(t, d)
	ctx := context.Background()
	for ref, want := range map[string]bool{
		testImage:                         true,
		"tenantctl-test/does-not-exist:0": false,
		"tenantctl-test/engine:no-such":   false,
	} {
		got, err := d.ImageExists(ctx, ref)
		if err != nil || got != want {
			t.Errorf("ImageExists(%s) = %v, %v; want %v", ref, got, err, want)
		}
	}
}
