package workspace

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/distribution/reference"

	"github.com/tenantctl/tenantctl/provisioner/engine"
	"github.com/tenantctl/tenantctl/provisioner/model"
	"github.com/tenantctl/tenantctl/provisioner/plan"
)

// pullTimeout bounds a remote host's attempt to pull an image.
const pullTimeout = 30 * time.Second

// remoteEngine is an engine reached over SSH.
type remoteEngine interface {
	Remote() bool
}

// EnsureImages makes sure every SSH host runs exactly the images the plan
// creates containers from, as the local engine (the one at $DOCKER_HOST or
// the local socket) has them. An image is judged by its ID, never by its
// tag: when the host's image under a reference is missing or is another
// image, the local one is streamed by ID over the host's SSH connection
// (docker save into docker load, once per host and image) and the
// reference is tagged to it there. Nothing is pulled — a name such as
// tenantctl-example/app:1.1.0 would resolve to a public registry, where
// anyone may publish it — except a reference pinned by digest
// (name@sha256:…), which only its registry can serve and whose content
// the digest fixes, and every image of a host with pull = true, which
// falls back to the local image when the pull fails. Progress lines go to
// progress. The IDs found here are what CheckImages then requires; local
// hosts are left to CheckImages alone.
func (w *Workspace) EnsureImages(ctx context.Context, p *plan.Plan, progress func(string)) error {
	engines, err := w.Engines()
	if err != nil {
		return err
	}
	needed := map[string]map[string]bool{} // host → images
	for _, t := range planImages(p) {
		r, ok := engines[t.Host].(remoteEngine)
		if !ok || !r.Remote() {
			continue
		}
		if needed[t.Host] == nil {
			needed[t.Host] = map[string]bool{}
		}
		needed[t.Host][t.Image] = true
	}
	if len(needed) == 0 {
		return nil
	}
	open := w.openLocal
	if open == nil {
		open = openLocalEngine
	}
	src := &imageSource{open: open}
	defer src.close()
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
			c := imageCopy{dst: engines[h], host: h, pullAll: pullAllowed(w.Project.Host(h)), ref: img, src: src, progress: progress}
			id, err := c.ensure(ctx)
			if err != nil {
				errs = append(errs, fmt.Errorf("host %s: image %s: %w", h, img, err))
				continue
			}
			w.mu.Lock()
			if w.ensured == nil {
				w.ensured = map[string]string{}
			}
			w.ensured[h+"\x00"+img] = id
			w.mu.Unlock()
		}
	}
	return errors.Join(errs...)
}

// openLocalEngine opens the local engine images are copied from.
func openLocalEngine() (engine.Engine, error) {
	d, err := engine.NewDocker("")
	if err != nil {
		return nil, err
	}
	return d, nil
}

// imageSource is the local engine, opened on first use. It is opened at
// most once: every later call returns the same engine, or the same error.
type imageSource struct {
	open func() (engine.Engine, error)
	once sync.Once
	eng  engine.Engine
	err  error
}

func (s *imageSource) get() (engine.Engine, error) {
	s.once.Do(func() {
		s.eng, s.err = s.open()
		if s.err == nil && s.eng == nil {
			s.err = errors.New("no local engine")
		}
	})
	return s.eng, s.err
}

func (s *imageSource) close() {
	if s.eng != nil {
		s.eng.Close()
	}
}

// digestPinned reports whether ref names its image by digest
// (name@sha256:…), so that whatever serves it serves that content.
func digestPinned(ref string) bool {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return false
	}
	_, ok := named.(reference.Digested)
	return ok
}

// pullAllowed reports whether host opted in to pulling every image.
func pullAllowed(host *model.Host) bool { return host != nil && host.Pull }

// imageCopy gets one image onto one SSH host.
type imageCopy struct {
	dst  engine.Engine
	host string
	// pullAll is the host's pull = true.
	pullAll  bool
	ref      string
	src      *imageSource
	progress func(string)
}

// ensure makes the host's ref the image it must be and returns its ID.
func (c *imageCopy) ensure(ctx context.Context) (string, error) {
	to, ok := c.dst.(engine.ImageTransfer)
	if !ok {
		return "", errors.New("the engine cannot load images")
	}
	if digestPinned(c.ref) {
		if id, err := to.ImageID(ctx, c.ref); err != nil || id != "" {
			return id, err
		}
		if err := c.pull(ctx, to); err != nil {
			return "", fmt.Errorf("it is pinned by digest, so only its registry can provide it (docker load keeps no digests), and the host cannot pull it: %w", err)
		}
		return c.present(ctx, to)
	}
	if c.pullAll {
		err := c.pull(ctx, to)
		if err == nil {
			return c.present(ctx, to)
		}
		c.progress(fmt.Sprintf("image %s: host %s cannot pull it (%v); using the local engine's", c.ref, c.host, err))
	}
	return c.copyLocal(ctx, to)
}

