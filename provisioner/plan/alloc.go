package plan

import (
	"fmt"
	"hash/fnv"
	"net/netip"
	"strings"

	"github.com/tenantctl/tenantctl/provisioner/model"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// allocator hands out tenant subnets and host ports. Each allocation starts
// probing at a position hashed from its key (project/tenant/...) rather than
// at the start of the range, so two projects or two parallel smoke runs
// planning at the same moment rarely pick the same one; what is taken on
// the host is always skipped.
type allocator struct {
	pool  netip.Prefix
	bits  int
	taken map[uint32]bool // indexes of subnet slots in the pool
	ports model.PortRange
	// usedPorts maps taken host ports to the tenant that holds them, or
	// to "" when the holder is unknown (another project, another program).
	usedPorts map[int]string
	// allPorts says usedPorts holds the ports of every container on the
	// host (resource.Observed.AllPorts), not only the project's.
	allPorts bool
	// unsure is set when a port was chosen without allPorts: another
	// project's container may hold it.
	unsure bool
}

func newAllocator(p *model.Project) *allocator {
	return &allocator{
		pool:      p.NetworkPool.Masked(),
		bits:      p.SubnetBits,
		taken:     map[uint32]bool{},
		ports:     p.PortRange,
		usedPorts: map[int]string{},
	}
}

// hostAllocator is the allocator of one host: what the host holds is
// taken, ports recorded for a tenant stay its own, and the fixed ports of
// every tenant are reserved before any port is allocated. With readOnly
// the host's ports count as all known (see Options.ReadOnly).
func hostAllocator(desired *model.Project, host string, obs *resource.Observed, readOnly bool) *allocator {
	a := newAllocator(desired)
	a.allPorts = obs.AllPorts || readOnly
	for _, s := range obs.UsedSubnets {
		a.markSubnet(s)
	}
	for _, p := range obs.UsedPorts {
		a.reservePort(p, "")
	}
	// Ports recorded for tenants whose containers are stopped or gone
	// stay theirs: a list call shows the ports of running containers
	// only. A container's record is newer than its network's.
	for _, c := range obs.Containers {
		for _, port := range decodePorts(c.Labels[resource.LabelPorts]) {
			a.reservePort(port, c.Labels[resource.LabelTenant])
		}
	}
	for _, n := range obs.Networks {
		for _, port := range decodePorts(n.Labels[resource.LabelPorts]) {
			a.reservePort(port, n.Labels[resource.LabelTenant])
		}
	}
	// Fixed ports of every tenant are reserved before any is allocated.
	for _, t := range desired.Tenants {
		if t.Host == host {
			for _, s := range t.Services {
				for _, p := range s.Ports {
					if p.Host != 0 {
						a.reservePort(p.Host, t.Name)
					}
				}
			}
		}
	}
	return a
}

// HostPortsError is Reconcile's answer when a tenant needs a host port
// that none of its running containers binds — a new one, or one recorded
// for a stopped or removed container — on a host whose observation lacks
// the ports of other projects' containers (resource.Observed.AllPorts
// unset). The caller adds those hosts' ports and reconciles again.
type HostPortsError struct {
	// Hosts are the hosts whose ports are needed, sorted.
	Hosts []string
}

func (e *HostPortsError) Error() string {
	return "choosing host ports needs the ports in use by every container on host " + strings.Join(e.Hosts, ", ")
}

// slots is the number of subnets of size bits in the pool.
func (a *allocator) slots() uint32 { return 1 << (a.bits - a.pool.Bits()) }

// slotSubnet returns the subnet in slot i.
func (a *allocator) slotSubnet(i uint32) netip.Prefix {
	base := a.pool.Addr().As4()
	v := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	v += i << (32 - a.bits)
	addr := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	return netip.PrefixFrom(addr, a.bits)
}

// markSubnet marks every slot that overlaps s as taken.
func (a *allocator) markSubnet(s netip.Prefix) {
	s = s.Masked()
	if !s.Addr().Is4() || !s.Overlaps(a.pool) {
		return
	}
	if s.Bits() <= a.pool.Bits() { // covers the whole pool
		for i := uint32(0); i < a.slots(); i++ {
			a.taken[i] = true
		}
		return
	}
	first := a.slotIndex(s.Addr())
	if s.Bits() >= a.bits {
		a.taken[first] = true
		return
	}
	for i := uint32(0); i < 1<<(a.bits-s.Bits()); i++ {
		a.taken[first+i] = true
	}
}

func (a *allocator) slotIndex(addr netip.Addr) uint32 {
	b, p := addr.As4(), a.pool.Addr().As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	base := uint32(p[0])<<24 | uint32(p[1])<<16 | uint32(p[2])<<8 | uint32(p[3])
	return (v - base) >> (32 - a.bits)
}

// subnet allocates a free subnet for key.
func (a *allocator) subnet(key string) (netip.Prefix, error) {
	n := a.slots()
	start := hash32(key) % n
	for i := uint32(0); i < n; i++ {
		slot := (start + i) % n
		if !a.taken[slot] {
			a.taken[slot] = true
			return a.slotSubnet(slot), nil
		}
	}
	return netip.Prefix{}, fmt.Errorf("network pool %s has no free /%d subnet left; set a larger network_pool in tenantctl.hcl", a.pool, a.bits)
}

// chose notes that a host port no running container of the tenant binds
// was chosen, which is sure only when every port on the host is known.
func (a *allocator) chose() {
	if !a.allPorts {
		a.unsure = true
	}
}

// port allocates a free host port for key, held by owner.
func (a *allocator) port(key, owner string) (int, error) {
	a.chose()
	n := uint32(a.ports.Last - a.ports.First + 1)
	start := hash32(key) % n
	for i := uint32(0); i < n; i++ {
		p := a.ports.First + int((start+i)%n)
		if _, taken := a.usedPorts[p]; !taken {
			a.usedPorts[p] = owner
			return p, nil
		}
	}
	return 0, fmt.Errorf("port range %d-%d has no free port left; widen port_range in tenantctl.hcl", a.ports.First, a.ports.Last)
}

func hash32(key string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(key))
	return h.Sum32()
}

// reservePort marks a port taken by owner unless it is taken already.
func (a *allocator) reservePort(port int, owner string) {
	if _, taken := a.usedPorts[port]; !taken {
		a.usedPorts[port] = owner
	}
}

// portFree reports whether port is free or already held by owner.
func (a *allocator) portFree(port int, owner string) bool {
	holder, taken := a.usedPorts[port]
	return !taken || holder == owner
}
