package smoke

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/check"
	"github.com/tenantctl/tenantctl/provisioner/config"
	"github.com/tenantctl/tenantctl/provisioner/engine"
	"github.com/tenantctl/tenantctl/provisioner/model"
	"github.com/tenantctl/tenantctl/provisioner/workspace"
)

// Origin names the smoke tenant in configuration messages.
const Origin = "tenantctl smoke"

// prefixRE keeps <prefix>-<6 hex> a valid tenant name (a DNS label of at
// most 32 characters).
var prefixRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,24}$`)

// runner is one run in progress.
type runner struct {
	opts    *Options
	ws      *workspace.Workspace
	engines map[string]engine.Engine
	tenant  *model.Tenant
	report  *Report
	log     io.Writer
	// stepFailed is set when an apply step failed (rather than being
	// skipped), in the current provisioning attempt.
	stepFailed bool
}

// NewName returns a fresh tenant name <prefix>-<6 hex>.
func NewName(prefix string) (string, error) {
	if !prefixRE.MatchString(prefix) {
		return "", fmt.Errorf("name prefix %q: it must be 1 to 25 lowercase letters, digits and dashes, starting with a letter, so that %q-<6 hex> is a valid tenant name", prefix, prefix)
	}
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return prefix + "-" + hex.EncodeToString(b), nil
}

// start loads the project with the smoke tenant added and connects to
// its host. A name already on the engine (vanishingly rare) is redrawn.
func start(ctx context.Context, opts *Options) (*runner, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	for attempt := 0; ; attempt++ {
		name, err := NewName(opts.Prefix)
		if err != nil {
			return nil, err
		}
		started := time.Now()
		ws, err := workspace.LoadExtra(opts.Dir, getenv, config.Extra{
			Name: name, Template: opts.Template, Vars: opts.Vars,
			Expires: started.Add(opts.Timeout + opts.CleanupTimeout + expiryMargin).Truncate(time.Second),
			Origin:  Origin, VarFlag: "--var",
		})
		if err != nil {
			return nil, err
		}
		if connect != nil {
			ws.Connect = connect
		}
		r, err := newRunner(ctx, opts, ws, name, started)
		if err == errNameTaken && attempt < 3 {
			continue
		}
		return r, err
	}
}

// connect, when set, replaces the workspace's way of opening a host's
// engine; unit tests set it to a fake.
var connect func(h model.Host) (engine.Engine, error)

var errNameTaken = fmt.Errorf("the drawn tenant name is taken")

// newRunner checks the smoke tenant and its host.
func newRunner(ctx context.Context, opts *Options, ws *workspace.Workspace, name string, started time.Time) (*runner, error) {
	t := ws.Project.Tenant(name)
	if err := fixedPorts(t); err != nil {
		ws.Close()
		return nil, err
	}
	engines, err := ws.Engines()
	if err != nil {
		ws.Close()
		return nil, err
	}
	observed, err := ws.Observe(ctx)
	if err != nil {
		ws.Close()
		return nil, err
	}
	for _, obs := range observed {
		for _, n := range obs.TenantNames() {
			if n == name {
				ws.Close()
				return nil, errNameTaken
			}
		}
	}
	r := &runner{opts: opts, ws: ws, engines: engines, tenant: t, log: ws.Redactor().Writer(opts.Log)}
	r.report = &Report{
		Project: ws.Project.Name, Tenant: name, Template: t.Template, Host: t.Host,
		Expires: t.Expires, Started: started,
	}
	for _, c := range t.Checks {
		kind := check.KindHTTP
		if c.Exec != nil {
			kind = check.KindExec
		}
		r.report.Checks = append(r.report.Checks, CheckResult{Result: check.Result{Name: c.Name, Kind: kind}, Skipped: true})
	}
	return r, nil
}

// fixedPorts refuses a template that publishes fixed host ports: every
// smoke tenant, and the tenants made from the same template, would want
// the same port, so parallel runs would collide.
func fixedPorts(t *model.Tenant) error {
	var fixed []string
	for _, s := range t.Services {
		for _, p := range s.Ports {
			if p.Host != 0 {
				fixed = append(fixed, fmt.Sprintf("%s.%s = %d", s.Name, p.Name, p.Host))
			}
		}
	}
	if len(fixed) == 0 {
		return nil
	}
	return fmt.Errorf("template %q publishes fixed host ports (%s); a smoke tenant needs allocated ones (host = 0), or parallel runs and the tenants of the template would collide", t.Template, strings.Join(fixed, ", "))
}

// scrub masks every secret of the project in s, as a last guard: the
// app's log lines or a command's output might echo one.
func (r *runner) scrub(s string) string { return r.ws.Redactor().String(s) }
