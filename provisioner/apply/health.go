package apply

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/engine"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// pollInterval is how often a starting container is looked at.
const pollInterval = 300 * time.Millisecond

// logLines is how much of a failed container's output an error shows.
const logLines = 20

// waitHealthy waits until the container is healthy: its engine health
// check passes, its HTTP probe answers 2xx/3xx, or — with neither — it is
// running. A container that exits, turns unhealthy or is not ready within
// the timeout is an error carrying its last log lines. Each inspect is
// bounded by callTimeout: a hung engine is an error of its own.
func waitHealthy(ctx context.Context, eng engine.Engine, id string, spec *resource.ContainerSpec, timeout, callTimeout time.Duration) error {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := probeClient(eng)
	lastProbe := ""
	for {
		st, err := inspect(ctx, eng, id, callTimeout)
		if err != nil && ctx.Err() == nil {
			return err
		}
		if err == nil {
			switch {
			case st.Status == "exited" || st.Status == "dead":
				return withLogs(eng, id, fmt.Errorf("container exited with code %d", st.ExitCode))
			case spec.Health != nil && st.Health == "healthy":
				return nil
			case spec.Health != nil && st.Health == "unhealthy":
				return withLogs(eng, id, fmt.Errorf("health check failed: %s", oneLine(st.HealthLog)))
			case spec.Health == nil && spec.Probe != nil && st.Status == "running":
				if lastProbe = probe(ctx, client, spec); lastProbe == "" {
					return nil
				}
			case spec.Health == nil && spec.Probe == nil && st.Status == "running":
				return nil
			}
		}
		select {
		case <-ctx.Done():
			if ctx.Err() == context.DeadlineExceeded {
				// The caller's deadline may come before the timeout.
				msg := fmt.Sprintf("not healthy after %s", time.Since(start).Round(time.Second))
				if lastProbe != "" {
					msg += " (last probe: " + lastProbe + ")"
				}
				return withLogs(eng, id, fmt.Errorf("%s", msg))
			}
			return ctx.Err()
		case <-time.After(pollInterval):
		}
	}
}

// inspect is one bounded ContainerState call.
func inspect(ctx context.Context, eng engine.Engine, id string, bound time.Duration) (engine.State, error) {
	ctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	st, err := eng.ContainerState(ctx, id)
	return st, timedOut(ctx, err, bound)
}

// probe requests the HTTP health path once, at the address the probed
// port is bound to (spec.ProbeURL); "" means healthy, otherwise the reason.
func probe(ctx context.Context, client *http.Client, spec *resource.ContainerSpec) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, spec.ProbeURL(), nil)
	if err != nil {
		return err.Error()
	}
	resp, err := client.Do(req)
	if err != nil {
		return err.Error()
	}
	resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 400 {
		return ""
	}
	return fmt.Sprintf("GET %s: %s", spec.Probe.Path, resp.Status)
}

// withLogs appends the container's last log lines to err.
func withLogs(eng engine.Engine, id string, err error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	logs, lerr := eng.Logs(ctx, id, logLines)
	if lerr != nil || strings.TrimSpace(logs) == "" {
		return err
	}
	return fmt.Errorf("%w\n  last log lines:\n    %s", err, strings.ReplaceAll(strings.TrimRight(logs, "\n"), "\n", "\n    "))
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	return s
}
