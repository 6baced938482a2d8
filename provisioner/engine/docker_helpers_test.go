package engine

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"

	"github.com/tenantctl/tenantctl/provisioner/resource"
	"github.com/tenantctl/tenantctl/provisioner/testenv"
)

// testImage is a scratch image holding one static binary, built and
// imported by the tests themselves (the host has no registry access).
const testImage = "tenantctl-test/engine:1"

// testImageSource serves HTTP on -addr (default :8080), answering /healthz;
// with -check it probes that server and exits 0 or 1, for health checks.
const testImageSource = `package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"
)

func main() {
	check := flag.Bool("check", false, "probe the local server and exit")
	addr := flag.String("addr", ":8080", "listen address")
	flag.Parse()
	if *check {
		c := http.Client{Timeout: 2 * time.Second}
		resp, err := c.Get("http://127.0.0.1" + *addr + "/healthz")
		if err != nil {
			fmt.Println("probe:", err)
			os.Exit(1)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			fmt.Println("probe: status", resp.StatusCode)
			os.Exit(1)
		}
		fmt.Println("probe: ok")
		return
	}
	http.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	fmt.Println("engine-test: listening on", *addr)
	fmt.Fprintln(os.Stderr, "engine-test: hello on stderr")
	if err := http.ListenAndServe(*addr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "engine-test:", err)
		os.Exit(1)
	}
}
`

const (
	labelTest       = "tenantctl.test"
	labelTestSource = "tenantctl.test.source"
)

// integrationDocker connects to the local engine. It skips the test under
// -short and fails it when the engine does not answer.
func integrationDocker(t *testing.T) *Docker {
	t.Helper()
	testenv.Docker(t)
	d, err := NewDocker("")
	if err != nil {
		t.Fatalf("connecting to the Docker engine: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := d.Ping(ctx); err != nil {
		t.Fatalf("the Docker engine does not answer the client: %v", err)
	}
	return d
}

// testProject returns a project name unique to this run and removes
// everything labelled with it when the test ends, and nothing else.
func testProject(t *testing.T, d *Docker) string {
	t.Helper()
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	project := "enginetest-" + hex.EncodeToString(b)
	t.Cleanup(func() { cleanupProject(t, d, project) })
	return project
}

func cleanupProject(t *testing.T, d *Docker, project string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	byLabel := filters.NewArgs(filters.Arg("label", resource.LabelProject+"="+project))
	cs, err := d.cli.ContainerList(ctx, container.ListOptions{All: true, Filters: byLabel})
	if err != nil {
		t.Errorf("cleanup %s: %v", project, err)
	}
	for _, c := range cs {
		if err := d.cli.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true}); err != nil {
			t.Errorf("cleanup container %s: %v", c.ID, err)
		}
	}
	ns, err := d.cli.NetworkList(ctx, network.ListOptions{Filters: byLabel})
	if err != nil {
		t.Errorf("cleanup %s: %v", project, err)
	}
	for _, n := range ns {
		if err := d.cli.NetworkRemove(ctx, n.ID); err != nil {
			t.Errorf("cleanup network %s: %v", n.Name, err)
		}
	}
	vs, err := d.cli.VolumeList(ctx, volume.ListOptions{Filters: byLabel})
	if err != nil {
		t.Errorf("cleanup %s: %v", project, err)
	}
	for _, v := range vs.Volumes {
		if err := d.cli.VolumeRemove(ctx, v.Name, true); err != nil {
			t.Errorf("cleanup volume %s: %v", v.Name, err)
		}
	}
}

// labels are the labels tenantctl would put on an object of tenant.
func labels(project, tenant string, kind resource.Kind, extra ...string) map[string]string {
	l := map[string]string{
		resource.LabelProject: project,
		resource.LabelTenant:  tenant,
		resource.LabelKind:    string(kind),
	}
	for i := 0; i+1 < len(extra); i += 2 {
		l[extra[i]] = extra[i+1]
	}
	return l
}

