//go:build !linux

package testpeer

import (
	"errors"
	"os/exec"
	"syscall"
)

// errNotLinux: a peer is a network namespace with its own dockerd and
// sshd, which only Linux has. Available returns it, so Start never gets
// to the functions below; they refuse all the same.
var errNotLinux = errors.New("testpeer needs Linux (network namespaces, nsenter, dockerd)")

// platformSupported reports why this system cannot run a peer.
func platformSupported() error { return errNotLinux }

func startInOwnGroup(*exec.Cmd) error       { return errNotLinux }
func signalGroup(int, syscall.Signal) error { return errNotLinux }
func killProcess(int) error                 { return errNotLinux }
func unmountLazily(string) error            { return errNotLinux }
