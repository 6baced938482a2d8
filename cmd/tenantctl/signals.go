package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// secondInterrupt is the one line printed when a second signal ends the
// process at once.
const secondInterrupt = "Interrupted again: exiting now, steps in flight are cut short. Nothing is lost: run apply again to converge."

// interruptible returns a context that the first SIGINT or SIGTERM
// cancels: no new step is started, and the steps in flight finish (each is
// bounded). A second signal ends the process at once through exit with
// exitInterrupted, after one line on stderr; the engine holds all state,
// so the next apply converges, as after a kill (a lock left behind names a
// dead holder, which the next run breaks). stop releases the signals.
func interruptible(stderr io.Writer, exit func(int)) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		for n := 1; ; n++ {
			select {
			case <-done:
				return
			case <-signals:
			}
			if n == 1 {
				cancel()
				continue
			}
			fmt.Fprintln(stderr, secondInterrupt)
			exit(exitInterrupted)
			return
		}
	}()
	return ctx, func() {
		signal.Stop(signals)
		close(done)
		cancel()
	}
}