var (
	subnetMu sync.Mutex
	// handedOut are the subnets freeSubnets returned already: a parallel
	// test may not have made its network yet, so the engine does not show
	// them as used.
	handedOut = map[netip.Prefix]bool{}
)

// freeSubnets picks n /24 subnets in 10.213.0.0/16 that no network on the
// host overlaps and no other test of this run was given.
func freeSubnets(t *testing.T, d *Docker, n int) []netip.Prefix {
	t.Helper()
	subnetMu.Lock()
	defer subnetMu.Unlock()
	o, err := d.Observe(context.Background(), "no-such-project")
	if err != nil {
		t.Fatal(err)
	}
	var out []netip.Prefix
	start := int(time.Now().UnixNano() % 200)
	for i := 0; i < 256 && len(out) < n; i++ {
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 213, byte((start + i) % 256), 0}), 24)
		free := !handedOut[p]
		for _, u := range o.UsedSubnets {
			if u.Overlaps(p) {
				free = false
			}
		}
		if free {
			out = append(out, p)
		}
	}
	if len(out) < n {
		t.Fatalf("no %d free subnets in 10.213.0.0/16", n)
	}
	for _, p := range out {
		handedOut[p] = true
	}
	return out
}

// freePort returns a TCP port nothing listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

var (
	imageOnce sync.Once
	imageErr  error
)

// ensureTestImage makes testImage present, building it only when it is
// missing or was built from other source.
func ensureTestImage(t *testing.T, d *Docker) {
	t.Helper()
	imageOnce.Do(func() { imageErr = buildTestImage(d) })
	if imageErr != nil {
		t.Fatalf("building the test image %s: %v", testImage, imageErr)
	}
}

func buildTestImage(d *Docker) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	sum := sha256.Sum256([]byte(testImageSource))
	source := hex.EncodeToString(sum[:8])
	if info, err := d.cli.ImageInspect(ctx, testImage); err == nil && info.Config != nil &&
		info.Config.Labels[labelTestSource] == source {
		return nil
	}

	dir, err := os.MkdirTemp("", "tenantctl-engine-image-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	files := map[string]string{
		"go.mod":  "module enginetest\n\ngo 1.22\n",
		"main.go": testImageSource,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", "engine", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOWORK=off", "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %v\n%s", err, out)
	}
	bin, err := os.ReadFile(filepath.Join(dir, "engine"))
	if err != nil {
		return err
	}

	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	if err := tw.WriteHeader(&tar.Header{Name: "engine", Mode: 0o755, Size: int64(len(bin)), ModTime: time.Unix(0, 0)}); err != nil {
		return err
	}
	if _, err := tw.Write(bin); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	rc, err := d.cli.ImageImport(ctx, image.ImportSource{Source: &layer, SourceName: "-"}, testImage, image.ImportOptions{
		Changes: []string{
			"LABEL " + labelTest + "=engine",
			"LABEL " + labelTestSource + "=" + source,
			`CMD ["/engine"]`,
		},
	})
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer rc.Close()
	return jsonStreamError(rc)
}

// jsonStreamError reads an engine progress stream to its end and returns
// the error it reports, if any.
func jsonStreamError(r io.Reader) error {
	dec := json.NewDecoder(r)
	for {
		var msg struct {
			Error string `json:"error"`
		}
		if err := dec.Decode(&msg); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if msg.Error != "" {
			return errors.New(msg.Error)
		}
	}
}

// waitState polls a container until cond holds or the timeout passes.
func waitState(t *testing.T, d *Docker, id string, timeout time.Duration, cond func(State) bool) State {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		st, err := d.ContainerState(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if cond(st) {
			return st
		}
		if time.Now().After(deadline) {
			logs, _ := d.Logs(context.Background(), id, 50)
			t.Fatalf("container %s: state %+v after %s; logs:\n%s", id, st, timeout, logs)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
