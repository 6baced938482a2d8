package edge

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/moby/sys/atomicwriter"
)

// RoutesFile is the name of the route table in the data directory.
const RoutesFile = "routes.json"

// routesFormat is the version of the routes.json format.
const routesFormat = 1

// Route is what the proxy knows about one tenant: the host names it is
// served at, the backend that answers them and whether it is in
// maintenance. It is both the persisted form and the admin API's.
type Route struct {
	// Tenant is the tenant's name.
	Tenant string `json:"tenant"`
	// Hosts are the host names routed to the tenant, normalized and sorted:
	// its <tenant>.<domain> and any custom domains.
	Hosts []string `json:"hosts"`
	// Backend is the address, HOST:PORT, requests are proxied to.
	Backend string `json:"backend"`
	// Maintenance, when set, makes the proxy answer 503 with its message
	// instead of proxying.
	Maintenance *Maintenance `json:"maintenance,omitempty"`
}

// Maintenance is a tenant's maintenance mode.
type Maintenance struct {
	// Message is shown on the 503 page; empty for a generic text.
	Message string `json:"message"`
	// Since is when maintenance was turned on.
	Since time.Time `json:"since"`
}

// routesDoc is the content of routes.json.
type routesDoc struct {
	// Format is routesFormat.
	Format int `json:"format"`
	// Routes are sorted by tenant.
	Routes []Route `json:"routes"`
}

// validate checks a route and normalizes its host names in place.
func (r *Route) validate() error {
	if err := ValidateTenant(r.Tenant); err != nil {
		return err
	}
	if err := ValidateBackend(r.Backend); err != nil {
		return fmt.Errorf("tenant %s: %w", r.Tenant, err)
	}
	if len(r.Hosts) == 0 {
		return fmt.Errorf("tenant %s: give at least one host name", r.Tenant)
	}
	hosts := make([]string, 0, len(r.Hosts))
	for _, h := range r.Hosts {
		n, err := ValidateHost(h)
		if err != nil {
			return fmt.Errorf("tenant %s: %w", r.Tenant, err)
		}
		hosts = append(hosts, n)
	}
	slices.Sort(hosts)
	r.Hosts = slices.Compact(hosts)
	return nil
}

// clone returns a deep copy of r.
func (r Route) clone() Route {
	r.Hosts = slices.Clone(r.Hosts)
	if r.Maintenance != nil {
		m := *r.Maintenance
		r.Maintenance = &m
	}
	return r
}

// loadRoutes reads the route table of dataDir; a missing file is an empty
// table. A damaged file is an error, never an empty table: starting with
// no routes would take every tenant offline without a word.
func loadRoutes(dataDir string) ([]Route, error) {
	path := filepath.Join(dataDir, RoutesFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading routes: %w", err)
	}
	var doc routesDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("reading routes: %s is damaged (%w); restore it or remove it and set the routes again", path, err)
	}
	if doc.Format != routesFormat {
		return nil, fmt.Errorf("reading routes: %s has format %d, this proxy reads format %d", path, doc.Format, routesFormat)
	}
	seen := map[string]string{}
	for i := range doc.Routes {
		r := &doc.Routes[i]
		if err := r.validate(); err != nil {
			return nil, fmt.Errorf("reading routes from %s: %w", path, err)
		}
		for _, h := range r.Hosts {
			if other, dup := seen[h]; dup {
				return nil, fmt.Errorf("reading routes from %s: host %s is routed to both %s and %s", path, h, other, r.Tenant)
			}
			seen[h] = r.Tenant
		}
	}
	return doc.Routes, nil
}

// saveRoutes writes the route table of dataDir atomically: a temporary
// file in the same directory, synced, renamed over routes.json, and the
// directory synced, so a crash leaves either the old table or the new one.
func saveRoutes(dataDir string, routes []Route) error {
	doc := routesDoc{Format: routesFormat, Routes: routes}
	if doc.Routes == nil {
		doc.Routes = []Route{}
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("saving routes: %w", err)
	}
	b = append(b, '\n')
	if err := atomicwriter.WriteFile(filepath.Join(dataDir, RoutesFile), b, 0o600); err != nil {
		return fmt.Errorf("saving routes in %s: %w", dataDir, err)
	}
	return syncDir(dataDir)
}

// syncDir makes a rename in dir durable. Windows cannot sync a directory
// and needs not.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("saving routes: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("saving routes: syncing %s: %w", dir, err)
	}
	return nil
}
