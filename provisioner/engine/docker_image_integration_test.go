package engine

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"
)

// TestIntegrationDockerImageIDAndTag: ImageID names what a reference
// points at (by tag or by ID, "" for none), and ImageTag moves a tag from
// one image to another.
func TestIntegrationDockerImageIDAndTag(t *testing.T) {
	d := integrationDocker(t)
	ensureTestImage(t, d)
	t.Parallel()
	ctx := context.Background()
	info, err := d.cli.ImageInspect(ctx, testImage)
	if err != nil {
		t.Fatal(err)
	}
	want := info.ID
	for ref, id := range map[string]string{
		testImage:                         want,
		want:                              want,
		"tenantctl-test/does-not-exist:0": "",
		"tenantctl-test/engine:no-such":   "",
	} {
		if got, err := d.ImageID(ctx, ref); err != nil || got != id {
			t.Errorf("ImageID(%s) = %q, %v; want %q", ref, got, err, id)
		}
	}

	// A second image of our own under a fresh tag; ImageTag moves the tag
	// to the test image.
	b := make([]byte, 3)
	rand.Read(b)
	ref := "tenantctl-test/imagetag-" + hex.EncodeToString(b) + ":a"
	other := importTiny(t, d, ref)
	if other == want {
		t.Fatal("the imported image has the test image's ID")
	}
	if err := d.ImageTag(ctx, want, ref); err != nil {
		t.Fatal(err)
	}
	if got, err := d.ImageID(ctx, ref); err != nil || got != want {
		t.Errorf("after ImageTag, ImageID(%s) = %q, %v; want %q", ref, got, err, want)
	}
}

// importTiny imports a one-file image as ref and returns its ID; the
// tag and the image are removed when the test ends.
func importTiny(t *testing.T, d *Docker, ref string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	body := []byte(ref)
	tw.WriteHeader(&tar.Header{Name: "ref", Mode: 0o644, Size: int64(len(body)), ModTime: time.Unix(0, 0)})
	tw.Write(body)
	tw.Close()
	rc, err := d.cli.ImageImport(ctx, image.ImportSource{Source: &layer, SourceName: "-"}, ref, image.ImportOptions{
		Changes: []string{"LABEL " + labelTest + "=engine"},
	})
	if err != nil {
		t.Fatal(err)
	}
	err = jsonStreamError(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	id, err := d.ImageID(ctx, ref)
	if err != nil || id == "" {
		t.Fatalf("ImageID(%s) after import = %q, %v", ref, id, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		d.cli.ImageRemove(ctx, ref, image.RemoveOptions{})
		if _, err := d.cli.ImageRemove(ctx, id, image.RemoveOptions{}); err != nil {
			t.Errorf("removing the imported image: %v", err)
		}
	})
	return id
}
