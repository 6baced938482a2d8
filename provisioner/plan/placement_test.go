package plan

import (
	"reflect"
	"strings"
	"testing"

	"github.com/tenantctl/tenantctl/provisioner/model"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

func onHost(tenants ...string) *resource.Observed {
	o := &resource.Observed{}
	for _, t := range tenants {
		o.Volumes = append(o.Volumes, resource.Volume{Name: t, Labels: map[string]string{resource.LabelTenant: t}})
	}
	return o
}

func TestPlace(t *testing.T) {
	hosts := []model.Host{
		{Name: "local", Capacity: 2, Labels: map[string]string{"region": "eu"}},
		{Name: "peer", Capacity: 3, Labels: map[string]string{"region": "us"}},
	}
	tenant := func(name string, labels map[string]string) model.Tenant {
		return model.Tenant{Name: name, Host: "local", PlacementLabels: labels}
	}
	eu, us := map[string]string{"region": "eu"}, map[string]string{"region": "us"}
	tests := []struct {
		name     string
		tenants  []model.Tenant
		observed map[string]*resource.Observed
		want     map[string]string
		unplaced []string
	}{
		{
			name:     "labels, then most free capacity, ties to the first host",
			tenants:  []model.Tenant{tenant("a", eu), tenant("b", us), tenant("c", nil), tenant("d", nil)},
			observed: map[string]*resource.Observed{"local": onHost(), "peer": onHost()},
			want:     map[string]string{"a": "local", "b": "peer", "c": "peer", "d": "local"},
		},
		{
			name:     "a placed tenant stays, even where the rules would not put it now",
			tenants:  []model.Tenant{tenant("a", nil), tenant("b", nil)},
			observed: map[string]*resource.Observed{"local": onHost("b"), "peer": onHost("a")},
			want:     map[string]string{"a": "peer", "b": "local"},
		},
		{
			name:     "full hosts and unknown labels leave tenants unplaced",
			tenants:  []model.Tenant{tenant("x", eu), tenant("y", map[string]string{"region": "asia"})},
			observed: map[string]*resource.Observed{"local": onHost("o1", "o2"), "peer": onHost()},
			want:     map[string]string{},
			unplaced: []string{"x", "y"},
		},
		{
			name:     "pinned tenants count against capacity",
			tenants:  []model.Tenant{{Name: "p1", Host: "local", HostPinned: true}, {Name: "p2", Host: "local", HostPinned: true}, tenant("z", nil)},
			observed: map[string]*resource.Observed{"local": onHost(), "peer": onHost()},
			want:     map[string]string{"p1": "local", "p2": "local", "z": "peer"},
		},
		{
			name:     "a new tenant is not placed while a host it could be on is unobserved",
			tenants:  []model.Tenant{tenant("n", nil), tenant("e", eu)},
			observed: map[string]*resource.Observed{"local": onHost()},
			want:     map[string]string{"e": "local"},
			unplaced: []string{"n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &model.Project{Hosts: hosts, Tenants: tt.tenants}
			pl := Place(p, tt.observed)
			if !reflect.DeepEqual(pl.Hosts, tt.want) {
				t.Errorf("hosts = %v, want %v", pl.Hosts, tt.want)
			}
			var unplaced []string
			for _, name := range []string{"a", "b", "c", "d", "e", "n", "x", "y", "z"} {
				if r, ok := pl.Unplaced[name]; ok {
					unplaced = append(unplaced, name)
					if !strings.HasPrefix(r, "not placed") {
						t.Errorf("reason %q", r)
					}
				}
			}
			if !reflect.DeepEqual(unplaced, tt.unplaced) {
				t.Errorf("unplaced = %v, want %v", unplaced, tt.unplaced)
			}
		})
	}
}