// pull pulls ref on the host, within pullTimeout.
func (c *imageCopy) pull(ctx context.Context, to engine.ImageTransfer) error {
	ctx, cancel := context.WithTimeout(ctx, pullTimeout)
	defer cancel()
	if err := to.ImagePull(ctx, c.ref); err != nil {
		return err
	}
	c.progress(fmt.Sprintf("image %s: pulled on host %s", c.ref, c.host))
	return nil
}

// present is the ID of ref on the host after a pull.
func (c *imageCopy) present(ctx context.Context, to engine.ImageTransfer) (string, error) {
	id, err := to.ImageID(ctx, c.ref)
	if err == nil && id == "" {
		err = errors.New("pulled, but the host has no image under that name")
	}
	return id, err
}

// copyLocal makes the host's ref the local engine's image of that name:
// nothing when the IDs already agree, a tag when the host holds the image
// under another name, else a copy by ID and a tag.
func (c *imageCopy) copyLocal(ctx context.Context, to engine.ImageTransfer) (string, error) {
	src, err := c.src.get()
	if err != nil {
		return "", fmt.Errorf("no local engine to copy it from: %w", err)
	}
	from, ok := src.(engine.ImageTransfer)
	if !ok {
		return "", errors.New("the local engine cannot save images")
	}
	want, err := from.ImageID(ctx, c.ref)
	if err != nil {
		return "", fmt.Errorf("local engine: %w", err)
	}
	if want == "" {
		return "", errors.New("it is not on the local engine; build it first (for the example images: make images)")
	}
	have, err := to.ImageID(ctx, c.ref)
	if err != nil || have == want {
		return want, err
	}
	if have != "" {
		c.progress(fmt.Sprintf("image %s: host %s has another image under that name (%s, local %s); replacing it with the local one", c.ref, c.host, shortID(have), shortID(want)))
	}
	byID, err := to.ImageID(ctx, want)
	if err != nil {
		return "", err
	}
	if byID != want {
		if err := c.stream(ctx, from, to, want); err != nil {
			return "", err
		}
	}
	if err := to.ImageTag(ctx, want, c.ref); err != nil {
		return "", err
	}
	if got, err := to.ImageID(ctx, c.ref); err != nil || got != want {
		if err == nil {
			err = fmt.Errorf("after the copy the host's %s is %s, not %s", c.ref, shortID(got), shortID(want))
		}
		return "", err
	}
	if byID == want {
		c.progress(fmt.Sprintf("image %s: host %s already has %s; tagged it", c.ref, c.host, shortID(want)))
	}
	return want, nil
}

// stream copies the local image id to the host: docker save into docker
// load, with progress.
func (c *imageCopy) stream(ctx context.Context, from, to engine.ImageTransfer, id string) error {
	size, _ := from.ImageSize(ctx, id)
	host := c.host
	c.progress(fmt.Sprintf("image %s: copying %s from the local engine to host %s (about %s)", c.ref, shortID(id), host, mib(size)))
	rc, err := from.ImageSave(ctx, id)
	if err != nil {
		return err
	}
	defer rc.Close()
	start := time.Now()
	cr := &countingReader{r: rc, every: 2 * time.Second, last: start, report: func(n int64) {
		c.progress(fmt.Sprintf("image %s → host %s: %s sent", c.ref, host, mib(n)))
	}}
	if err := to.ImageLoad(ctx, cr); err != nil {
		return err
	}
	c.progress(fmt.Sprintf("image %s → host %s: done, %s in %s", c.ref, host, mib(cr.n), time.Since(start).Round(100*time.Millisecond)))
	return nil
}

// shortID is an image ID as docker images shows it.
func shortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		id = id[:12]
	}
	return id
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

// planImage is an image a plan creates a container from on a host, for
// a tenant or for the edge proxy (Owner).
type planImage struct {
	Host, Owner, Image string
}

// planImages lists the images of the containers p creates or replaces:
// the edge proxies' first, then the tenants'.
func planImages(p *plan.Plan) []planImage {
	var out []planImage
	add := func(host, owner string, ops []plan.Operation) {
		for _, op := range ops {
			if op.Container != nil && (op.Action == plan.Create || op.Action == plan.Replace) {
				out = append(out, planImage{host, owner, op.Container.Image})
			}
		}
	}
	for _, e := range p.Edges {
		add(e.Host, "the edge proxy", e.Operations)
	}
	for _, t := range p.Tenants {
		add(t.Host, "tenant "+t.Name, t.Operations)
	}
	return out
}
