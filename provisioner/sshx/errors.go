package sshx

import (
	"errors"
	"fmt"
)

// ErrHostKeyChanged is wrapped by every HostKeyChangedError, so callers can
// test for it with errors.Is and map it to its own exit code.
var ErrHostKeyChanged = errors.New("host key changed")

// UnknownHostError means the server's host key is not in known_hosts.
type UnknownHostError struct {
	// Address is the host:port dialled.
	Address string
	// KnownHostsFile is the file that was searched.
	KnownHostsFile string
	// KeyType and Fingerprint (SHA256:…) describe the key the server offered.
	KeyType     string
	Fingerprint string
}

func (e *UnknownHostError) Error() string {
	return fmt.Sprintf("ssh %s: unknown host key %s %s (not in %s); check the fingerprint with the host's owner, then trust it with `tenantctl hosts trust HOST`",
		e.Address, e.KeyType, e.Fingerprint, e.KnownHostsFile)
}

// HostKeyChangedError means the server offered a key other than the one
// known_hosts holds for it: someone may be intercepting the connection.
type HostKeyChangedError struct {
	Address        string
	KnownHostsFile string
	// KeyType and Fingerprint describe the key the server offered.
	KeyType     string
	Fingerprint string
	// Known are "file:line" of the known_hosts entries for the host.
	Known []string
}

func (e *HostKeyChangedError) Error() string {
	return fmt.Sprintf("ssh %s: HOST KEY CHANGED: the server offered %s %s, which does not match known_hosts (%v). Someone may be intercepting the connection, or the host was re-installed. Nothing was sent to the host. If the change is expected, remove the old entry (ssh-keygen -R HOST -f %s) and run `tenantctl hosts trust HOST`",
		e.Address, e.KeyType, e.Fingerprint, e.Known, e.KnownHostsFile)
}

// Unwrap makes errors.Is(err, ErrHostKeyChanged) true.
func (e *HostKeyChangedError) Unwrap() error { return ErrHostKeyChanged }

// AuthError means the server refused every key offered.
type AuthError struct {
	Address string
	User    string
	// Tried names the key sources offered (identity files, ssh-agent).
	Tried []string
	Err   error
}

func (e *AuthError) Error() string {
	return fmt.Sprintf("ssh %s: authentication as %q failed (offered: %v): %v; check user and identity_file, or add the key to ssh-agent",
		e.Address, e.User, e.Tried, e.Err)
}

func (e *AuthError) Unwrap() error { return e.Err }

// UnreachableError means no SSH connection could be made (refused,
// timed out, no route) or an established one died.
type UnreachableError struct {
	Address string
	Err     error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("ssh %s: host unreachable: %v", e.Address, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }
