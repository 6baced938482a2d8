package workspace

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/engine"
	"github.com/tenantctl/tenantctl/provisioner/plan"
)

// pullTimeout bounds a remote host's attempt to pull an image before the
// image is streamed from the local engine instead.
const pullTimeout = 30 * time.Second

// remoteEngine is an engine reached over SSH.
type remoteEngine interface {
	Remote() bool
}

// EnsureImages makes sure every SSH host has the images the plan creates
// containers from: a host that lacks one tries to pull it, and when it
// cannot, the image is streamed from the local engine (the one at
// $DOCKER_HOST or the local socket) over the host's SSH connection — docker
// save into docker load, once per host and image. Progress lines go to
// progress. Local hosts are left to CheckImages.
func (w *Workspace) EnsureImages(ctx context.Context, p *plan.Plan, progress func(string)) error {
	engines, err := w.Engines()
	if err != nil {
		return err
	}
	needed := map[string]map[string]bool{} // host → images
	for _, t := range p.Tenants {
		r, ok := engines[t.Host].(remoteEngine)
		if !ok || !r.Remote() {
			continue
		}
		for _, op := range t.Operations {
			if op.Container != nil && (op.Action == plan.Create || op.Action == plan.Replace) {
				if needed[t.Host] == nil {
					needed[t.Host] = map[string]bool{}
				}
				needed[t.Host][op.Container.Image] = true
			}
		}
	}
	if len(needed) == 0 {
		return nil
	}
	var local engine.Engine
	var once sync.Once
	source := func() (engine.Engine, error) {
		var err error
		once.Do(func() { local, err = engine.NewDocker("") })
		return local, err
	}
	defer func() {
		if local != nil {
			local.Close()
		}
	}()
	hosts := make([]string, 0, len(needed))
	for h := range needed {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	var errs []error
	for _, h := range hosts {
		images := make([]string, 0, len(needed[h]))
		for img := range needed[h] {
			images = append(images, img)
		}
		sort.Strings(images)
		for _, img := range images {
			if err := ensureImage(ctx, engines[h], h, img, source, progress); err != nil {
				errs = append(errs, fmt.Errorf("host %s: image %s: %w", h, img, err))
			}
		}
	}
	return errors.Join(errs...)
}

// ensureImage gets one image onto one host.
func ensureImage(ctx context.Context, dst engine.Engine, host, ref string, source func() (engine.Engine, error), progress func(string)) error {
	if ok, err := dst.ImageExists(ctx, ref); err != nil || ok {
		return err
	}
	to, ok := dst.(engine.ImageTransfer)
	if !ok {
		return errors.New("the engine cannot load images")
	}
	pctx, cancel := context.WithTimeout(ctx, pullTimeout)
	pullErr := to.ImagePull(pctx, ref)
	cancel()
	if pullErr == nil {
		progress(fmt.Sprintf("image %s: pulled on host %s", ref, host))
		return nil
	}
	src, err := source()
	if err != nil {
		return fmt.Errorf("cannot pull it (%v) and no local engine to copy it from: %w", pullErr, err)
	}
	from, ok := src.(engine.ImageTransfer)
	if ok2, err := src.ImageExists(ctx, ref); !ok || err != nil || !ok2 {
		return fmt.Errorf("cannot pull it (%v), and it is not on the local engine either; build it first (for the example images: make images)", pullErr)
	}
	size, _ := from.ImageSize(ctx, ref)
	progress(fmt.Sprintf("image %s: not on host %s and cannot be pulled there; copying it from the local engine (about %s)", ref, host, mib(size)))
	rc, err := from.ImageSave(ctx, ref)
	if err != nil {
		return err
	}
	defer rc.Close()
	start := time.Now()
	cr := &countingReader{r: rc, every: 2 * time.Second, last: start, report: func(n int64) {
		progress(fmt.Sprintf("image %s → host %s: %s sent", ref, host, mib(n)))
	}}
	if err := to.ImageLoad(ctx, cr); err != nil {
		return err
	}
	progress(fmt.Sprintf("image %s → host %s: done, %s in %s", ref, host, mib(cr.n), time.Since(start).Round(100*time.Millisecond)))
	return nil
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// countingReader counts bytes and reports at most every interval.
type countingReader struct {
	r      io.Reader
	n      int64
	every  time.Duration
	last   time.Time
	report func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if now := time.Now(); now.Sub(c.last) >= c.every {
		c.last = now
		c.report(c.n)
	}
	return n, err
}
