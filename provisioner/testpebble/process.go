package testpebble

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"time"
)

// process is one started program and the channel closed when it exits.
type process struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error // set before done is closed
}

// run starts cmd with its output in s's log and keeps it for Stop.
func (s *Server) run(name string, cmd *exec.Cmd) error {
	cmd.Stdout, cmd.Stderr = s.log, s.log
	setDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("testpebble: start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	s.procs = append(s.procs, p)
	return nil
}

// waitFor polls ok until it holds, a program exits or ctx ends; at most
// 30 seconds.
func (s *Server) waitFor(ctx context.Context, what string, ok func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for !ok() {
		for _, p := range s.procs {
			select {
			case <-p.done:
				return fmt.Errorf("testpebble: %s exited (%v) before %s answered", p.name, p.err, what)
			default:
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("testpebble: %s did not answer: %w", what, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}

// stop interrupts the program (both shut down on SIGINT), kills it after
// five seconds, and waits for it.
func (p *process) stop() error {
	select {
	case <-p.done:
		return nil
	default:
	}
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		p.cmd.Process.Kill()
	}
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
	return nil
}
