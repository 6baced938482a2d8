package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// SavedPlan is a plan saved by `plan --out FILE`. It holds no specs and no
// secrets: apply re-plans from the configuration and the engine, and runs
// only if the result has the same digest, so a stale plan never applies.
type SavedPlan struct {
	FormatVersion string   `json:"format_version"`
	Project       string   `json:"project"`
	Tenants       []string `json:"tenants"`
	Prune         bool     `json:"prune"`
	// Digest identifies the exact operations planned.
	Digest string `json:"digest"`
	// Plan is the plan as shown, for people and tools reading the file.
	Plan JSONPlan `json:"plan"`
	// Checksum covers every other field, to detect a damaged file.
	Checksum string `json:"checksum"`
}

// ErrStale means the configuration or the engine changed since the plan
// was saved.
var ErrStale = errors.New("plan is stale: the configuration or the engine changed since it was made; run `tenantctl plan` again")

// Digest returns a hash of the plan's operations: their actions, resources,
// the objects they act on and the specs they create. Two plans with the
// same digest do the same thing.
func Digest(p *Plan) string {
	h := sha256.New()
	for _, t := range p.Tenants {
		fmt.Fprintf(h, "tenant %s %s %t\n", t.Name, t.Host, t.Orphan)
		for _, op := range t.Operations {
			fmt.Fprintf(h, "%s %s %s", op.Action, op.ID, op.Existing)
			if op.Network != nil {
				fmt.Fprintf(h, " net %s %s", op.Network.Subnet, op.Network.Labels)
			}
			if op.Volume != nil {
				fmt.Fprintf(h, " vol %s", op.Volume.Name)
			}
			if op.Container != nil {
				fmt.Fprintf(h, " ctr %s", op.Container.Hash())
				for _, k := range sortedKeys(op.Container.Labels) {
					fmt.Fprintf(h, " %s=%s", k, op.Container.Labels[k])
				}
			}
			h.Write([]byte("\n"))
		}
	}
	for _, e := range p.Edges {
		fmt.Fprintf(h, "edge %s %s\n", e.Host, e.Container)
		for _, op := range e.Operations {
			fmt.Fprintf(h, "%s %s %s", op.Action, op.ID, op.Existing)
			if op.Container != nil {
				fmt.Fprintf(h, " ctr %s", op.Container.Hash())
			}
			h.Write([]byte("\n"))
		}
		for _, n := range e.Networks {
			fmt.Fprintf(h, "network %s %s\n", n.Action, n.Network)
		}
		for _, r := range e.Routes {
			fmt.Fprintf(h, "route %s %s %s %s\n", r.Action, r.Tenant, r.Backend, r.Hosts)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Save writes the plan to path with mode 0600.
func Save(path string, p *Plan, opts Options) error {
	saved := SavedPlan{FormatVersion: FormatVersion, Project: p.Project, Tenants: append([]string{}, opts.Tenants...), Prune: opts.Prune, Digest: Digest(p), Plan: ToJSON(p)}
	saved.Checksum = saved.checksum()
	b, err := json.MarshalIndent(saved, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("save plan: %w", err)
	}
	return f.Close()
}

// Load reads a saved plan, refusing a damaged or foreign file.
func Load(path string) (*SavedPlan, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read plan file: %w", err)
	}
	return Parse(path, b)
}

// Parse decodes a saved plan read from name.
func Parse(name string, b []byte) (*SavedPlan, error) {
	var saved SavedPlan
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&saved); err != nil {
		return nil, fmt.Errorf("%s is not a tenantctl plan file (%v); make a new one with `tenantctl plan --out %s`", name, err, name)
	}
	if saved.FormatVersion != FormatVersion {
		return nil, fmt.Errorf("%s has plan format %s; this tenantctl reads format %s", name, strconv.Quote(saved.FormatVersion), FormatVersion)
	}
	if saved.Checksum != saved.checksum() {
		return nil, fmt.Errorf("%s is damaged or was edited (checksum mismatch); make a new one with `tenantctl plan --out %s`", name, name)
	}
	return &saved, nil
}

func (s SavedPlan) checksum() string {
	s.Checksum = ""
	b, _ := json.Marshal(s)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
