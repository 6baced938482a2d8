package engine

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
)

// ImageTransfer is implemented by engines that can move images without a
// registry: save one engine's image as a tar stream, load it into another.
type ImageTransfer interface {
	// ImageSave streams the image (docker save format).
	ImageSave(ctx context.Context, ref string) (io.ReadCloser, error)
	// ImageLoad loads a docker save stream.
	ImageLoad(ctx context.Context, r io.Reader) error
	// ImagePull pulls ref from its registry.
	ImagePull(ctx context.Context, ref string) error
	// ImageSize is the image's size in bytes, for progress.
	ImageSize(ctx context.Context, ref string) (int64, error)
	// ImageID is the ID (sha256:…) of the image ref names on the host — a
	// tag, a digest reference or an ID — or "" when the host has none.
	// Two hosts run the same image exactly when the IDs are equal; a tag
	// says nothing of what it points at.
	ImageID(ctx context.Context, ref string) (string, error)
	// ImageTag points the tag ref at the image id, moving it from any
	// image it pointed at before.
	ImageTag(ctx context.Context, id, ref string) error
}

var _ ImageTransfer = (*Docker)(nil)

// ImageSave streams ref from the engine. The whole transfer, until the
// stream is closed, is bounded by the Image timeout.
func (d *Docker) ImageSave(ctx context.Context, ref string) (io.ReadCloser, error) {
	ctx, cancel := context.WithTimeout(ctx, d.timeouts.Image)
	rc, err := d.cli.ImageSave(ctx, []string{ref})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("save image %s: %w", ref, err)
	}
	return &cancelOnClose{ReadCloser: rc, cancel: cancel}, nil
}

// ImageLoad loads a docker save stream into the engine, within the Image
// timeout.
func (d *Docker) ImageLoad(ctx context.Context, r io.Reader) error {
	ctx, cancel := context.WithTimeout(ctx, d.timeouts.Image)
	defer cancel()
	resp, err := d.cli.ImageLoad(ctx, r, client.ImageLoadWithQuiet(true))
	if err != nil {
		return fmt.Errorf("load image: %w", err)
	}
	defer resp.Body.Close()
	return messageStreamError(resp.Body)
}

// ImagePull pulls ref and waits for the pull to end, within the Image
// timeout.
func (d *Docker) ImagePull(ctx context.Context, ref string) error {
	ctx, cancel := context.WithTimeout(ctx, d.timeouts.Image)
	defer cancel()
	rc, err := d.cli.ImagePull(ctx, ref, image.PullOptions{})
	if err != nil {
		return fmt.Errorf("pull image %s: %w", ref, err)
	}
	defer rc.Close()
	return messageStreamError(rc)
}

// ImageSize is the size of ref in bytes.
func (d *Docker) ImageSize(ctx context.Context, ref string) (int64, error) {
	info, err := d.cli.ImageInspect(ctx, ref)
	if err != nil {
		return 0, err
	}
	return info.Size, nil
}

// ImageID is the ID of the image ref names, or "" when there is none.
func (d *Docker) ImageID(ctx context.Context, ref string) (string, error) {
	info, err := d.cli.ImageInspect(ctx, ref)
	if err != nil {
		if cerrdefs.IsNotFound(err) {
			return "", nil
		}
		return "", fmt.Errorf("inspect image %s: %w", ref, err)
	}
	return info.ID, nil
}

// ImageTag points the tag ref at the image id.
func (d *Docker) ImageTag(ctx context.Context, id, ref string) error {
	if err := d.cli.ImageTag(ctx, id, ref); err != nil {
		return fmt.Errorf("tag image %s as %s: %w", id, ref, err)
	}
	return nil
}

// ServerVersion is the engine's version, e.g. "20.10.24+dfsg1".
func (d *Docker) ServerVersion(ctx context.Context) (string, error) {
	v, err := d.cli.ServerVersion(ctx)
	if err != nil {
		return "", err
	}
	return v.Version, nil
}

// messageStreamError reads a JSON message stream to its end and returns the
// first error message in it.
func messageStreamError(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		var m struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(sc.Bytes(), &m) == nil && m.Error != "" {
			return errors.New(strings.TrimSpace(m.Error))
		}
	}
	return sc.Err()
}
