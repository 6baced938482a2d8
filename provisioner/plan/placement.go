package plan

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/tenantctl/tenantctl/provisioner/model"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// Placement is the host of every tenant, as Place chose it.
type Placement struct {
	// Hosts maps each placed tenant to its host.
	Hosts map[string]string
	// Unplaced maps the tenants that could not be placed to why.
	Unplaced map[string]string
	// Notes are things to tell the user (a tenant found on two hosts, a
	// pinned tenant that has objects on another host).
	Notes []string
}

// Place decides where each tenant lives. It is pure and deterministic:
//
//   - a tenant pinned with host = "..." lives there;
//   - a tenant whose objects are on a host stays on that host: tenants
//     never move between runs (the labels on its objects find it again);
//   - a new tenant goes to the host, among those matching its placement
//     labels and with room left (capacity 0 is unlimited), with the most
//     free capacity; ties go to the host declared first. Tenants are
//     placed in name order, each counting against its host's capacity.
//
// observed is keyed by host name; a host missing from it could not be
// observed. A new tenant that such a host could hold is left unplaced: it
// may already live there, and placing it elsewhere would make a second copy.
func Place(p *model.Project, observed map[string]*resource.Observed) *Placement {
	pl := &Placement{Hosts: map[string]string{}, Unplaced: map[string]string{}}
	where := map[string][]string{}
	used := map[string]int{}
	var unobserved []string
	for _, h := range p.Hosts {
		obs, ok := observed[h.Name]
		if !ok {
			unobserved = append(unobserved, h.Name)
			continue
		}
		for _, t := range obs.TenantNames() {
			where[t] = append(where[t], h.Name)
			used[h.Name]++
		}
	}
	var fresh []*model.Tenant
	for i := range p.Tenants {
		t := &p.Tenants[i]
		found := where[t.Name]
		switch {
		case t.HostPinned:
			pl.Hosts[t.Name] = t.Host
			if !contains(found, t.Host) {
				used[t.Host]++
				if len(found) > 0 {
					pl.Notes = append(pl.Notes, fmt.Sprintf("tenant %s is pinned to host %s but has objects on host %s; tenantctl does not move tenants: it creates the tenant on %s and leaves the objects on %s alone.", t.Name, t.Host, strings.Join(found, ", "), t.Host, strings.Join(found, ", ")))
				}
			}
		case len(found) > 0:
			pl.Hosts[t.Name] = found[0]
			if len(found) > 1 {
				pl.Notes = append(pl.Notes, fmt.Sprintf("tenant %s has objects on hosts %s; it is planned on %s, the first declared. Pin it with host = \"...\" to choose.", t.Name, strings.Join(found, ", "), found[0]))
			}
		default:
			fresh = append(fresh, t)
		}
	}
	for _, t := range fresh {
		if blocked := matching(p.Hosts, unobserved, t.PlacementLabels); len(blocked) > 0 {
			pl.Unplaced[t.Name] = fmt.Sprintf("not placed: host %s could not be observed and may already hold it", strings.Join(blocked, ", "))
			continue
		}
		best, bestFree := "", -1
		for _, h := range p.Hosts {
			if _, ok := observed[h.Name]; !ok || !labelsMatch(h.Labels, t.PlacementLabels) {
				continue
			}
			free := math.MaxInt
			if h.Capacity > 0 {
				free = h.Capacity - used[h.Name]
			}
			if free > 0 && free > bestFree {
				best, bestFree = h.Name, free
			}
		}
		if best == "" {
			pl.Unplaced[t.Name] = noRoom(p.Hosts, t.PlacementLabels)
			continue
		}
		pl.Hosts[t.Name] = best
		used[best]++
	}
	return pl
}

// matching returns the hosts among names whose labels match want.
func matching(hosts []model.Host, names []string, want map[string]string) []string {
	var out []string
	for _, h := range hosts {
		if contains(names, h.Name) && labelsMatch(h.Labels, want) {
			out = append(out, h.Name)
		}
	}
	return out
}

// labelsMatch reports whether have carries every label of want.
func labelsMatch(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// noRoom explains why no host could take a tenant.
func noRoom(hosts []model.Host, want map[string]string) string {
	if len(want) == 0 {
		return "not placed: every host is at capacity; raise a host's capacity or add a host"
	}
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var c []string
	for _, k := range keys {
		c = append(c, fmt.Sprintf("%s=%s", k, want[k]))
	}
	for _, h := range hosts {
		if labelsMatch(h.Labels, want) {
			return fmt.Sprintf("not placed: every host with labels %s is at capacity", strings.Join(c, ", "))
		}
	}
	return fmt.Sprintf("not placed: no host has labels %s", strings.Join(c, ", "))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
