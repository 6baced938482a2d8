package main

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// TestIntegrationEdgeSSHHost (acceptance 3 on the SSH test host): the
// proxy image is copied to the SSH host with the tenants' images, the
// remote proxy serves both tenants by hostname through one port, and
// `tenantctl edge ca` fetches the remote local CA over the SSH
// connection, which curl on the host then trusts.
func TestIntegrationEdgeSSHHost(t *testing.T) {
	requireEngine(t, appImage, dbImage, edgeImage)
	t.Parallel()
	peer := startPeer(t)
	p := newProject(t, map[string]string{
		"acme":   strings.Replace(saasTenant("acme", "1.1.0", false), "template", "host     = \"peer\"\n  template", 1),
		"globex": strings.Replace(saasTenant("globex", "1.0.0", false), "template", "host     = \"peer\"\n  template", 1),
	})
	httpPort, httpsPort := freePort(t), freePort(t)
	p.write("tenantctl.hcl", fmt.Sprintf("project %q {}\n", p.name)+sshHostHCL("peer", peer, "", "", "")+fmt.Sprintf(`edge {
  domain     = "tenants.localhost"
  http_port  = %d
  https_port = %d
}
`, httpPort, httpsPort))

	r := p.must(0, "apply", "--auto-approve", "--health-timeout", "2m")
	if !strings.Contains(r.stdout, "image "+edgeImage+" → host peer: done") {
		t.Errorf("apply did not copy the edge image to the peer:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "edge proxy on host peer (new)") {
		t.Errorf("apply did not plan the peer's proxy:\n%s", r.stdout)
	}
	if containers := localContainers(t, p.name); len(containers) != 0 {
		t.Errorf("the local engine got %v; the tenants are on the peer", containers)
	}
	p.must(0, "plan", "--detailed-exitcode")

	ca := strings.TrimSpace(p.must(0, "edge", "ca").stdout)
	if !strings.HasSuffix(ca, "edge-ca-peer.pem") {
		t.Fatalf("edge ca printed %q", ca)
	}
	port := strconv.Itoa(httpsPort)
	for _, tc := range []struct{ tenant, other string }{{"acme", "globex"}, {"globex", "acme"}} {
		host := tc.tenant + ".tenants.localhost"
		page, err := peer.Run("curl", "-sS", "--max-time", "10", "--cacert", ca, "--resolve", host+":"+port+":127.0.0.1", "https://"+host+":"+port+"/")
		if err != nil || !strings.Contains(page, "tenant: "+tc.tenant) || strings.Contains(page, tc.other) {
			t.Errorf("https://%s:%s/ on the peer: %v\n%s", host, port, err, page)
		}
	}
	out, err := peer.Run("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--resolve", "nobody.tenants.localhost:"+strconv.Itoa(httpPort)+":127.0.0.1", "http://nobody.tenants.localhost:"+strconv.Itoa(httpPort)+"/")
	if err != nil || out != "404" {
		t.Errorf("an unknown host on the peer: %q %v, want 404", out, err)
	}
}
