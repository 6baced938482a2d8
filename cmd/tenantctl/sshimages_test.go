package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/tenantctl/tenantctl/provisioner/testpeer"
)

// app100 is the image of the small template.
const app100 = "tenantctl-example/app:1.0.0"

// TestIntegrationSSHImagesByID: an SSH host's image is judged by its ID,
// not its tag, and an image that is not pinned by digest is never pulled.
// The peer starts with app 1.1.0's image tagged as app:1.0.0 (a stale or
// foreign image under the tag a tenant uses) and no app:1.1.0 tag at all.
// Apply copies the local app:1.0.0 over and moves the tag, so the
// container runs the local image's ID; app:1.1.0, which the peer lacks by
// name, is tagged onto the image the peer already has by ID; and the
// peer's engine is never asked to pull. With pull = true on the host, a
// pull is tried (and, with no registry here, falls back to the local
// image).
func TestIntegrationSSHImagesByID(t *testing.T) {
	requireEngine(t, app100, appImage)
	t.Parallel()
	peer := startPeer(t)
	id100 := docker(t, "image", "inspect", "--format", "{{.Id}}", app100)
	id110 := docker(t, "image", "inspect", "--format", "{{.Id}}", appImage)
	if id100 == id110 {
		t.Fatalf("%s and %s have the same ID; the test needs two images", app100, appImage)
	}
	loadOnPeer(t, peer, id110, app100)

	p := newProject(t, map[string]string{
		"one": pinned("one", "small", "peer"),
		"two": pinned("two", "small11", "peer"),
	})
	p.write("templates/small11.hcl", strings.Replace(strings.Replace(smallTemplate, `"small"`, `"small11"`, 1), app100, appImage, 1))
	p.projectHCL("host \"local\" {}\n", sshHostHCL("peer", peer, "", "", ""))

	r := p.must(0, "apply", "--auto-approve")
	if got := peerImageOf(t, peer, p.container("one", "web")); got != id100 {
		t.Errorf("tenant one's container on the peer runs %s, want the local %s (%s)\n%s", got, app100, id100, r)
	}
	if got := peerImageOf(t, peer, p.container("two", "web")); got != id110 {
		t.Errorf("tenant two's container on the peer runs %s, want the local %s (%s)\n%s", got, appImage, id110, r)
	}
	if tag, _ := peer.Docker("image", "inspect", "--format", "{{.Id}}", app100); tag != id100 {
		t.Errorf("the peer's %s is %s, want the local %s", app100, tag, id100)
	}
	if !strings.Contains(r.stdout, "image "+app100+" → host peer: done") {
		t.Errorf("apply did not report copying %s:\n%s", app100, r)
	}
	if strings.Contains(r.stdout, "image "+appImage+" → host peer") {
		t.Errorf("apply copied %s although the peer holds its ID:\n%s", appImage, r)
	}
	if n := peer.DockerRequests("/images/create"); n != 0 {
		t.Errorf("the peer's engine was asked to pull %d times; unpinned images must never be pulled\n%s", n, r)
	}

	// Opted in: the host pulls first, then falls back to the local image.
	p.projectHCL("host \"local\" {}\n", sshHostHCL("peer", peer, "", "", "  pull = true\n"))
	p.write("tenants/three.hcl", pinned("three", "small", "peer"))
	r = p.must(0, "apply", "--auto-approve")
	if n := peer.DockerRequests("/images/create"); n == 0 {
		t.Errorf("with pull = true no pull was tried:\n%s", r)
	}
	if got := peerImageOf(t, peer, p.container("three", "web")); got != id100 {
		t.Errorf("tenant three's container on the peer runs %s, want %s\n%s", got, id100, r)
	}
}

// loadOnPeer copies the local image id to the peer by ID (docker save of
// an ID carries no tag) and tags it there as tag.
func loadOnPeer(t *testing.T, peer *testpeer.Peer, id, tag string) {
	t.Helper()
	save := exec.Command("docker", "save", id)
	load := exec.Command("docker", "-H", "unix://"+peer.DockerSocket, "load", "-q")
	load.Env = append(os.Environ(), "DOCKER_CONTEXT=")
	pipe, err := save.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	load.Stdin = pipe
	if err := save.Start(); err != nil {
		t.Fatal(err)
	}
	if out, err := load.CombinedOutput(); err != nil {
		t.Fatalf("docker load on the peer: %v\n%s", err, out)
	}
	if err := save.Wait(); err != nil {
		t.Fatalf("docker save %s: %v", id, err)
	}
	if _, err := peer.Docker("tag", id, tag); err != nil {
		t.Fatal(err)
	}
}

// peerImageOf is the image ID a container on the peer was created from.
func peerImageOf(t *testing.T, peer *testpeer.Peer, container string) string {
	t.Helper()
	id, err := peer.Docker("inspect", "--format", "{{.Image}}", container)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
