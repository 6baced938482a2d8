package check

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/model"
)

// maxBody bounds how much of a response an http check reads.
const maxBody = 1 << 20

// noRedirects is the default client of http checks.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// runHTTP requests the path until the answer is right or the retries are
// used up, waiting Interval between attempts.
func (t *Target) runHTTP(ctx context.Context, hc *model.HTTPCheck) Result {
	key := hc.Service + "." + hc.Port
	r := Result{Kind: KindHTTP, Probe: fmt.Sprintf("%s %s %s", hc.Method, key, hc.Path)}
	addr := t.Addrs[key]
	if addr == "" {
		r.Message = fmt.Sprintf("service %s publishes no port %q on this host", hc.Service, hc.Port)
		return r
	}
	client := t.Client
	if client == nil {
		client = noRedirects
	}
	var re *regexp.Regexp
	if hc.BodyMatches != "" {
		var err error
		if re, err = regexp.Compile(hc.BodyMatches); err != nil {
			r.Message = "body_matches: " + err.Error()
			return r
		}
	}
	url := "http://" + addr + hc.Path
	for {
		r.Attempts++
		reason := httpOnce(ctx, client, url, hc, re)
		if reason == "" {
			r.Passed = true
			return r
		}
		r.Message = reason
		if r.Attempts > hc.Retries {
			break
		}
		if ctx.Err() == nil {
			select {
			case <-ctx.Done():
			case <-time.After(hc.Interval):
			}
		}
		if ctx.Err() != nil {
			r.Message = interrupted(ctx) + "; last attempt: " + reason
			return r
		}
	}
	if r.Attempts > 1 {
		r.Message = fmt.Sprintf("after %d attempts: %s", r.Attempts, r.Message)
	}
	return r
}

// httpOnce makes one request; "" means the answer is right, otherwise the
// reason it is not.
func httpOnce(ctx context.Context, client *http.Client, url string, hc *model.HTTPCheck, re *regexp.Regexp) string {
	actx, cancel := context.WithTimeout(ctx, hc.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, hc.Method, url, nil)
	if err != nil {
		return err.Error()
	}
	what := hc.Method + " " + hc.Path
	resp, err := client.Do(req)
	if err != nil {
		return what + ": " + requestError(ctx, actx, err, hc.Timeout)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return what + ": reading the body: " + requestError(ctx, actx, err, hc.Timeout)
	}
	body := string(b)
	switch {
	case resp.StatusCode != hc.Status:
		return fmt.Sprintf("%s: status %s, want %d; body: %q", what, resp.Status, hc.Status, quote(body))
	case hc.BodyContains != "" && !strings.Contains(body, hc.BodyContains):
		return fmt.Sprintf("%s: body does not contain %q; body: %q", what, hc.BodyContains, quote(body))
	case re != nil && !re.MatchString(body):
		return fmt.Sprintf("%s: body does not match /%s/; body: %q", what, hc.BodyMatches, quote(body))
	}
	return ""
}

// requestError words a failed request: a timeout of the attempt, the run
// ending, or the transport's error.
func requestError(run, attempt context.Context, err error, timeout time.Duration) string {
	switch {
	case run.Err() != nil:
		return interrupted(run)
	case attempt.Err() != nil || errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("no answer within %s", timeout)
	}
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) && ue.Unwrap() != nil {
		return ue.Unwrap().Error() // drop the `Get "url":` prefix
	}
	return err.Error()
}
