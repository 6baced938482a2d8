package edge

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"testing"
	"time"
)

func TestAdminAPIOverSocket(t *testing.T) {
	dir := shortDir(t)
	srv := startServer(t, Config{DataDir: dir, Version: "1.2.3"})
	ctx := context.Background()
	c := NewClient(filepath.Join(dir, AdminSocket))
	acme := newTestBackend(t, "acme", []string{"acme.example.com"}, nil)

	ping, err := c.Ping(ctx)
	if err != nil || !ping.OK || ping.Version != "1.2.3" || ping.Tenants != 0 {
		t.Fatalf("ping = %+v, %v", ping, err)
	}
	set, err := c.SetRoute(ctx, "acme", []string{"Acme.Example.com", "acme.example.com"}, acme.addr(), time.Second)
	if err != nil || set.Previous != "" || set.Drain != nil || len(set.Route.Hosts) != 1 {
		t.Fatalf("set = %+v, %v", set, err)
	}
	routes, err := c.Routes(ctx)
	if err != nil || len(routes) != 1 || routes[0].Backend != acme.addr() || routes[0].Hosts[0] != "acme.example.com" {
		t.Fatalf("routes = %+v, %v", routes, err)
	}
	get(t, clientTo(srv.Addr(ListenerHTTP), nil), "http://x/", "acme.example.com")
	// A request is counted once the proxy is done with it, which may be a
	// moment after the client has read the whole answer.
	var stats []TenantStats
	for range 100 {
		stats, err = c.Stats(ctx, time.Minute)
		if err != nil || len(stats) != 1 || stats[0].Requests == 1 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil || len(stats) != 1 || stats[0].Tenant != "acme" || stats[0].Requests != 1 {
		t.Fatalf("stats = %+v, %v", stats, err)
	}

	wantCode := func(what string, err error, status int, code string) {
		t.Helper()
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Status != status || apiErr.Code != code || apiErr.Message == "" {
			t.Errorf("%s: %#v, want %d %s", what, err, status, code)
		}
	}
	_, err = c.SetRoute(ctx, "Bad", []string{"a.test"}, "a:80", 0)
	wantCode("bad tenant", err, http.StatusBadRequest, "invalid")
	_, err = c.SetRoute(ctx, "globex", []string{"acme.example.com"}, "g:80", 0)
	wantCode("host taken", err, http.StatusConflict, "conflict")
	_, err = c.SetMaintenance(ctx, "globex", "", 0)
	wantCode("maintenance of nobody", err, http.StatusNotFound, "not_found")
	_, err = c.Stats(ctx, time.Minute, "globex")
	wantCode("stats of nobody", err, http.StatusNotFound, "not_found")
	_, err = c.SetRoute(ctx, "acme", []string{"acme.example.com"}, "a:80", time.Hour)
	wantCode("drain timeout too long", err, http.StatusBadRequest, "invalid")

	rm, err := c.RemoveRoute(ctx, "globex", 0)
	if err != nil || rm.Removed || rm.Drain != nil {
		t.Errorf("removing a tenant with no route = %+v, %v; want a no-op", rm, err)
	}
	rm, err = c.RemoveRoute(ctx, "acme", time.Second)
	if err != nil || !rm.Removed || rm.Drain == nil {
		t.Errorf("remove = %+v, %v", rm, err)
	}
	if routes, _ := c.Routes(ctx); len(routes) != 0 {
		t.Errorf("routes after remove = %+v", routes)
	}
}

func TestClientUnreachable(t *testing.T) {
	_, err := NewClient(filepath.Join(shortDir(t), AdminSocket)).Ping(context.Background())
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("err = %v, want ErrUnreachable", err)
	}
}
