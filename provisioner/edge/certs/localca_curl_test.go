package certs

import (
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// TestIntegrationLocalCAWithCurl is the demo's promise with a real client:
// curl, trusting only the local CA's file, opens a tenant's *.localhost
// name (curl resolves those to loopback itself, no DNS set-up), and gets
// no certificate for a name the proxy does not route.
func TestIntegrationLocalCAWithCurl(t *testing.T) {
	if testing.Short() {
		t.Skip("runs curl")
	}
	t.Parallel()
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Fatalf("this test needs curl (apt-get install curl): %v", err)
	}
	m := newLocalCA(t, t.TempDir(), knownHosts("acme.tenants.localhost"), "tenants.localhost")
	ln := listen(t)
	srv := &http.Server{TLSConfig: m.TLSConfig(), Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("hello " + r.Host))
	})}
	go srv.ServeTLS(ln, "", "")
	t.Cleanup(func() { srv.Close() })
	p := strconv.Itoa(port(ln))

	out, err := exec.Command(curl, "-sS", "--max-time", "20", "--cacert", m.CACertFile(),
		"https://acme.tenants.localhost:"+p+"/").CombinedOutput()
	if err != nil || string(out) != "hello acme.tenants.localhost:"+p {
		t.Fatalf("curl --cacert %s https://acme.tenants.localhost:%s/: %v\n%s", m.CACertFile(), p, err, out)
	}
	out, err = exec.Command(curl, "-sS", "--max-time", "20", "--cacert", m.CACertFile(),
		"https://globex.tenants.localhost:"+p+"/").CombinedOutput()
	if err == nil || strings.Contains(string(out), "hello") {
		t.Errorf("curl to an unrouted name succeeded: %s", out)
	}
}
