package edge

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// slowBackend answers /slow after release is closed (and counts it as
// started first), anything else at once.
func slowBackend(t *testing.T, name string, started chan<- struct{}, release <-chan struct{}) *testBackend {
	return newTestBackend(t, name, []string{"acme.example.com"}, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			w.Header().Set("Content-Length", "10")
			w.WriteHeader(200)
			io.WriteString(w, "slow-")
			w.(http.Flusher).Flush()
			started <- struct{}{}
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
			io.WriteString(w, "done\n")
			return
		}
		fmt.Fprintf(w, "backend %s\n", name)
	})
}

func TestSwitchWaitsForInFlightRequests(t *testing.T) {
	rt := newTestRouter(t)
	started, release := make(chan struct{}, 1), make(chan struct{})
	a := slowBackend(t, "a", started, release)
	b := newTestBackend(t, "b", []string{"acme.example.com"}, nil)
	mustSet(t, rt, "acme", a.addr(), "acme.example.com")
	proxy := httptest.NewServer(rt)
	defer proxy.Close()

	slowDone := make(chan string, 1)
	go func() {
		_, _, body := get(t, proxy.Client(), proxy.URL+"/slow", "acme.example.com")
		slowDone <- body
	}()
	<-started

	switched := make(chan SetResult, 1)
	go func() { switched <- mustSet(t, rt, "acme", b.addr(), "acme.example.com") }()
	// While A drains, new requests already go to B.
	deadline := time.Now().Add(2 * time.Second)
	for {
		if _, _, body := get(t, proxy.Client(), proxy.URL+"/", "acme.example.com"); body == "backend b\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("requests did not move to B during the drain")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case res := <-switched:
		t.Fatalf("SetRoute returned while A still had a request in flight: %+v", res)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	res := <-switched
	if body := <-slowDone; body != "slow-done\n" {
		t.Errorf("the in-flight request got %q, want it whole", body)
	}
	// In flight at the switch: the slow request, and maybe a poll.
	if res.Drain == nil || res.Drain.InFlight < 1 || res.Drain.TimedOut || res.Drain.Cancelled != 0 || res.Previous != a.addr() {
		t.Errorf("SetResult = %+v drain %+v", res, res.Drain)
	}
	if res.Drain.WaitedMS < 300 {
		t.Errorf("drain waited %d ms, want the ≥300 ms the request was held", res.Drain.WaitedMS)
	}
}

func TestDrainTimeoutCancelsLeftRequests(t *testing.T) {
	rt := newTestRouter(t)
	started, never := make(chan struct{}, 1), make(chan struct{})
	a := slowBackend(t, "a", started, never)
	b := newTestBackend(t, "b", []string{"acme.example.com"}, nil)
	mustSet(t, rt, "acme", a.addr(), "acme.example.com")
	proxy := httptest.NewServer(rt)
	defer proxy.Close()
	errc := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, proxy.URL+"/slow", nil)
		req.Host = "acme.example.com"
		resp, err := proxy.Client().Do(req)
		if err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		errc <- err
	}()
	<-started
	start := time.Now()
	res, err := rt.SetRoute(Route{Tenant: "acme", Hosts: []string{"acme.example.com"}, Backend: b.addr()}, 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if took < 200*time.Millisecond || took > 2*time.Second {
		t.Errorf("SetRoute took %v with a 200ms drain timeout", took)
	}
	if d := res.Drain; d == nil || !d.TimedOut || d.Cancelled != 1 || d.InFlight != 1 {
		t.Errorf("drain = %+v, want timed out with 1 cancelled", res.Drain)
	}
	// The cut-off response (headers already sent) ends early for the client.
	select {
	case err := <-errc:
		if err == nil {
			t.Error("the cancelled request ended as if whole")
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the cancelled request is still running")
	}
}

func TestRemoveAndMaintenanceDrain(t *testing.T) {
	for _, op := range []string{"remove", "maintenance"} {
		t.Run(op, func(t *testing.T) {
			rt := newTestRouter(t)
			started, release := make(chan struct{}, 1), make(chan struct{})
			a := slowBackend(t, "a", started, release)
			mustSet(t, rt, "acme", a.addr(), "acme.example.com")
			proxy := httptest.NewServer(rt)
			defer proxy.Close()
			slowDone := make(chan string, 1)
			go func() {
				_, _, body := get(t, proxy.Client(), proxy.URL+"/slow", "acme.example.com")
				slowDone <- body
			}()
			<-started
			done := make(chan *DrainResult, 1)
			go func() {
				if op == "remove" {
					res, _ := rt.RemoveRoute("acme", 5*time.Second)
					done <- res.Drain
				} else {
					res, _ := rt.SetMaintenance("acme", "", 5*time.Second)
					done <- res.Drain
				}
			}()
			time.Sleep(100 * time.Millisecond)
			want := map[string]int{"remove": 404, "maintenance": 503}[op]
			if status, _, _ := get(t, proxy.Client(), proxy.URL+"/", "acme.example.com"); status != want {
				t.Errorf("during the drain: %d, want %d", status, want)
			}
			select {
			case <-done:
				t.Fatal("returned with a request in flight")
			case <-time.After(200 * time.Millisecond):
			}
			close(release)
			if d := <-done; d == nil || d.InFlight != 1 || d.TimedOut {
				t.Errorf("drain = %+v", d)
			}
			if body := <-slowDone; body != "slow-done\n" {
				t.Errorf("in-flight request got %q", body)
			}
		})
	}
}

// TestZeroLossSwitch switches a tenant back and forth between backends
// under load, and closes each old backend the moment the switch returns,
// as tenantctl removes the old container: no request may fail.
func TestZeroLossSwitch(t *testing.T) {
	rt := newTestRouter(t)
	proxy := httptest.NewServer(rt)
	defer proxy.Close()
	slowish := func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Duration(r.ContentLength) * time.Millisecond) // 0-20 ms of work
		fmt.Fprintln(w, "ok")
	}
	cur := newTestBackend(t, "v0", []string{"acme.example.com"}, slowish)
	mustSet(t, rt, "acme", cur.addr(), "acme.example.com")

	stop := make(chan struct{})
	var ok, failed atomic.Int64
	var failures sync.Map
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second}
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				body := strings.Repeat("x", (i*7+w)%20)
				req, _ := http.NewRequest(http.MethodPost, proxy.URL+"/", strings.NewReader(body))
				req.Host = "acme.example.com"
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					failures.Store(err.Error(), true)
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || string(b) != "ok\n" {
					failed.Add(1)
					failures.Store(fmt.Sprintf("%d %q", resp.StatusCode, b), true)
					continue
				}
				ok.Add(1)
			}
		}()
	}
	start := time.Now()
	switches := 0
	for time.Since(start) < 2500*time.Millisecond {
		time.Sleep(50 * time.Millisecond)
		next := newTestBackend(t, fmt.Sprintf("v%d", switches+1), []string{"acme.example.com"}, slowish)
		res := mustSet(t, rt, "acme", next.addr(), "acme.example.com")
		if res.Drain == nil || res.Drain.TimedOut {
			t.Errorf("switch %d: drain %+v", switches, res.Drain)
		}
		cur.srv.CloseClientConnections()
		cur.srv.Close() // the old container is removed right away
		cur = next
		switches++
	}
	close(stop)
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	failures.Range(func(k, _ any) bool { t.Logf("failure: %v", k); return true })
	if failed.Load() != 0 {
		t.Errorf("%d of %d requests failed across %d switches", failed.Load(), failed.Load()+ok.Load(), switches)
	}
	if rate := float64(ok.Load()) / elapsed; rate < 50 {
		t.Errorf("only %.0f requests/s, want ≥ 50 for the test to mean something", rate)
	}
	t.Logf("%d requests in %.1fs (%.0f/s), %d switches, %d failed", ok.Load(), elapsed, float64(ok.Load())/elapsed, switches, failed.Load())
}

