package workspace

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/tenantctl/tenantctl/provisioner/resource"
	"github.com/tenantctl/tenantctl/provisioner/secret"
)

// dnsLabel is the rule for project, tenant and service names.
var dnsLabel = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}[a-z0-9]$`)

// Init scaffolds a project in dir: tenantctl.hcl, templates/, tenants/,
// a .gitignore that keeps the key out of git, and the master key. In a
// directory that already has tenantctl.hcl it only adds what is missing of
// the key and the .gitignore. It never overwrites a file and reports what it
// created.
//
// A new key for an existing project is refused while the project's engines
// hold tenants of it (see NewKeyAllowed), unless force is set: those
// tenants were made with another key, and a new one would lock them out.
func Init(ctx context.Context, dir, name string, force bool) ([]string, error) {
	var created []string
	files := []struct{ path, text string }{{".gitignore", ".tenantctl/\n"}}
	// An existing project only gets its key; a new one gets examples.
	_, err := os.Stat(filepath.Join(dir, "tenantctl.hcl"))
	existing := err == nil
	if _, err := os.Stat(filepath.Join(dir, secret.KeyFile)); existing && !force && errors.Is(err, fs.ErrNotExist) && os.Getenv(secret.EnvVar) == "" {
		if err := NewKeyAllowed(ctx, dir); err != nil {
			return nil, err
		}
	}
	if !existing {
		if name == "" {
			name = sanitize(filepath.Base(mustAbs(dir)))
		}
		if !dnsLabel.MatchString(name) {
			return nil, fmt.Errorf("project name %q is not a DNS label (lowercase letters, digits and '-', 2-32 characters); pass --name", name)
		}
		files = append(files,
			struct{ path, text string }{"tenantctl.hcl", fmt.Sprintf(projectFile, name)},
			struct{ path, text string }{filepath.Join("templates", "web.hcl"), templateFile},
			struct{ path, text string }{filepath.Join("tenants", "example.hcl"), tenantFile})
	}
	for _, f := range files {
		path := filepath.Join(dir, f.path)
		if _, err := os.Stat(path); err == nil {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return created, err
		}
		if err := os.WriteFile(path, []byte(f.text), 0o644); err != nil {
			return created, err
		}
		created = append(created, f.path)
	}
	if _, err := os.Stat(filepath.Join(dir, secret.KeyFile)); errors.Is(err, fs.ErrNotExist) && os.Getenv(secret.EnvVar) == "" {
		if _, err := secret.Create(dir); err != nil {
			return created, err
		}
		created = append(created, secret.KeyFile+" (mode 0600: back it up; losing it loses every tenant's secrets)")
	}
	return created, nil
}

// NewKeyAllowed refuses a new master key for the project in dir while its
// engines hold tenants of the project, or when they cannot be asked.
func NewKeyAllowed(ctx context.Context, dir string) error {
	w, err := Load(dir, false)
	if err != nil {
		return err
	}
	defer w.Close()
	observed, err := w.Observe(ctx)
	if err != nil && !IsPartial(err) {
		return fmt.Errorf("cannot tell whether this project's engines hold tenants made with its key (%w); a new key would lock them out, so none was made: restore %s from its backup, or run `tenantctl init --force` if the project really has no tenants", err, secret.KeyFile)
	}
	var found []string
	for _, host := range sortedHosts(observed) {
		obs := observed[host]
		names := obs.TenantNames()
		for _, k := range obs.Keys {
			names = append(names, k.Labels[resource.LabelTenant])
		}
		slices.Sort(names)
		for _, n := range slices.Compact(names) {
			found = append(found, n+" on "+host)
		}
	}
	if len(found) > 0 {
		return fmt.Errorf("project %s already has tenants (%s) made with a master key that is not here; a new key would make their secrets wrong, so none was made: restore %s from its backup or set $%s (`tenantctl key id` then shows its fingerprint); `tenantctl init --force` makes a new key anyway", w.Project.Name, strings.Join(found, ", "), secret.KeyFile, secret.EnvVar)
	}
	if err != nil {
		return fmt.Errorf("%w; a new key would lock out any tenants on those hosts, so none was made: run `tenantctl init --force` to make one anyway", err)
	}
	return nil
}

func mustAbs(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return dir
	}
	return abs
}

// sanitize turns a directory name into a DNS label where it can.
func sanitize(s string) string {
	s = strings.ToLower(s)
	s = regexp.MustCompile(`[^a-z0-9-]+`).ReplaceAllString(s, "-")
	s = strings.Trim(s, "-")
	if len(s) > 32 {
		s = strings.Trim(s[:32], "-")
	}
	return s
}

const projectFile = `# The project and the Docker hosts its tenants live on.
project %q {
  # network_pool = "10.210.0.0/16"  # tenant subnets are carved from here
  # subnet_size  = 27
  # port_range   = [20000, 29999]   # host ports allocated to tenants
}

host "local" {
  # docker = "unix:///var/run/docker.sock"  # default: $DOCKER_HOST
}
`

const templateFile = `# A stack template: every tenant that uses it gets its own copy.
template "web" {
  variable "image" {
    type    = string
    default = "tenantctl-example/app:1.0.0"
  }

  service "web" {
    image = var.image
    env   = { TENANT_NAME = tenant.name }
    port "http" { container = 8080 }
  }
}
`

const tenantFile = `# One customer. Copy this file for the next one.
tenant "example" {
  template = "web"
  labels   = { owner = "you" }
}
`
