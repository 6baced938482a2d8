package workspace

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/engine"
	"github.com/tenantctl/tenantctl/provisioner/model"
	"github.com/tenantctl/tenantctl/provisioner/plan"
	"github.com/tenantctl/tenantctl/provisioner/resource"
	"github.com/tenantctl/tenantctl/provisioner/secret"
)

// A tenant's secrets are derived from the project's master key, and
// PostgreSQL keeps the password of its first start: a command run with
// another key (a colleague's fresh `init`, a mistyped variable) would
// replace every container with secrets that no longer open the data. So
// the engine keeps, with each tenant, a key record — an empty volume
// PROJECT_TENANT_key labelled with the key's public fingerprint — and every
// command that could change or judge a tenant compares it first.
//
// Tenants made before key records existed have none. Their key is checked
// once by comparing the secret-derived environment of their containers
// with this key's (one inspect per container), and the next apply writes
// their record without replacing anything.

// KeyMismatch is a tenant on an engine that another master key made.
type KeyMismatch struct {
	Tenant string
	Host   string
	// Recorded is the fingerprint on the engine; "" for a tenant without a
	// record whose secrets do not match this key's.
	Recorded string
}

// KeyMismatchError refuses a command run with another master key than the
// one that made some tenants. Nothing was changed.
type KeyMismatchError struct {
	// Ours is this project's key fingerprint.
	Ours    string
	Tenants []KeyMismatch
}

func (e *KeyMismatchError) Error() string {
	var b strings.Builder
	b.WriteString("wrong master key: ")
	for i, m := range e.Tenants {
		if i > 0 {
			b.WriteString("; ")
		}
		if m.Recorded != "" {
			fmt.Fprintf(&b, "tenant %s on host %s was made with master key %s", m.Tenant, m.Host, m.Recorded)
		} else {
			fmt.Fprintf(&b, "tenant %s on host %s was made with another master key (its secrets do not match this key's)", m.Tenant, m.Host)
		}
	}
	fmt.Fprintf(&b, ", but this project's key is %s. Nothing was changed. Restore %s from its backup, or set $%s to the key that made these tenants; `tenantctl key id` prints the fingerprint of the key in use.",
		e.Ours, secret.KeyFile, secret.EnvVar)
	return b.String()
}

// ErrKeyMismatch is matched by every *KeyMismatchError (errors.Is).
var ErrKeyMismatch = errors.New("wrong master key")

// Is makes errors.Is(err, ErrKeyMismatch) true.
func (e *KeyMismatchError) Is(target error) bool { return target == ErrKeyMismatch }

// keyRecordName is a tenant's key record's volume name.
func keyRecordName(project, tenant string) string { return resource.Name(project, tenant, "key") }

// recordedKeys maps host → tenant → the fingerprint in its key record.
func recordedKeys(observed map[string]*resource.Observed) map[string]map[string]string {
	out := map[string]map[string]string{}
	for host, obs := range observed {
		out[host] = map[string]string{}
		for _, v := range obs.Keys {
			out[host][v.Labels[resource.LabelTenant]] = v.Labels[resource.LabelKeyID]
		}
	}
	return out
}

