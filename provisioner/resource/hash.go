package resource

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strings"
	"time"
)

// The spec hash is a contract with every container already running: if
// the hash of an unchanged spec changed between releases, the upgrade
// would replace every container of every tenant. So the hashed form is not
// ContainerSpec itself but the explicit, versioned structs below, built
// field by field; golden tests (testdata/hashes.golden.json) pin them.
//
// Version 1 is the form of the first release. Its hashes are bare hex. A
// later version must leave v1 alone, prefix its hashes ("v2:…"), and keep
// accepting v1 labels until those containers are replaced for a real
// change. A new ContainerSpec field enters v1 only as an omitempty field
// that is empty for every spec that existed before it.

// containerV1 is the v1 hashed form of a container. Field names, order and
// JSON encoding are frozen.
type containerV1 struct {
	Name      string
	Tenant    string
	Service   string
	Image     string
	Command   []string
	Env       []envV1
	Labels    map[string]string // always nil: labels are not hashed
	Networks  []attachmentV1
	Ports     []portV1
	Mounts    []mountV1
	Health    *healthV1
	Probe     *probeV1
	Memory    int64
	NanoCPUs  int64
	PidsLimit int64
	CapAdd    []string `json:",omitempty"`
	// ReadOnlyRootfs is set on the edge proxy only, which had no hash
	// before it: every existing spec hashes as before.
	ReadOnlyRootfs bool `json:",omitempty"`
}

type envV1 struct {
	Name      string
	Value     string // sha256:<hex> when sensitive
	Sensitive bool
}

type attachmentV1 struct {
	Network string
	Aliases []string
}

type portV1 struct {
	Name      string
	Container int
	Protocol  string
	HostIP    string
	HostPort  int
}

type mountV1 struct {
	Volume   string
	Target   string
	ReadOnly bool
}

type healthV1 struct {
	Command     []string
	Interval    time.Duration
	Timeout     time.Duration
	Retries     int
	StartPeriod time.Duration
}

type probeV1 struct {
	Path     string
	HostPort int
	Interval time.Duration
	Timeout  time.Duration
	Retries  int
}

// hashV1 returns the short v1 hash of a hashed form.
func hashV1(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// The hashed forms are plain data; marshalling cannot fail.
		panic("resource: hashed form is not serialisable: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:16]
}

// hashedV1 is the spec's v1 hashed form: no labels, and sensitive env
// values replaced by their SHA-256, so the label never carries a secret.
func (s ContainerSpec) hashedV1() containerV1 {
	h := containerV1{
		Name: s.Name, Tenant: s.Tenant, Service: s.Service, Image: s.Image, Command: s.Command,
		Env:    make([]envV1, len(s.Env)),
		Memory: s.Memory, NanoCPUs: s.NanoCPUs, PidsLimit: s.PidsLimit, CapAdd: s.CapAdd,
		ReadOnlyRootfs: s.ReadOnlyRootfs,
	}
	for i, e := range s.Env {
		v := e.Value
		if e.Sensitive {
			sum := sha256.Sum256([]byte(v))
			v = "sha256:" + hex.EncodeToString(sum[:])
		}
		h.Env[i] = envV1{Name: e.Name, Value: v, Sensitive: e.Sensitive}
	}
	if s.Networks != nil {
		h.Networks = make([]attachmentV1, len(s.Networks))
		for i, a := range s.Networks {
			h.Networks[i] = attachmentV1{Network: a.Network, Aliases: a.Aliases}
		}
	}
	if s.Ports != nil {
		h.Ports = make([]portV1, len(s.Ports))
		for i, p := range s.Ports {
			h.Ports[i] = portV1{Name: p.Name, Container: p.Container, Protocol: p.Protocol, HostIP: p.HostIP, HostPort: p.HostPort}
		}
	}
	if s.Mounts != nil {
		h.Mounts = make([]mountV1, len(s.Mounts))
		for i, m := range s.Mounts {
			h.Mounts[i] = mountV1{Volume: m.Volume, Target: m.Target, ReadOnly: m.ReadOnly}
		}
	}
	if c := s.Health; c != nil {
		h.Health = &healthV1{Command: c.Command, Interval: c.Interval, Timeout: c.Timeout, Retries: c.Retries, StartPeriod: c.StartPeriod}
	}
	if p := s.Probe; p != nil {
		h.Probe = &probeV1{Path: p.Path, HostPort: p.HostPort, Interval: p.Interval, Timeout: p.Timeout, Retries: p.Retries}
	}
	return h
}

// Hash is the container's spec hash.
func (s ContainerSpec) Hash() string { return hashV1(s.hashedV1()) }

// Hash is the network's spec hash. The subnet is left out: it is
// allocated, and a network keeps the one it has.
func (s NetworkSpec) Hash() string {
	return hashV1(struct {
		Name     string
		Internal bool
	}{s.Name, s.Internal})
}

// Hash is the volume's spec hash.
func (s VolumeSpec) Hash() string { return hashV1(struct{ Name string }{s.Name}) }

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
	h := s.hashedV1()
	short := func(v any) string { return hashV1(v)[:6] }
	return map[string]string{
		"image":     short(h.Image),
		"command":   short(h.Command),
		"env":       short(h.Env),
		"ports":     short(h.Ports),
		"mounts":    short(h.Mounts),
		"networks":  short(h.Networks),
		"health":    short([]any{h.Health, h.Probe}),
		"resources": short([]int64{h.Memory, h.NanoCPUs, h.PidsLimit}),
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
