// Package check runs a template's smoke checks (model.Check) against a
// tenant that is up and healthy: http checks request a path on a
// published port from this machine, exec checks run a command in a
// service's container. Each check yields a Result with its duration and,
// when it fails, the reason. Reasons never contain environment values;
// they do quote what the tenant answered (a response body, a command's
// output), truncated, since that is what a reader needs to debug it.
package check

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/engine"
	"github.com/tenantctl/tenantctl/provisioner/model"
)

// Kinds of checks.
const (
	KindHTTP = "http"
	KindExec = "exec"
)

// Result is the outcome of one check.
type Result struct {
	Name string
	// Kind is KindHTTP or KindExec.
	Kind string
	// Probe says what was done, e.g. "GET app.http /" or
	// "exec in db: psql -c 'select 1'".
	Probe    string
	Passed   bool
	Duration time.Duration
	// Attempts is how many times the probe ran (http checks retry).
	Attempts int
	// Message is why the check failed; empty when it passed.
	Message string
}

// Execer runs a command in a container; engine.Engine is one.
type Execer interface {
	Exec(ctx context.Context, id string, command []string) (engine.ExecResult, error)
}

// Target is the tenant the checks run against.
type Target struct {
	// Addrs maps "service.port" to the host:port it answers on from
	// this machine, e.g. "app.http" → "127.0.0.1:23125".
	Addrs map[string]string
	// Containers maps service names to container names (or IDs).
	Containers map[string]string
	// Exec runs exec checks; nil fails them.
	Exec Execer
	// Client makes the http checks' requests; nil means a client that
	// does not follow redirects, so status = 301 can be checked.
	Client *http.Client
}

// Run runs one check. It never returns early without a Result: a check
// cut short by ctx fails with the reason.
func (t *Target) Run(ctx context.Context, c model.Check) Result {
	start := time.Now()
	var r Result
	switch {
	case c.HTTP != nil:
		r = t.runHTTP(ctx, c.HTTP)
	case c.Exec != nil:
		r = t.runExec(ctx, c.Exec)
	default:
		r = Result{Message: "the check has no probe"}
	}
	r.Name = c.Name
	r.Duration = time.Since(start)
	return r
}

// RunAll runs the checks one after another, in template order, calling
// onResult (if set) after each. Once ctx is done the remaining checks are
// not started and are left out of the results.
func (t *Target) RunAll(ctx context.Context, checks []model.Check, onResult func(Result)) []Result {
	var out []Result
	for _, c := range checks {
		if ctx.Err() != nil {
			break
		}
		r := t.Run(ctx, c)
		out = append(out, r)
		if onResult != nil {
			onResult(r)
		}
	}
	return out
}

// maxQuoted bounds how much of a body or output a message quotes.
const maxQuoted = 400

// quote returns s trimmed and truncated for a message.
func quote(s string) string {
	s = strings.TrimSpace(strings.ToValidUTF8(s, "?"))
	if len(s) > maxQuoted {
		cut := maxQuoted
		for cut > 0 && !utf8Start(s[cut]) {
			cut--
		}
		s = s[:cut] + fmt.Sprintf(" … (%d more bytes)", len(s)-cut)
	}
	return s
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// interrupted is the reason given when ctx ended a check.
func interrupted(ctx context.Context) string {
	if ctx.Err() == context.DeadlineExceeded {
		return "the deadline of the run passed"
	}
	return "interrupted"
}