// KeyMismatches lists the observed tenants whose key record names another
// key than k, sorted by tenant. It makes no engine call: status uses it.
func KeyMismatches(k *secret.Key, observed map[string]*resource.Observed) []KeyMismatch {
	if k == nil {
		return nil
	}
	var out []KeyMismatch
	for host, tenants := range recordedKeys(observed) {
		for tenant, id := range tenants {
			if id != k.ID() {
				out = append(out, KeyMismatch{Tenant: tenant, Host: host, Recorded: id})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Tenant+out[i].Host < out[j].Tenant+out[j].Host })
	return out
}

// checkKeys refuses, with a *KeyMismatchError, when a tenant in scope on
// an engine was made with another key. Tenants without a record are
// judged by their containers' secrets. Without a key (validate, gc) there
// is nothing to check.
func (w *Workspace) checkKeys(ctx context.Context, observed map[string]*resource.Observed, inScope func(string) bool) error {
	if w.Key == nil {
		return nil
	}
	ours := w.Key.ID()
	recorded := recordedKeys(observed)
	engines, err := w.Engines()
	if err != nil {
		return err
	}
	var bad []KeyMismatch
	hosts := sortedHosts(observed)
	for _, host := range hosts {
		for _, tenant := range observed[host].TenantNames() {
			if !inScope(tenant) {
				continue
			}
			id, ok := recorded[host][tenant]
			if ok && id != ours {
				bad = append(bad, KeyMismatch{Tenant: tenant, Host: host, Recorded: id})
				continue
			}
			if ok {
				continue
			}
			match, err := w.secretsMatch(ctx, engines[host], observed[host], w.Project.Tenant(tenant))
			if err != nil {
				return fmt.Errorf("host %s: checking the master key of tenant %s: %w", host, tenant, err)
			}
			if !match {
				bad = append(bad, KeyMismatch{Tenant: tenant, Host: host})
			}
		}
	}
	// Records without any other object (destroyed tenants whose record
	// stayed) are judged too: a new apply would reuse the name.
	for _, host := range hosts {
		for tenant, id := range recorded[host] {
			if inScope(tenant) && id != ours && !slices.Contains(observed[host].TenantNames(), tenant) {
				bad = append(bad, KeyMismatch{Tenant: tenant, Host: host, Recorded: id})
			}
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Slice(bad, func(i, j int) bool { return bad[i].Tenant+bad[i].Host < bad[j].Tenant+bad[j].Host })
	return &KeyMismatchError{Ours: ours, Tenants: bad}
}

// secretsMatch judges a tenant without a key record: it inspects the
// tenant's containers and compares each secret-derived environment value
// with the one this key derives. One match is enough (a template may have
// changed since); values that all differ mean another key. A tenant with
// no secret in any container, or not defined here, depends on no key.
func (w *Workspace) secretsMatch(ctx context.Context, eng engine.Engine, obs *resource.Observed, t *model.Tenant) (bool, error) {
	if t == nil {
		return true, nil
	}
	matched, differed := 0, 0
	for _, c := range obs.Containers {
		if c.Labels[resource.LabelTenant] != t.Name {
			continue
		}
		s := serviceOf(t, c.Labels[resource.LabelService])
		if s == nil || !hasSensitive(s) {
			continue
		}
		st, err := eng.ContainerState(ctx, c.ID)
		if err != nil {
			return false, err
		}
		if st.Config == nil {
			continue
		}
		for name, v := range s.Env {
			have, ok := st.Config.Env[name]
			switch {
			case !v.Sensitive || !ok:
			case have == v.Text:
				matched++
			default:
				differed++
			}
		}
	}
	return matched > 0 || differed == 0, nil
}

func serviceOf(t *model.Tenant, name string) *model.Service {
	for i := range t.Services {
		if t.Services[i].Name == name {
			return &t.Services[i]
		}
	}
	return nil
}

func hasSensitive(s *model.Service) bool {
	for _, v := range s.Env {
		if v.Sensitive {
			return true
		}
	}
	return false
}

// recordKeys writes the key record of every defined tenant of the plan that
// has none yet, on its host, before anything is created: new tenants, and
// tenants made before records existed (checkKeys has vouched for them).
// Creating a volume is a test-and-set, so a record another key wrote in
// the meantime is found, not overwritten.
func (w *Workspace) recordKeys(ctx context.Context, p *plan.Plan, observed map[string]*resource.Observed) error {
	if w.Key == nil {
		return nil
	}
	engines, err := w.Engines()
	if err != nil {
		return err
	}
	recorded := recordedKeys(observed)
	ours := w.Key.ID()
	var bad []KeyMismatch
	for _, t := range p.Tenants {
		mt := w.Project.Tenant(t.Name)
		if t.Orphan || mt == nil || engines[t.Host] == nil {
			continue
		}
		if _, ok := recorded[t.Host][t.Name]; ok {
			continue
		}
		spec := resource.VolumeSpec{
			Name: keyRecordName(w.Project.Name, t.Name), Tenant: t.Name,
			Labels: keyRecordLabels(w.Project.Name, mt, ours),
		}
		got, err := engines[t.Host].CreateVolume(ctx, spec)
		if err != nil {
			return fmt.Errorf("host %s: recording the master key of tenant %s: %w", t.Host, t.Name, err)
		}
		if id := got[resource.LabelKeyID]; id != ours {
			bad = append(bad, KeyMismatch{Tenant: t.Name, Host: t.Host, Recorded: id})
		}
	}
	if len(bad) > 0 {
		return &KeyMismatchError{Ours: ours, Tenants: bad}
	}
	return nil
}

// keyRecordLabels are a key record's labels; an ephemeral tenant's record
// expires with it.
func keyRecordLabels(project string, t *model.Tenant, id string) map[string]string {
	labels := map[string]string{
		resource.LabelProject: project,
		resource.LabelTenant:  t.Name,
		resource.LabelKind:    string(resource.KindKey),
		resource.LabelKeyID:   id,
	}
	if !t.Expires.IsZero() {
		labels[resource.LabelEphemeral] = "true"
		labels[resource.LabelExpires] = t.Expires.UTC().Format(time.RFC3339)
	}
	return labels
}

// ForgetKeys removes the key records of the named tenants on every host
// where nothing else of them is left: once the data is gone, no secret
// of the old key matters. Records of tenants whose volumes stay are kept.
func (w *Workspace) ForgetKeys(ctx context.Context, tenants []string) error {
	observed, _, err := w.observe(ctx)
	if err != nil {
		return err
	}
	engines, err := w.Engines()
	if err != nil {
		return err
	}
	var errs []error
	for _, host := range sortedHosts(observed) {
		obs := observed[host]
		left := obs.TenantNames()
		for _, v := range obs.Keys {
			t := v.Labels[resource.LabelTenant]
			if !slices.Contains(tenants, t) || slices.Contains(left, t) {
				continue
			}
			if err := engines[host].RemoveVolume(ctx, v.Name); err != nil {
				errs = append(errs, fmt.Errorf("host %s: removing the key record of tenant %s: %w", host, t, err))
			}
		}
	}
	return errors.Join(errs...)
}

func sortedHosts(observed map[string]*resource.Observed) []string {
	hosts := make([]string, 0, len(observed))
	for h := range observed {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	return hosts
}
