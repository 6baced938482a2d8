package engine

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
)

// maxExecOutput bounds the output Exec keeps.
const maxExecOutput = 64 << 10

// Exec runs command in the container and waits for it to finish or for
// ctx to end. Output is stdout and stderr together.
func (d *Docker) Exec(ctx context.Context, id string, command []string) (ExecResult, error) {
	created, err := d.cli.ContainerExecCreate(ctx, id, container.ExecOptions{Cmd: command, AttachStdout: true, AttachStderr: true})
	if err != nil {
		return ExecResult{}, fmt.Errorf("exec in %s: %w", id, err)
	}
	attach, err := d.cli.ContainerExecAttach(ctx, created.ID, container.ExecAttachOptions{})
	if err != nil {
		return ExecResult{}, fmt.Errorf("exec in %s: %w", id, err)
	}
	defer attach.Close()
	var out limitedBuffer
	done := make(chan error, 1)
	go func() {
		_, err := stdcopy.StdCopy(&out, &out, attach.Reader)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil && err != io.EOF {
			return ExecResult{}, fmt.Errorf("exec in %s: %w", id, err)
		}
	case <-ctx.Done():
		return ExecResult{Output: out.String()}, ctx.Err()
	}
	inspect, err := d.cli.ContainerExecInspect(ctx, created.ID)
	if err != nil {
		return ExecResult{}, fmt.Errorf("exec in %s: %w", id, err)
	}
	return ExecResult{ExitCode: inspect.ExitCode, Output: out.String()}, nil
}

// limitedBuffer keeps the first maxExecOutput bytes written to it.
type limitedBuffer struct{ bytes.Buffer }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := maxExecOutput - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// maxReadFile bounds the file ReadFile returns.
const maxReadFile = 1 << 20

// ReadFile returns a regular file of a container (running or not), read
// through the engine's archive API as `docker cp` does: no program in
// the container is needed, so it works for images FROM scratch.
func (d *Docker) ReadFile(ctx context.Context, id, path string) ([]byte, error) {
	rc, _, err := d.cli.CopyFromContainer(ctx, id, path)
	if err != nil {
		return nil, fmt.Errorf("read %s from %s: %w", path, id, err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err != nil {
			return nil, fmt.Errorf("read %s from %s: no regular file in the archive: %w", path, id, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		if h.Size > maxReadFile {
			return nil, fmt.Errorf("read %s from %s: %d bytes is too large", path, id, h.Size)
		}
		return io.ReadAll(tr)
	}
}
