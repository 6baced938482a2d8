package workspace

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/tenantctl/tenantctl/provisioner/secret"
)

// dnsLabel is the rule for project, tenant and service names.
var dnsLabel = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}[a-z0-9]$`)

// Init scaffolds a project in dir: tenantctl.hcl, templates/, tenants/,
// a .gitignore that keeps the key out of git, and the master key. In a
// directory that already has tenantctl.hcl it only adds what is missing of
// the key and the .gitignore. It never overwrites a file and reports what it
// created.
func Init(dir, name string) ([]string, error) {
	if name == "" {
		name = sanitize(filepath.Base(mustAbs(dir)))
	}
	if !dnsLabel.MatchString(name) {
		return nil, fmt.Errorf("project name %q is not a DNS label (lowercase letters, digits and '-', 2-32 characters); pass --name", name)
	}
	var created []string
	files := []struct{ path, text string }{{".gitignore", ".tenantctl/\n"}}
	// An existing project only gets its key; a new one gets examples.
	if _, err := os.Stat(filepath.Join(dir, "tenantctl.hcl")); errors.Is(err, fs.ErrNotExist) {
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
