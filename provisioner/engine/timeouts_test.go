package engine

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// silentEngine is an engine address that accepts connections, reads the
// requests and never answers, like a hung dockerd.
func silentEngine(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
			go io.Copy(io.Discard, c)
		}
	}()
	return "tcp://" + l.Addr().String()
}

func TestHungEngineCallTimesOut(t *testing.T) {
	d, err := NewDocker(silentEngine(t), WithTimeouts(Timeouts{Call: 300 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for name, call := range map[string]func() error{
		"inspect": func() error { _, err := d.ContainerState(context.Background(), "acme_app"); return err },
		"create network": func() error {
			return d.CreateNetwork(context.Background(), resource.NetworkSpec{Name: "p_acme_internal"})
		},
		"observe": func() error { _, err := d.Observe(context.Background(), "p"); return err },
	} {
		start := time.Now()
		err := call()
		took := time.Since(start)
		if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "did not answer") || !strings.Contains(err.Error(), "within 300ms") {
			t.Errorf("%s: err = %v, want ErrTimeout", name, err)
		}
		// The version negotiation's ping and the call itself: two bounds.
		if took > 3*time.Second {
			t.Errorf("%s took %s, bound 300ms", name, took)
		}
	}
}

// slowEngine answers the ping at once and the other requests after delay,
// streaming their body over another delay.
func slowEngine(t *testing.T, delay time.Duration) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/_ping") {
			w.Header().Set("Api-Version", "1.41")
			w.Write([]byte("OK"))
			return
		}
		time.Sleep(delay)
		w.Header().Set("Content-Type", "application/x-tar")
		w.WriteHeader(http.StatusOK)
		for range 4 {
			w.Write([]byte("chunk"))
			w.(http.Flusher).Flush()
			time.Sleep(delay / 4)
		}
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "tcp://" + l.Addr().String()
}

// An image save answers only when the image is exported, and streams for
// as long as it takes: neither is cut by the Call bound.
func TestImageTransferIsNotCutByTheCallBound(t *testing.T) {
	d, err := NewDocker(slowEngine(t, 800*time.Millisecond), WithTimeouts(Timeouts{Call: 200 * time.Millisecond, Image: 5 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rc, err := d.ImageSave(context.Background(), "tenantctl-example/app:1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || string(b) != strings.Repeat("chunk", 4) {
		t.Fatalf("image stream %q, %v", b, err)
	}
}

// The bound is on the wait for an answer, not on the stream after it.
func TestStreamAfterTheAnswerIsNotCut(t *testing.T) {
	bounds := Timeouts{Call: 300 * time.Millisecond}
	req, _ := http.NewRequest(http.MethodGet, "http://engine/v1.41/containers/x/logs", nil)
	rt := &answerBound{next: slowStreamTransport(100*time.Millisecond, 800*time.Millisecond), timeouts: &bounds}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || string(b) != "done" {
		t.Fatalf("stream %q, %v: cut by the answer bound", b, err)
	}
}

// slowStreamTransport answers after answer and finishes its body after
// body.
func slowStreamTransport(answer, body time.Duration) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		select {
		case <-time.After(answer):
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
		pr, pw := io.Pipe()
		go func() {
			select {
			case <-time.After(body):
				pw.Write([]byte("done"))
				pw.Close()
			case <-req.Context().Done():
				pw.CloseWithError(req.Context().Err())
			}
		}()
		return &http.Response{StatusCode: 200, Body: pr, Header: http.Header{}, Request: req}, nil
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestAPIPath(t *testing.T) {
	for in, want := range map[string]string{
		"/v1.41/containers/x/json": "/containers/x/json",
		"/_ping":                   "/_ping",
		"/volumes/v1":              "/volumes/v1",
		"/v1.41/images/get":        "/images/get",
	} {
		req, _ := http.NewRequest(http.MethodGet, "http://engine"+in, nil)
		if got := apiPath(req); got != want {
			t.Errorf("apiPath(%s) = %s, want %s", in, got, want)
		}
	}
}
