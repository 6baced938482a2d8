//go:build !linux

package testpebble

import "os/exec"

// setDeathSignal does nothing here: only Linux has a parent-death signal,
// so Stop alone ends the programs.
func setDeathSignal(*exec.Cmd) {}
