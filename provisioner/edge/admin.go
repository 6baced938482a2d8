package edge

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// AdminSocket is the name of the admin API's unix socket in the data
// directory.
const AdminSocket = "admin.sock"

// MaxDrainTimeout bounds the drain timeout a change may ask for.
const MaxDrainTimeout = 10 * time.Minute

// The admin API is JSON over HTTP on a unix socket:
//
//	GET    /v1/ping                                 PingResult
//	GET    /v1/routes                               RoutesResult
//	PUT    /v1/routes/{tenant}              SetRequest → SetResult
//	DELETE /v1/routes/{tenant}?drain_timeout_ms=N   RemoveResult
//	PUT    /v1/routes/{tenant}/maintenance  MaintenanceRequest → MaintenanceResult
//	DELETE /v1/routes/{tenant}/maintenance          MaintenanceResult
//	GET    /v1/stats?window_ms=N&tenant=T...        StatsResult
//
// A refused request gets an APIError body with status 400 (invalid), 404
// (not found), 409 (conflict) or 500.

// PingResult answers GET /v1/ping.
type PingResult struct {
	// OK is always true.
	OK bool `json:"ok"`
	// Version is the proxy's version.
	Version string `json:"version"`
	// Tenants is the number of routes.
	Tenants int `json:"tenants"`
}

// RoutesResult answers GET /v1/routes.
type RoutesResult struct {
	// Routes are sorted by tenant.
	Routes []Route `json:"routes"`
}

// SetRequest is the body of PUT /v1/routes/{tenant}.
type SetRequest struct {
	// Hosts and Backend are those of the new route.
	Hosts   []string `json:"hosts"`
	Backend string   `json:"backend"`
	// DrainTimeoutMS bounds the wait for the old backend's requests.
	DrainTimeoutMS int64 `json:"drain_timeout_ms"`
}

// MaintenanceRequest is the body of PUT /v1/routes/{tenant}/maintenance.
type MaintenanceRequest struct {
	// Message is shown on the 503 page.
	Message string `json:"message"`
	// DrainTimeoutMS bounds the wait for requests already on the backend.
	DrainTimeoutMS int64 `json:"drain_timeout_ms"`
}

// StatsResult answers GET /v1/stats.
type StatsResult struct {
	// Tenants are sorted by name.
	Tenants []TenantStats `json:"tenants"`
}

// APIError is the body of a refused admin request, and the error the
// Client returns for it.
type APIError struct {
	// Status is the HTTP status of the answer.
	Status int `json:"-"`
	// Code is "invalid", "not_found", "conflict" or "internal".
	Code string `json:"code"`
	// Message says what went wrong and what to do.
	Message string `json:"error"`
}

// Error returns the message.
func (e *APIError) Error() string { return e.Message }

// NewAdminHandler returns the admin API of rt; version is reported by ping.
func NewAdminHandler(rt *Router, version string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/ping", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, PingResult{OK: true, Version: version, Tenants: len(rt.Routes())}, nil)
	})
	mux.HandleFunc("GET /v1/routes", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, RoutesResult{Routes: rt.Routes()}, nil)
	})
	mux.HandleFunc("PUT /v1/routes/{tenant}", func(w http.ResponseWriter, r *http.Request) {
		var req SetRequest
		if !readJSON(w, r, &req) {
			return
		}
		drain, err := drainTimeout(req.DrainTimeoutMS)
		if err != nil {
			writeJSON(w, nil, err)
			return
		}
		res, err := rt.SetRoute(Route{Tenant: r.PathValue("tenant"), Hosts: req.Hosts, Backend: req.Backend}, drain)
		writeJSON(w, res, err)
	})
	mux.HandleFunc("DELETE /v1/routes/{tenant}", func(w http.ResponseWriter, r *http.Request) {
		n, err := queryInt(r, "drain_timeout_ms")
		var drain time.Duration
		if err == nil {
			drain, err = drainTimeout(n)
		}
		if err != nil {
			writeJSON(w, nil, err)
			return
		}
		res, err := rt.RemoveRoute(r.PathValue("tenant"), drain)
		writeJSON(w, res, err)
	})
	mux.HandleFunc("PUT /v1/routes/{tenant}/maintenance", func(w http.ResponseWriter, r *http.Request) {
		var req MaintenanceRequest
		if !readJSON(w, r, &req) {
			return
		}
		drain, err := drainTimeout(req.DrainTimeoutMS)
		if err != nil {
			writeJSON(w, nil, err)
			return
		}
		res, err := rt.SetMaintenance(r.PathValue("tenant"), req.Message, drain)
		writeJSON(w, res, err)
	})
	mux.HandleFunc("DELETE /v1/routes/{tenant}/maintenance", func(w http.ResponseWriter, r *http.Request) {
		res, err := rt.ClearMaintenance(r.PathValue("tenant"))
		writeJSON(w, res, err)
	})
	mux.HandleFunc("GET /v1/stats", func(w http.ResponseWriter, r *http.Request) {
		n, err := queryInt(r, "window_ms")
		if err != nil {
			writeJSON(w, nil, err)
			return
		}
		ts, err := rt.Stats(time.Duration(n)*time.Millisecond, r.URL.Query()["tenant"]...)
		writeJSON(w, StatsResult{Tenants: ts}, err)
	})
	return mux
}

// drainTimeout checks a drain timeout in milliseconds.
func drainTimeout(msec int64) (time.Duration, error) {
	d := time.Duration(msec) * time.Millisecond
	if msec < 0 || d > MaxDrainTimeout {
		return 0, errorf(ErrInvalid, "drain timeout %s: give 0 to %s", d, MaxDrainTimeout)
	}
	return d, nil
}

// queryInt reads an optional integer query parameter (0 when absent).
func queryInt(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, errorf(ErrInvalid, "%s=%q is not a number", name, v)
	}
	return n, nil
}

// readJSON decodes the body of r into v, or answers 400 and returns false.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeJSON(w, nil, errorf(ErrInvalid, "request body: %v", err))
		return false
	}
	return true
}

// writeJSON answers with v, or with err as an APIError.
func writeJSON(w http.ResponseWriter, v any, err error) {
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		e := &APIError{Status: http.StatusInternalServerError, Code: "internal", Message: err.Error()}
		switch {
		case errors.Is(err, ErrInvalid):
			e.Status, e.Code = http.StatusBadRequest, "invalid"
		case errors.Is(err, ErrNotFound):
			e.Status, e.Code = http.StatusNotFound, "not_found"
		case errors.Is(err, ErrConflict):
			e.Status, e.Code = http.StatusConflict, "conflict"
		}
		w.WriteHeader(e.Status)
		v = e
	}
	_ = json.NewEncoder(w).Encode(v)
}

// ListenAdmin listens on the unix socket at path, readable by the owner
// only. A socket file left by a proxy that is gone (a crash, a container
// restart) is removed; one that a running proxy answers on is an error.
func ListenAdmin(path string) (net.Listener, error) {
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&os.ModeSocket == 0 {
			return nil, fmt.Errorf("admin socket %s: a file that is not a socket is in the way; remove it or give another --socket", path)
		}
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("admin socket %s: another proxy is running on this data directory", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("admin socket: removing the stale %s: %w", path, err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	return ln, nil
}
