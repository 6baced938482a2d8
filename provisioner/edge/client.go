package edge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// ErrUnreachable is returned by the Client when no proxy answers on the
// admin socket.
var ErrUnreachable = errors.New("proxy not reachable")

// Client calls the admin API of a running proxy over its unix socket.
type Client struct {
	socket string
	http   *http.Client
}

// NewClient returns a Client of the proxy whose admin socket is at socket.
func NewClient(socket string) *Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			d := net.Dialer{Timeout: 5 * time.Second}
			return d.DialContext(ctx, "unix", socket)
		},
	}
	return &Client{socket: socket, http: &http.Client{Transport: tr}}
}

// Ping checks that the proxy answers.
func (c *Client) Ping(ctx context.Context) (PingResult, error) {
	var res PingResult
	err := c.do(ctx, http.MethodGet, "/v1/ping", nil, &res)
	return res, err
}

// Routes returns every route.
func (c *Client) Routes(ctx context.Context) ([]Route, error) {
	var res RoutesResult
	err := c.do(ctx, http.MethodGet, "/v1/routes", nil, &res)
	return res.Routes, err
}

// SetRoute sets tenant's route; it returns once the old backend is drained.
func (c *Client) SetRoute(ctx context.Context, tenant string, hosts []string, backend string, drain time.Duration) (SetResult, error) {
	var res SetResult
	req := SetRequest{Hosts: hosts, Backend: backend, DrainTimeoutMS: drain.Milliseconds()}
	err := c.do(ctx, http.MethodPut, "/v1/routes/"+url.PathEscape(tenant), req, &res)
	return res, err
}

// RemoveRoute removes tenant's route; it returns once its backend is drained.
func (c *Client) RemoveRoute(ctx context.Context, tenant string, drain time.Duration) (RemoveResult, error) {
	var res RemoveResult
	path := "/v1/routes/" + url.PathEscape(tenant) + "?drain_timeout_ms=" + strconv.FormatInt(drain.Milliseconds(), 10)
	err := c.do(ctx, http.MethodDelete, path, nil, &res)
	return res, err
}

// SetMaintenance puts tenant in maintenance with message.
func (c *Client) SetMaintenance(ctx context.Context, tenant, message string, drain time.Duration) (MaintenanceResult, error) {
	var res MaintenanceResult
	req := MaintenanceRequest{Message: message, DrainTimeoutMS: drain.Milliseconds()}
	err := c.do(ctx, http.MethodPut, "/v1/routes/"+url.PathEscape(tenant)+"/maintenance", req, &res)
	return res, err
}

// ClearMaintenance ends tenant's maintenance.
func (c *Client) ClearMaintenance(ctx context.Context, tenant string) (MaintenanceResult, error) {
	var res MaintenanceResult
	err := c.do(ctx, http.MethodDelete, "/v1/routes/"+url.PathEscape(tenant)+"/maintenance", nil, &res)
	return res, err
}

// Stats returns the traffic of tenants (all when none) over window.
func (c *Client) Stats(ctx context.Context, window time.Duration, tenants ...string) ([]TenantStats, error) {
	q := url.Values{"window_ms": {strconv.FormatInt(window.Milliseconds(), 10)}}
	for _, t := range tenants {
		q.Add("tenant", t)
	}
	var res StatsResult
	err := c.do(ctx, http.MethodGet, "/v1/stats?"+q.Encode(), nil, &res)
	return res.Tenants, err
}

// do sends one request with body in (nil for none) and decodes the answer
// into out. A refusal is an *APIError; no answer wraps ErrUnreachable.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://edge"+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("admin request: %w", ctx.Err())
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("%w on %s: %v (is the proxy running?)", ErrUnreachable, c.socket, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("admin request: reading the answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		e := &APIError{Status: resp.StatusCode}
		if json.Unmarshal(b, e) != nil || e.Message == "" {
			e.Code, e.Message = "internal", fmt.Sprintf("admin request: status %d", resp.StatusCode)
		}
		return e
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("admin request: decoding the answer: %w", err)
	}
	return nil
}
