package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tenantctl/tenantctl/provisioner/plan"
)

// growTemplate is one tiny service; %s is where the template gains ports.
const growTemplate = `template "grow" {
  service "web" {
    image = "tenantctl-example/app:1.0.0"
    env   = { TENANT_NAME = tenant.name, DATABASE_URL = "postgres://none@127.0.0.1:1/none" }
    port "http" { container = 8080 }
%s    resources { memory = "32MiB" }
  }
}
`

const adminPort = "    port \"admin\" { container = 9090 }\n"

// freePortRange returns the first of n consecutive ports nothing listens
// on now, away from the default range other tests allocate from.
func freePortRange(t *testing.T, n int) int {
	t.Helper()
	for range 50 {
		first := 40000 + rand.IntN(20000)
		free := true
		for p := first; p < first+n && free; p++ {
			l, err := net.Listen("tcp", ":"+strconv.Itoa(p))
			if err != nil {
				free = false
				continue
			}
			l.Close()
		}
		if free {
			return first
		}
	}
	t.Fatalf("no %d free consecutive ports", n)
	return 0
}

// plannedPorts are the host ports a plan gives a tenant's web container,
// by port name, and the action on it.
func plannedPorts(t *testing.T, p *testProject, tenant string) (map[string]int, plan.Action) {
	t.Helper()
	var jp plan.JSONPlan
	out := p.must(0, "plan", "--json").stdout
	if err := json.Unmarshal([]byte(out), &jp); err != nil {
		t.Fatalf("plan --json: %v\n%s", err, out)
	}
	for _, jt := range jp.Tenants {
		for _, op := range jt.Operations {
			if jt.Name == tenant && op.Kind == "container" && op.Name == "web" {
				ports := map[string]int{}
				for _, port := range op.Ports {
					ports[port.Name] = port.Host
				}
				return ports, op.Action
			}
		}
	}
	t.Fatalf("plan has no web container for %s:\n%s", tenant, out)
	return nil, ""
}

// publishedPort is the host port a running container publishes for a
// container port.
func publishedPort(t *testing.T, container string, port int) int {
	t.Helper()
	out := lines(docker(t, "port", container, fmt.Sprintf("%d/tcp", port)))
	if len(out) == 0 {
		t.Fatalf("%s publishes nothing for %d", container, port)
	}
	_, hostPort, _ := strings.Cut(out[0][strings.LastIndex(out[0], ":"):], ":")
	n, err := strconv.Atoi(hostPort)
	if err != nil {
		t.Fatalf("docker port %s: %q", container, out[0])
	}
	return n
}

// TestIntegrationPortAddedLaterIsKept: a port a template gains after the
// tenant exists is recorded on the container (the tenant's network label
// cannot change), so it survives `docker stop` — even when it was not the
// allocator's first choice — and is never handed to another tenant. The
// first choice is held by another project's container meanwhile, which
// the plan must see although observing lists the project's own only.
func TestIntegrationPortAddedLaterIsKept(t *testing.T) {
	t.Parallel()
	requireEngine(t, "tenantctl-example/app:1.0.0")
	first := freePortRange(t, 4)
	p := newProject(t, map[string]string{"acme": `tenant "acme" { template = "grow" }`})
	p.write("tenantctl.hcl", fmt.Sprintf("project %q {\n  port_range = [%d, %d]\n}\nhost \"local\" {}\n", p.name, first, first+3))
	p.write("templates/grow.hcl", fmt.Sprintf(growTemplate, ""))
	p.must(0, "apply", "--auto-approve")
	web := p.container("acme", "web")
	http := publishedPort(t, web, 8080)

	// The template gains a port; another program takes its first choice.
	p.write("templates/grow.hcl", fmt.Sprintf(growTemplate, adminPort))
	planned, _ := plannedPorts(t, p, "acme")
	firstChoice := planned["admin"]
	foreign := p.name + "-foreign"
	t.Cleanup(func() { dockerErr("rm", "-f", foreign) })
	docker(t, "run", "-d", "--name", foreign, "--label", "tenantctl.project="+p.name+"-other",
		"-e", "DATABASE_URL=postgres://none@127.0.0.1:1/none", "-p", fmt.Sprintf("%d:8080", firstChoice), "tenantctl-example/app:1.0.0")
	p.must(0, "apply", "--auto-approve")
	admin := publishedPort(t, web, 9090)
	if admin == firstChoice || publishedPort(t, web, 8080) != http {
		t.Fatalf("after adding a port: http %d admin %d; want http %d kept and admin not %d, held by another project", publishedPort(t, web, 8080), admin, http, firstChoice)
	}

	// The other program goes; acme's web is stopped: its ports stay.
	docker(t, "rm", "-f", foreign)
	docker(t, "stop", web)
	ports, action := plannedPorts(t, p, "acme")
	if ports["http"] != http || ports["admin"] != admin || action != plan.Update {
		t.Errorf("stopped acme: %s with ports %v, want update (start) with http %d admin %d", action, ports, http, admin)
	}

	// A new tenant gets the range's two other ports, never acme's.
	p.write("tenants/beta.hcl", `tenant "beta" { template = "grow" }`)
	beta, _ := plannedPorts(t, p, "beta")
	got := []int{http, admin, beta["http"], beta["admin"]}
	slices.Sort(got)
	if !slices.Equal(slices.Compact(slices.Clone(got)), got) {
		t.Errorf("acme holds http %d admin %d; beta was planned %v", http, admin, beta)
	}
	p.must(0, "apply", "--auto-approve")
	if publishedPort(t, web, 8080) != http || publishedPort(t, web, 9090) != admin {
		t.Errorf("after apply acme publishes %d and %d, want %d and %d", publishedPort(t, web, 8080), publishedPort(t, web, 9090), http, admin)
	}
	bweb := p.container("beta", "web")
	if b := []int{publishedPort(t, bweb, 8080), publishedPort(t, bweb, 9090)}; slices.Contains(b, http) || slices.Contains(b, admin) {
		t.Errorf("beta publishes %v, sharing acme's %d/%d", b, http, admin)
	}
}
