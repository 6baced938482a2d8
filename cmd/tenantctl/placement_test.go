package main

import (
	"fmt"
	"strings"
	"testing"
)

// placed is a small tenant with placement labels (none: no block).
func placed(name, labels string) string {
	block := ""
	if labels != "" {
		block = fmt.Sprintf("  placement { labels = { %s } }\n", labels)
	}
	return fmt.Sprintf("tenant %q {\n  template = \"small\"\n%s}\n", name, block)
}

// TestIntegrationPlacement (acceptance 3): automatic placement follows
// labels and free capacity, and a placed tenant never moves, even when the
// capacities change so that placement from scratch would put it elsewhere.
func TestIntegrationPlacement(t *testing.T) {
	t.Parallel()
	requireEngine(t, "tenantctl-example/app:1.0.0")
	peer := startPeer(t)
	p := newProject(t, map[string]string{
		"pa": placed("pa", `region = "eu"`),
		"pb": placed("pb", `region = "us"`),
		"pc": placed("pc", ""),
		"pd": placed("pd", ""),
	})
	p.projectHCL("host \"local\" {\n  capacity = 2\n  labels = { region = \"eu\" }\n}\n",
		sshHostHCL("peer", peer, "", "", "  capacity = 3\n  labels = { region = \"us\" }\n"))

	// pa: the only eu host; pb: the only us host; pc: peer has more room
	// (2 vs 1); pd: a tie (1 and 1) goes to the host declared first.
	want := map[string]string{"pa": "local", "pb": "peer", "pc": "peer", "pd": "local"}
	r := p.must(0, "plan")
	for tenant, host := range want {
		if !strings.Contains(r.stdout, fmt.Sprintf("tenant %s on host %s (new)", tenant, host)) {
			t.Errorf("plan should put %s on %s:\n%s", tenant, host, r.stdout)
		}
	}
	p.must(0, "apply", "--auto-approve")
	local, remote := localContainers(t, p.name), peerContainers(t, peer, p.name)
	for tenant, host := range want {
		onLocal, onPeer := hasPrefixed(local, p.name+"_"+tenant+"_"), hasPrefixed(remote, p.name+"_"+tenant+"_")
		if onLocal != (host == "local") || onPeer != (host == "peer") {
			t.Errorf("tenant %s: on local %v, on peer %v; want it on %s only", tenant, onLocal, onPeer, host)
		}
	}

	// Now local has far more room: pc would go there if placed afresh.
	// It stays; the new tenant pe goes to local; pz fits no host.
	p.projectHCL("host \"local\" {\n  capacity = 10\n  labels = { region = \"eu\" }\n}\n",
		sshHostHCL("peer", peer, "", "", "  capacity = 2\n  labels = { region = \"us\" }\n"))
	p.must(0, "plan", "--detailed-exitcode")
	p.write("tenants/pe.hcl", placed("pe", ""))
	p.write("tenants/pz.hcl", placed("pz", `region = "asia"`))
	r = p.must(1, "plan")
	if !strings.Contains(r.stdout, "tenant pe on host local (new)") || strings.Count(r.stdout, "(new)") != 1 {
		t.Errorf("only pe should be new, on local:\n%s", r)
	}
	if !strings.Contains(r.stdout, "tenant pz: not placed: no host has labels region=asia") || !strings.Contains(r.stderr, "pz") {
		t.Errorf("pz should be reported as not placed:\n%s", r)
	}
	if got := peerContainers(t, peer, p.name); len(got) != len(remote) {
		t.Errorf("peer containers changed by a plan: %v → %v", remote, got)
	}
}
