// Package secret derives per-tenant secrets from a project master key.
// secret("db_password") for tenant acme is HMAC-SHA256(key, tenant, name):
// the same on every run, different for every tenant and name, and stored
// nowhere. Losing the key loses the way to every tenant's database.
package secret

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeyFile is where a project keeps its master key, relative to the project.
const KeyFile = ".tenantctl/master.key"

// EnvVar, when set, holds the master key and takes precedence over KeyFile.
const EnvVar = "TENANTCTL_MASTER_KEY"

// minKeyLen is the shortest accepted key, in bytes of text.
const minKeyLen = 32

// ErrNoKey means neither EnvVar nor KeyFile holds a key.
var ErrNoKey = errors.New("no master key")

// Key is a project master key.
type Key struct{ material []byte }

// Derive returns the secret called name for tenant: 32 hex characters.
func (k *Key) Derive(tenant, name string) string {
	mac := hmac.New(sha256.New, k.material)
	// The NUL separators keep ("ab","c") and ("a","bc") apart.
	mac.Write([]byte("tenantctl/secret/v1\x00" + tenant + "\x00" + name))
	return hex.EncodeToString(mac.Sum(nil))[:32]
}

// ID is the key's public fingerprint: 16 hex characters that name the
// key without revealing it or any secret derived from it. The engine keeps
// it with every tenant (see workspace's key records), so a command run
// with another key is refused before it changes anything.
func (k *Key) ID() string {
	mac := hmac.New(sha256.New, k.material)
	mac.Write([]byte("tenantctl/key-id/v1"))
	return hex.EncodeToString(mac.Sum(nil))[:16]
}

// Load reads the key from the environment (getenv(EnvVar)) or from the
// project's KeyFile, refusing a key file that others can read.
func Load(dir string, getenv func(string) string) (*Key, error) {
	if v := strings.TrimSpace(getenv(EnvVar)); v != "" {
		return parse(v, "$"+EnvVar)
	}
	path := filepath.Join(dir, KeyFile)
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s does not exist and $%s is not set; run `tenantctl init` to create one", ErrNoKey, KeyFile, EnvVar)
	}
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("master key %s is readable by others (mode %#o); run `chmod 600 %s`", KeyFile, perm, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	return parse(strings.TrimSpace(string(b)), KeyFile)
}

// Create writes a new random key to the project's KeyFile with mode 0600.
// It never overwrites an existing key.
func Create(dir string) (*Key, error) {
	path := filepath.Join(dir, KeyFile)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	text := hex.EncodeToString(raw)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	if _, err := f.WriteString(text + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("master key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	return &Key{material: []byte(text)}, nil
}

func parse(text, where string) (*Key, error) {
	if len(text) < minKeyLen {
		return nil, fmt.Errorf("master key in %s is too short: at least %d characters are needed", where, minKeyLen)
	}
	return &Key{material: []byte(text)}, nil
}
