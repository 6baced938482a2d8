package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tenantctl/tenantctl/provisioner/lock"
)

func (a *app) forceUnlockCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "force-unlock TENANT LOCK_ID",
		Short: "Break a tenant's lock left by a run that died on another machine",
		Long: `A run that dies is noticed, and its lock broken by the next run, only when
both ran on Linux in the same PID namespace of the same machine boot. One that
died elsewhere (another machine or container, Windows, macOS, or a tenantctl
older than the lock's process identity) leaves its lock until it is broken
here: the lock id (shown in the "is locked" error) must match, so a live lock
taken since is never broken by mistake. The run whose lock was broken leaves
any newer lock in place when it ends, and warns.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ws, err := a.load(false)
			if err != nil {
				return err
			}
			defer ws.Close()
			observed, err := ws.Observe(cmd.Context())
			if err != nil {
				return err
			}
			engines, err := ws.Engines()
			if err != nil {
				return err
			}
			for host, obs := range observed {
				info, err := lock.ForceUnlock(cmd.Context(), engines[host], obs, ws.Project.Name, args[0], args[1])
				if errors.Is(err, lock.ErrNotLocked) {
					continue
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "Broke the lock %s of tenant %s on host %s (held by %s, pid %d, %s, since %s).\n", info.ID, args[0], host, info.Holder, info.PID, info.Operation, info.Since.Format("2006-01-02 15:04:05Z07:00"))
				return nil
			}
			return fmt.Errorf("tenant %s is not locked on any host", args[0])
		},
	}
}
