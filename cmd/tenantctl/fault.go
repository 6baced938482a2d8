package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/apply"
)

// faultEnv names the fault-injection hook the crash-safety tests use:
// with TENANTCTL_FAULT_HALT_AFTER=N, apply and destroy stop dead after the
// N-th finished step and wait to be killed, so a SIGKILL lands exactly on a
// step boundary. It has no other use.
const faultEnv = "TENANTCTL_FAULT_HALT_AFTER"

// withFaultHalt wraps an event handler with the hook, when it is set.
func withFaultHalt(next func(apply.Event), stderr io.Writer) func(apply.Event) {
	n, err := strconv.Atoi(os.Getenv(faultEnv))
	if err != nil || n <= 0 {
		return next
	}
	done := 0
	return func(e apply.Event) {
		next(e)
		if e.Status == apply.Done && !e.Last {
			if done++; done == n {
				fmt.Fprintf(stderr, "fault injection: halted after step %d (%s %s)\n", n, e.Tenant, e.Step)
				// Events are serialized: every other step stops at its next
				// boundary too. Sleep (not select{}) so the runtime never
				// mistakes the wait for a deadlock.
				for {
					time.Sleep(time.Hour)
				}
			}
		}
	}
}
