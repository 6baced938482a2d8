package testpeer

import (
	"os/exec"
	"syscall"
)

// platformSupported reports why this system cannot run a peer: Linux can.
func platformSupported() error { return nil }

// startInOwnGroup starts cmd as the leader of a new process group, so
// that signalGroup reaches every process it starts.
func startInOwnGroup(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd.Start()
}

// signalGroup sends sig to the process group led by pid.
func signalGroup(pid int, sig syscall.Signal) error { return syscall.Kill(-pid, sig) }

// killProcess kills pid outright.
func killProcess(pid int) error { return syscall.Kill(pid, syscall.SIGKILL) }

// unmountLazily detaches the mount at path (MNT_DETACH).
func unmountLazily(path string) error { return syscall.Unmount(path, syscall.MNT_DETACH) }
