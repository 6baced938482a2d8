package status

import (
	"strings"
	"testing"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// addPending adds the replacement an interrupted apply leaves beside a
// service's container: a created, never started copy under the temporary
// name, made a minute ago. It returns the replacement's ID.
func addPending(obs *resource.Observed, tenant, service string) string {
	c := *container(obs, tenant, service)
	c.Labels = clone(c.Labels)
	c.Name = resource.PendingName(c.Name)
	c.Labels[resource.LabelReplacement] = c.Name
	c.ID, c.State, c.Health, c.Ports, c.Created = "id-"+c.Name, "created", "", nil, now.Add(-time.Minute)
	obs.Containers = append(obs.Containers, c)
	return c.ID
}

func removeID(obs *resource.Observed, id string) {
	var keep []resource.Container
	for _, c := range obs.Containers {
		if c.ID != id {
			keep = append(keep, c)
		}
	}
	obs.Containers = keep
}

func TestPendingReplacementIsNotTheService(t *testing.T) {
	t.Run("beside the old container", func(t *testing.T) {
		p := project(saas("acme", "1.1.0"))
		obs := deploy(t, p)
		addPending(obs, "acme", "app")
		ts := compute(t, p, obs, nil).Tenants[0]
		app := ts.Services[1]
		if len(ts.Services) != 2 || app.Container != "p_acme_app" || app.State != "running" || app.Health != Healthy {
			t.Errorf("services %+v", ts.Services)
		}
		if ts.Updated == nil || !ts.Updated.Equal(created) {
			t.Errorf("updated %v: the leftover counts as the tenant's", ts.Updated)
		}
		if ts.State != Drifted || !strings.Contains(strings.Join(ts.Reasons, "\n"), "left by an interrupted apply") {
			t.Errorf("state %s, reasons %q", ts.State, ts.Reasons)
		}
	})
	t.Run("old container already removed", func(t *testing.T) {
		p := project(saas("acme", "1.1.0"))
		obs := deploy(t, p)
		addPending(obs, "acme", "app")
		removeID(obs, "id-p_acme_app")
		ts := compute(t, p, obs, nil).Tenants[0]
		if app := ts.Services[1]; app.State != "missing" || app.Container != "" {
			t.Errorf("app %+v", app)
		}
		if ts.State != Degraded || !strings.Contains(strings.Join(ts.Reasons, "\n"), "app: no container") {
			t.Errorf("state %s, reasons %q", ts.State, ts.Reasons)
		}
	})
	t.Run("orphaned tenant", func(t *testing.T) {
		p := project(saas("acme", "1.1.0"))
		obs := deploy(t, p)
		addPending(obs, "acme", "app")
		p.Tenants = nil
		ts := compute(t, p, obs, nil).Tenants[0]
		if len(ts.Services) != 2 {
			t.Errorf("orphan services %+v", ts.Services)
		}
	})
}
