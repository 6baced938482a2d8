package testpebble

import (
	"os/exec"
	"syscall"
)

// setDeathSignal has the kernel kill the program if the test binary dies
// without calling Stop, so no Pebble outlives a crashed test run.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
