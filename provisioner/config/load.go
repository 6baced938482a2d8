package config

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/tenantctl/tenantctl/provisioner/model"
)

// SecretFunc derives the value of secret(name) for a tenant.
type SecretFunc func(tenant, name string) (string, error)

// DefaultDockerHost gives the Docker address of the implicit "local" host
// used when tenantctl.hcl declares no host, and of hosts without a docker
// attribute. It is a variable so that callers and tests can replace it.
var DefaultDockerHost = func() string {
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		return h
	}
	return "unix:///var/run/docker.sock"
}

// The files of a project directory, relative to it.
const (
	projectFile  = "tenantctl.hcl"
	templatesDir = "templates"
	tenantsDir   = "tenants"
)

// loader holds what the phases of Load share.
type loader struct {
	dir     string
	secrets *secrets
	// files is keyed by the name shown in diagnostics.
	files map[string]*hcl.File
	// templateFiles and tenantFiles are sorted by name.
	templateFiles []string
	tenantFiles   []string

	project   *model.Project
	templates map[string]*template
	// templateOrder lists templates in file order, for stable messages.
	templateOrder []*template
	tenants       []*tenant
}

// Load parses dir/tenantctl.hcl, dir/templates/*.hcl and dir/tenants/*.hcl.
// files maps each file's name as shown in diagnostics (relative to dir, e.g. "tenants/acme.hcl") to the parsed file, for WriteDiagnostics.
func Load(dir string, secret SecretFunc) (project *model.Project, files map[string]*hcl.File, diags hcl.Diagnostics) {
	return load(dir, secret)
}

// load runs the phases of Load, then the extra phases (see LoadExtra).
func load(dir string, secret SecretFunc, extra ...func(*loader) hcl.Diagnostics) (project *model.Project, files map[string]*hcl.File, diags hcl.Diagnostics) {
	l := &loader{dir: dir, secrets: newSecrets(secret), files: map[string]*hcl.File{}, templates: map[string]*template{}}
	defer func() {
		if r := recover(); r != nil {
			project = nil
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  internalErrorSummary,
				Detail:   fmt.Sprintf("tenantctl failed on this configuration (%v). This is a bug: please report it together with the files that cause it.", r),
			})
		}
		files = l.files
		diags = l.scrub(diags)
	}()

	phases := []func() hcl.Diagnostics{
		l.parseFiles,
		l.decodeProject,
		l.decodeDeclarations,
		l.evaluateTenants,
	}
	for _, x := range extra {
		phases = append(phases, func() hcl.Diagnostics { return x(l) })
	}
	for _, phase := range phases {
		diags = append(diags, phase()...)
		if diags.HasErrors() {
			return nil, l.files, diags
		}
	}
	return l.project, l.files, diags
}

// internalErrorSummary is the summary of the diagnostic Load returns when
// it recovers from a panic.
const internalErrorSummary = "Internal error while loading the configuration"

// parseFiles reads and parses every configuration file.
func (l *loader) parseFiles() hcl.Diagnostics {
	var d diagList
	info, err := os.Stat(l.dir)
	if err != nil {
		d.add(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read the project directory",
			Detail: fmt.Sprintf("%s. Pass the directory that holds tenantctl.hcl, or run `tenantctl init` to create a project.", err)})
		return d.diags
	}
	if !info.IsDir() {
		d.add(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Not a project directory",
			Detail: fmt.Sprintf("%s is a file. Pass the directory that holds tenantctl.hcl.", l.dir)})
		return d.diags
	}
	if _, err := os.Stat(filepath.Join(l.dir, projectFile)); os.IsNotExist(err) {
		d.add(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing tenantctl.hcl",
			Detail: fmt.Sprintf("%s has no tenantctl.hcl, so it is not a tenantctl project. Run `tenantctl init` there to create one.", l.dir)})
		return d.diags
	}
	d.extend(l.parse(projectFile))
	for _, sub := range []string{templatesDir, tenantsDir} {
		names, diags := listHCL(l.dir, sub)
		d.extend(diags)
		for _, name := range names {
			d.extend(l.parse(name))
		}
		if sub == templatesDir {
			l.templateFiles = names
		} else {
			l.tenantFiles = names
		}
	}
	return d.diags
}

// listHCL returns the *.hcl files of dir/sub as "sub/name.hcl", sorted. A
// missing sub directory has no files.
func listHCL(dir, sub string) ([]string, hcl.Diagnostics) {
	entries, err := os.ReadDir(filepath.Join(dir, sub))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: fmt.Sprintf("Cannot read %s/", sub), Detail: err.Error() + "."}}
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".hcl") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		names = append(names, path.Join(sub, e.Name()))
	}
	sort.Strings(names)
	return names, nil
}

// parse reads and parses the file name (relative to the project directory).
func (l *loader) parse(name string) hcl.Diagnostics {
	src, err := os.ReadFile(filepath.Join(l.dir, filepath.FromSlash(name)))
	if err != nil {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: fmt.Sprintf("Cannot read %s", name), Detail: err.Error() + "."}}
	}
	f, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
	if f != nil {
		l.files[name] = f
	}
	return diags
}

// body returns the body of the parsed file name.
func (l *loader) body(name string) hcl.Body {
	if f := l.files[name]; f != nil && f.Body != nil {
		return f.Body
	}
	return hcl.EmptyBody()
}

// scrub replaces every secret value that Load handed out with a
// placeholder in the diagnostics' text, as a last guard against leaks
// (e.g. through an error message of a function given a secret). Secrets
// shorter than four characters are left alone: replacing them would
// mangle ordinary text.
func (l *loader) scrub(diags hcl.Diagnostics) hcl.Diagnostics {
	var values []string
	for v := range l.secrets.values {
		if len(v) >= 4 {
			values = append(values, v)
		}
	}
	if len(values) == 0 {
		return diags
	}
	// Longest first, so that a secret containing another is replaced whole.
	sort.Slice(values, func(i, j int) bool { return len(values[i]) > len(values[j]) })
	for _, d := range diags {
		for _, v := range values {
			d.Summary = strings.ReplaceAll(d.Summary, v, "(sensitive)")
			d.Detail = strings.ReplaceAll(d.Detail, v, "(sensitive)")
		}
	}
	return diags
}