// TestRequestRacingASwitchRetries makes a switch happen between a
// request's route lookup and its acquiring the backend: the request must
// not go to the old backend (already drained, about to be removed) but
// look again and go to the new one.
func TestRequestRacingASwitchRetries(t *testing.T) {
	rt := newTestRouter(t)
	a := newTestBackend(t, "a", []string{"acme.example.com"}, nil)
	b := newTestBackend(t, "b", []string{"acme.example.com"}, nil)
	mustSet(t, rt, "acme", a.addr(), "acme.example.com")
	proxy := httptest.NewServer(rt)
	defer proxy.Close()
	var once sync.Once
	testHookAfterLookup = func() {
		once.Do(func() {
			mustSet(t, rt, "acme", b.addr(), "acme.example.com")
			a.srv.Close()
		})
	}
	defer func() { testHookAfterLookup = nil }()
	status, _, body := get(t, proxy.Client(), proxy.URL+"/", "acme.example.com")
	if status != 200 || body != "backend b\n" {
		t.Errorf("got %d %q, want 200 from b", status, body)
	}
	if a.hits.Load() != 0 {
		t.Error("the request reached the retired backend")
	}
}

// TestDrainCutsUpgradedConnections: an upgraded connection (a WebSocket)
// never ends by itself, so a switch cuts it at once instead of waiting
// for the drain timeout.
func TestDrainCutsUpgradedConnections(t *testing.T) {
	rt := newTestRouter(t)
	echo := newTestBackend(t, "a", []string{"acme.example.com"}, func(w http.ResponseWriter, r *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("backend hijack: %v", err)
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
		brw.Flush()
		io.Copy(conn, brw)
	})
	b := newTestBackend(t, "b", []string{"acme.example.com"}, nil)
	mustSet(t, rt, "acme", echo.addr(), "acme.example.com")
	proxy := httptest.NewServer(rt)
	defer proxy.Close()

	c, err := net.Dial("tcp", proxy.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: acme.example.com\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade through the proxy: %v %v", resp, err)
	}
	io.WriteString(c, "ping\n")
	if line, err := br.ReadString('\n'); err != nil || line != "ping\n" {
		t.Fatalf("echo through the upgraded connection: %q %v", line, err)
	}
	start := time.Now()
	res, err := rt.SetRoute(Route{Tenant: "acme", Hosts: []string{"acme.example.com"}, Backend: b.addr()}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 3*time.Second || res.Drain.Cancelled != 1 || res.Drain.TimedOut {
		t.Errorf("switch took %v, drain %+v; want the upgraded connection cut at once", took, res.Drain)
	}
	if _, err := br.ReadString('\n'); err == nil {
		t.Error("the upgraded connection is still open after the switch")
	}
}
