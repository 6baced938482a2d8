package sshx

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// knownHosts is one known_hosts file, read once per connection.
type knownHosts struct {
	file string
	// check is nil when the file does not exist: every host is unknown.
	check ssh.HostKeyCallback
}

// readKnownHosts parses file; a missing file is an empty one.
func readKnownHosts(file string) (*knownHosts, error) {
	kh := &knownHosts{file: file}
	if _, err := os.Stat(file); errors.Is(err, fs.ErrNotExist) {
		return kh, nil
	}
	check, err := knownhosts.New(file)
	if err != nil {
		return nil, fmt.Errorf("known_hosts %s: %w", file, err)
	}
	kh.check = check
	return kh, nil
}

// probeKey is a key no server has: checking it against known_hosts yields
// the keys known for a host (KeyError.Want) without any network traffic.
var probeKey = func() ssh.PublicKey {
	pub, _, _ := ed25519.GenerateKey(nil)
	k, _ := ssh.NewPublicKey(pub)
	return k
}()

var anyAddr = &net.TCPAddr{IP: net.IPv4zero}

// known returns the entries known_hosts holds for address (host:port).
func (kh *knownHosts) known(address string) []knownhosts.KnownKey {
	if kh.check == nil {
		return nil
	}
	var ke *knownhosts.KeyError
	if err := kh.check(address, anyAddr, probeKey); errors.As(err, &ke) {
		return ke.Want
	}
	return nil
}

// algorithms are the host-key algorithms to offer for address: those of
// its known_hosts entries, so the server presents the key that is known
// rather than another one it also has. Nil (the library's default order)
// when the host is unknown.
func (kh *knownHosts) algorithms(address string) []string {
	seen := map[string]bool{}
	var algos []string
	add := func(a ...string) {
		for _, x := range a {
			if !seen[x] {
				seen[x] = true
				algos = append(algos, x)
			}
		}
	}
	for _, k := range kh.known(address) {
		switch t := k.Key.Type(); t {
		case ssh.KeyAlgoRSA:
			add(ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA)
		default:
			add(t)
		}
	}
	return algos
}

// callback verifies the server's key for address. It never accepts an
// unknown or changed key; it returns an *UnknownHostError or a
// *HostKeyChangedError so the caller can say what to do.
func (kh *knownHosts) callback(address string) ssh.HostKeyCallback {
	return func(_ string, remote net.Addr, key ssh.PublicKey) error {
		unknown := &UnknownHostError{Address: address, KnownHostsFile: kh.file, KeyType: key.Type(), Fingerprint: ssh.FingerprintSHA256(key)}
		if kh.check == nil {
			return unknown
		}
		err := kh.check(address, remote, key)
		var ke *knownhosts.KeyError
		var re *knownhosts.RevokedError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &ke) && len(ke.Want) == 0:
			return unknown
		case errors.As(err, &ke):
			var where []string
			for _, w := range ke.Want {
				where = append(where, fmt.Sprintf("%s:%d", w.Filename, w.Line))
			}
			sort.Strings(where)
			return &HostKeyChangedError{Address: address, KnownHostsFile: kh.file, KeyType: key.Type(), Fingerprint: ssh.FingerprintSHA256(key), Known: where}
		case errors.As(err, &re):
			return fmt.Errorf("ssh %s: host key %s is revoked in %s:%d", address, ssh.FingerprintSHA256(key), re.Revoked.Filename, re.Revoked.Line)
		default:
			return err
		}
	}
}

// AddKnownHost appends a known_hosts line for address with key, creating
// the file (0600) and its directory (0700) when missing. It refuses when
// the file already holds another key for the host: replacing a key is a
// deliberate act (ssh-keygen -R), not something to do on the way.
func AddKnownHost(file, address string, key ssh.PublicKey) error {
	file = ExpandHome(file)
	kh, err := readKnownHosts(file)
	if err != nil {
		return err
	}
	switch err := kh.callback(address)(address, anyAddr, key).(type) {
	case nil:
		return nil // already trusted
	case *UnknownHostError:
	default:
		return err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	line := knownhosts.Line([]string{knownhosts.Normalize(address)}, key) + "\n"
	if b, err := os.ReadFile(file); err == nil && len(b) > 0 && b[len(b)-1] != '\n' {
		line = "\n" + line
	}
	if _, err := f.WriteString(line); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ExpandHome replaces a leading "~/" with the user's home directory.
func ExpandHome(path string) string {
	if path == "~" || strings.HasPrefix(path, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, strings.TrimPrefix(path, "~"))
		}
	}
	return path
}

// VerifyKnownHost checks key against file for address as Dial would: nil
// when trusted, else an *UnknownHostError or a *HostKeyChangedError.
func VerifyKnownHost(file, address string, key ssh.PublicKey) error {
	file = ExpandHome(file)
	kh, err := readKnownHosts(file)
	if err != nil {
		return err
	}
	return kh.callback(address)(address, anyAddr, key)
}
