package engine

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// TestIntegrationDockerRenameContainer runs the engine side of a replace:
// a new container is created beside a running one with the same published
// port (the port is bound only at start), is seen as a pending
// replacement, cannot take the old one's name while that exists, and
// takes it once the old one is removed.
func TestIntegrationDockerRenameContainer(t *testing.T) {
	d := integrationDocker(t)
	ensureTestImage(t, d)
	t.Parallel()
	ctx := context.Background()
	project := testProject(t, d)
	net := resource.NetworkSpec{Name: resource.Name(project, "acme", "edge"), Subnet: freeSubnets(t, d, 1)[0], Labels: labels(project, "acme", resource.KindNetwork)}
	if err := d.CreateNetwork(ctx, net); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	spec := resource.ContainerSpec{
		Name:     resource.Name(project, "acme", "app"),
		Image:    testImage,
		Command:  []string{"/engine", "-addr", ":8080"},
		Labels:   labels(project, "acme", resource.KindContainer, resource.LabelService, "app"),
		Networks: []resource.Attachment{{Network: net.Name, Aliases: []string{"app"}}},
		Ports:    []resource.PortBinding{{Name: "http", Container: 8080, Protocol: "tcp", HostIP: "127.0.0.1", HostPort: port}},
	}
	old, err := d.CreateContainer(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.StartContainer(ctx, old); err != nil {
		t.Fatal(err)
	}

	next := spec
	next.Name = resource.PendingName(spec.Name)
	next.Labels = labels(project, "acme", resource.KindContainer, resource.LabelService, "app", resource.LabelReplacement, next.Name)
	id, err := d.CreateContainer(ctx, next)
	if err != nil {
		t.Fatalf("create beside a running container with the same port: %v", err)
	}
	o, err := d.Observe(ctx, project)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range o.Containers {
		if want := c.ID == id; c.Pending() != want {
			t.Errorf("%s (%s): pending %t, want %t", c.Name, c.State, c.Pending(), want)
		}
	}

	if err := d.RenameContainer(ctx, id, spec.Name); !errors.Is(err, ErrContainerExists) {
		t.Fatalf("rename onto the old container's name: %v, want ErrContainerExists", err)
	}
	if err := d.RemoveContainer(ctx, old); err != nil {
		t.Fatal(err)
	}
	if err := d.RenameContainer(ctx, id, spec.Name); err != nil {
		t.Fatal(err)
	}
	if err := d.StartContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	o, err = d.Observe(ctx, project)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Containers) != 1 || o.Containers[0].ID != id || o.Containers[0].Name != spec.Name || o.Containers[0].Pending() || o.Containers[0].State != "running" {
		t.Fatalf("after the switch: %+v", o.Containers)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", port))
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the renamed container does not answer on the port: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := d.RenameContainer(ctx, "no-such-container-"+project, "x-"+project); err == nil {
		t.Error("renaming a missing container succeeded")
	}
}
