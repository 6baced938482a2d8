package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/tenantctl/tenantctl/provisioner/model"
	"github.com/tenantctl/tenantctl/provisioner/plan"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// listRecorder counts the containers the engine returns to list calls.
type listRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	// listed holds the number of containers in each list response.
	listed []int
}

func (r *listRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil || !strings.HasSuffix(req.URL.Path, "/containers/json") {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var list []json.RawMessage
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("list recorder: %w", err)
	}
	r.mu.Lock()
	r.listed = append(r.listed, len(list))
	r.mu.Unlock()
	return resp, nil
}

// recordLists makes d report what its container list calls return. The
// recorder sits behind the request counter, so counts are unchanged.
func recordLists(t *testing.T, d *Docker) *listRecorder {
	t.Helper()
	r := &listRecorder{next: d.counting.next}
	d.counting.next = r
	return r
}

// TestIntegrationObserveIgnoresOtherProjects fills the host with another
// project's containers: observing this project neither lists them nor
// grows in requests, while HostPorts still sees the port one of them
// holds, and a plan that must choose a port asks for it and avoids it.
func TestIntegrationObserveIgnoresOtherProjects(t *testing.T) {
	t.Parallel()
	d := integrationDocker(t)
	ensureTestImage(t, d)
	ctx := context.Background()
	project, other := testProject(t, d), testProject(t, d)

	const foreign = 50
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i := range foreign {
		g.Go(func() error {
			// Created, never started: a container costs the engine
			// nothing but its place in every unfiltered list.
			_, err := d.CreateContainer(gctx, resource.ContainerSpec{
				Name: resource.Name(other, fmt.Sprintf("t%02d", i), "app"), Image: testImage,
				Labels: labels(other, fmt.Sprintf("t%02d", i), resource.KindContainer, resource.LabelService, "app"),
			})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	// One of the other project's containers runs and publishes a port.
	otherPort := freePort(t)
	busy, err := d.CreateContainer(ctx, resource.ContainerSpec{
		Name: resource.Name(other, "busy", "app"), Image: testImage,
		Labels: labels(other, "busy", resource.KindContainer, resource.LabelService, "app"),
		Ports:  []resource.PortBinding{{Container: 8080, HostIP: "127.0.0.1", HostPort: otherPort}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.StartContainer(ctx, busy); err != nil {
		t.Fatal(err)
	}
	// This project has two containers, one stopped.
	var mine []string
	for _, tenant := range []string{"acme", "globex"} {
		id, err := d.CreateContainer(ctx, resource.ContainerSpec{
			Name: resource.Name(project, tenant, "app"), Image: testImage,
			Labels: labels(project, tenant, resource.KindContainer, resource.LabelService, "app"),
		})
		if err != nil {
			t.Fatal(err)
		}
		mine = append(mine, id)
	}

	rec := recordLists(t, d)
	before := d.Calls()
	o, err := d.Observe(ctx, project)
	if err != nil {
		t.Fatal(err)
	}
	if calls := d.Calls() - before; calls != 3 {
		t.Errorf("Observe made %d requests, want 3", calls)
	}
	if !slices.Equal(rec.listed, []int{2}) {
		t.Errorf("Observe's container lists returned %v containers, want [2]: the project's only, not the %d others on the host", rec.listed, foreign+1)
	}
	if len(o.Containers) != 2 || !slices.Contains(mine, o.Containers[0].ID) || !slices.Contains(mine, o.Containers[1].ID) {
		t.Errorf("observed containers %+v, want this project's two", o.Containers)
	}
	if o.AllPorts || slices.Contains(o.UsedPorts, otherPort) {
		t.Errorf("Observe: UsedPorts %v, AllPorts %v; want only the project's ports", o.UsedPorts, o.AllPorts)
	}

	ports, err := d.HostPorts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(ports, otherPort) {
		t.Errorf("HostPorts %v lack %d, held by another project's container", ports, otherPort)
	}
	t.Logf("container lists returned %v containers; host ports in use: %d", rec.listed, len(ports))

	// Planning a new tenant from the range [otherPort, otherPort+1] asks
	// for the host's ports, and then never chooses the one held.
	desired := &model.Project{
		Name: project, Hosts: []model.Host{{Name: "local"}},
		NetworkPool: netip.MustParsePrefix("10.214.0.0/16"), SubnetBits: 27,
		PortRange: model.PortRange{First: otherPort, Last: otherPort + 1},
		Tenants: []model.Tenant{{Name: "newco", Host: "local", Services: []model.Service{{
			Name: "app", Image: testImage, Ports: []model.Port{{Name: "http", Container: 8080, HostIP: "0.0.0.0", Protocol: "tcp"}},
		}}}},
	}
	observed := map[string]*resource.Observed{"local": o}
	var need *plan.HostPortsError
	if _, err := plan.Reconcile(desired, observed, plan.Options{}); !errors.As(err, &need) || !slices.Equal(need.Hosts, []string{"local"}) {
		t.Fatalf("plan from the project's containers alone: %v, want a *HostPortsError for local", err)
	}
	o.UsedPorts, o.AllPorts = append(o.UsedPorts, ports...), true
	pl, err := plan.Reconcile(desired, observed, plan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range pl.Tenants[0].Operations {
		if op.Container != nil && op.Container.Ports[0].HostPort != otherPort+1 {
			t.Errorf("newco planned on port %d, want %d: %d is held by another project", op.Container.Ports[0].HostPort, otherPort+1, otherPort)
		}
	}
}
