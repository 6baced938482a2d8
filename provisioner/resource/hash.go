package resource

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strings"
)

// SpecHash returns a short hash of a normalized spec. Sensitive values are
// replaced by their own hash first (see Normalized), so the label never
// carries a secret. Labels are left out: the hash is itself a label.
func SpecHash(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// Specs are plain data; marshalling cannot fail.
		panic("resource: spec is not serialisable: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:16]
}

// Normalized returns a copy of the spec fit for hashing: no labels, and
// sensitive env values replaced by their SHA-256.
func (s ContainerSpec) Normalized() ContainerSpec {
	n := s
	n.Labels = nil
	n.Env = make([]EnvVar, len(s.Env))
	for i, e := range s.Env {
		if e.Sensitive {
			sum := sha256.Sum256([]byte(e.Value))
			e.Value = "sha256:" + hex.EncodeToString(sum[:])
		}
		n.Env[i] = e
	}
	return n
}

// Hash is the container's spec hash.
func (s ContainerSpec) Hash() string { return SpecHash(s.Normalized()) }

// Hash is the network's spec hash. The subnet is left out: it is
// allocated, and a network keeps the one it has.
func (s NetworkSpec) Hash() string {
	return SpecHash(struct {
		Name     string
		Internal bool
	}{s.Name, s.Internal})
}

// Hash is the volume's spec hash.
func (s VolumeSpec) Hash() string { return SpecHash(struct{ Name string }{s.Name}) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// FieldHashes returns a short hash for each group of container fields, so
// a changed spec can be explained ("env changed") by comparing labels.
func (s ContainerSpec) FieldHashes() map[string]string {
	n := s.Normalized()
	short := func(v any) string { return SpecHash(v)[:6] }
	return map[string]string{
		"image":     short(n.Image),
		"command":   short(n.Command),
		"env":       short(n.Env),
		"ports":     short(n.Ports),
		"mounts":    short(n.Mounts),
		"networks":  short(n.Networks),
		"health":    short([]any{n.Health, n.Probe}),
		"resources": short([]int64{n.Memory, n.NanoCPUs, n.PidsLimit}),
	}
}

// EncodeFields renders field hashes as a label value, sorted by field.
func EncodeFields(fields map[string]string) string {
	var b strings.Builder
	for i, k := range sortedKeys(fields) {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k + "=" + fields[k])
	}
	return b.String()
}

// DecodeFields parses a label value made by EncodeFields.
func DecodeFields(label string) map[string]string {
	fields := map[string]string{}
	for _, kv := range strings.Split(label, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			fields[k] = v
		}
	}
	return fields
}
