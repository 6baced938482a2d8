package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/go-connections/nat"

	"github.com/tenantctl/tenantctl/provisioner/resource"
)

func TestHealthFromStatus(t *testing.T) {
	t.Parallel()
	for status, want := range map[string]string{
		"Up 3 minutes (healthy)":           "healthy",
		"Up 10 seconds (unhealthy)":        "unhealthy",
		"Up 2 seconds (health: starting)":  "starting",
		"Up 5 hours":                       "",
		"Exited (0) 2 minutes ago":         "",
		"Created":                          "",
		"Up 1 second (Paused)":             "",
		"Restarting (1) 3 seconds ago":     "",
		"Up About a minute (healthy)":      "healthy",
		"Up 4 days (health: starting) xyz": "starting",
	} {
		if got := healthFromStatus(status); got != want {
			t.Errorf("healthFromStatus(%q) = %q, want %q", status, got, want)
		}
	}
}

func TestErrorClassification(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		msg                      string
		overlap, port, duplicate bool
	}{
		{msg: "Error response from daemon: Pool overlaps with other one on this address space", overlap: true},
		{msg: "invalid pool request: Pool overlaps with other one on this address space", overlap: true},
		{msg: "networks have overlapping IPv4", overlap: true},
		{msg: "Bind for 0.0.0.0:8080 failed: port is already allocated", port: true},
		{msg: "Error starting userland proxy: listen tcp4 0.0.0.0:80: bind: address already in use", port: true},
		{msg: "network with name x already exists", duplicate: true},
		{msg: `Conflict. The container name "/x" is already in use by container "abc"`, duplicate: true},
		{msg: "No such image: x"},
	} {
		err := errors.New(tc.msg)
		if got := isPoolOverlap(err); got != tc.overlap {
			t.Errorf("isPoolOverlap(%q) = %v", tc.msg, got)
		}
		if got := isPortTaken(err); got != tc.port {
			t.Errorf("isPortTaken(%q) = %v", tc.msg, got)
		}
		if got := isNameConflict(err); got != tc.duplicate {
			t.Errorf("isNameConflict(%q) = %v", tc.msg, got)
		}
	}
	wrapped := portTaken(errors.New("Bind for 0.0.0.0:8080 failed: port is already allocated"))
	if !errors.Is(wrapped, ErrPortTaken) || !strings.Contains(wrapped.Error(), "0.0.0.0:8080") {
		t.Errorf("portTaken = %v", wrapped)
	}
}

func TestContainerConfig(t *testing.T) {
	t.Parallel()
	spec := resource.ContainerSpec{
		Name:  "p_t_app",
		Image: "example/app:1",
		Env:   []resource.EnvVar{{Name: "A", Value: "1"}, {Name: "PW", Value: "x=y", Sensitive: true}},
		Labels: map[string]string{
			resource.LabelProject: "p",
		},
		Networks: []resource.Attachment{{Network: "p_t_internal", Aliases: []string{"app"}}, {Network: "p_t_edge"}},
		Ports: []resource.PortBinding{
			{Container: 8080, HostPort: 20001},
			{Container: 8080, HostIP: "127.0.0.1", HostPort: 20002},
			{Container: 53, Protocol: "udp", HostPort: 20053},
		},
		Mounts:    []resource.Mount{{Volume: "p_t_data", Target: "/data", ReadOnly: true}},
		Health:    &resource.HealthCheck{Command: []string{"/probe", "-check"}, Interval: time.Second, Timeout: 2 * time.Second, Retries: 3, StartPeriod: 5 * time.Second},
		Memory:    1 << 30,
		NanoCPUs:  1e9,
		PidsLimit: 100,
		CapAdd:    []string{"NET_BIND_SERVICE"},
	}
	cfg, host, netCfg := containerConfig(spec)

	if cfg.Cmd != nil {
		t.Errorf("Cmd = %#v, want nil for an empty command (image default)", cfg.Cmd)
	}
	if !slices.Equal(cfg.Env, []string{"A=1", "PW=x=y"}) {
		t.Errorf("Env = %v", cfg.Env)
	}
	if want := (nat.PortSet{"8080/tcp": {}, "53/udp": {}}); fmt.Sprint(cfg.ExposedPorts) != fmt.Sprint(want) {
		t.Errorf("ExposedPorts = %v, want %v", cfg.ExposedPorts, want)
	}
	if got := host.PortBindings["8080/tcp"]; !slices.Equal(got, []nat.PortBinding{{HostPort: "20001"}, {HostIP: "127.0.0.1", HostPort: "20002"}}) {
		t.Errorf("bindings of 8080/tcp = %v", got)
	}
	if want := (&container.HealthConfig{Test: []string{"CMD", "/probe", "-check"}, Interval: time.Second, Timeout: 2 * time.Second, Retries: 3, StartPeriod: 5 * time.Second}); fmt.Sprint(cfg.Healthcheck) != fmt.Sprint(want) {
		t.Errorf("Healthcheck = %+v", cfg.Healthcheck)
	}
	if !slices.Equal(host.Mounts, []mount.Mount{{Type: mount.TypeVolume, Source: "p_t_data", Target: "/data", ReadOnly: true}}) {
		t.Errorf("Mounts = %+v", host.Mounts)
	}
	if host.PidsLimit == nil || *host.PidsLimit != 100 || host.Memory != 1<<30 || host.NanoCPUs != 1e9 {
		t.Errorf("Resources = %+v", host.Resources)
	}
	if host.RestartPolicy.Name != container.RestartPolicyUnlessStopped || !slices.Equal(host.CapDrop, []string{"ALL"}) || !slices.Equal(host.CapAdd, []string{"NET_BIND_SERVICE"}) ||
		!slices.Equal(host.SecurityOpt, []string{"no-new-privileges:true"}) || host.Init == nil || *host.Init ||
		host.LogConfig.Type != "json-file" || host.LogConfig.Config["max-size"] != "10m" || host.LogConfig.Config["max-file"] != "3" {
		t.Errorf("HostConfig = %+v", host)
	}
	if host.NetworkMode != "p_t_internal" || len(netCfg.EndpointsConfig) != 1 ||
		!slices.Equal(netCfg.EndpointsConfig["p_t_internal"].Aliases, []string{"app"}) {
		t.Errorf("NetworkMode %q, EndpointsConfig %+v: want only the first network", host.NetworkMode, netCfg.EndpointsConfig)
	}

	bare := resource.ContainerSpec{Name: "p_t_x", Image: "x", Command: []string{"/x", "-y"}}
	cfg, host, netCfg = containerConfig(bare)
	if !slices.Equal(cfg.Cmd, []string{"/x", "-y"}) || cfg.Healthcheck != nil || host.PidsLimit != nil || netCfg != nil ||
		cfg.ExposedPorts != nil || host.PortBindings != nil {
		t.Errorf("bare spec: cfg %+v host %+v net %+v", cfg, host, netCfg)
	}
}

func TestObserved(t *testing.T) {
	t.Parallel()
	mine := map[string]string{resource.LabelProject: "p", resource.LabelTenant: "t"}
	theirs := map[string]string{resource.LabelProject: "q"}
	ipam := func(subnets ...string) network.IPAM {
		var c []network.IPAMConfig
		for _, s := range subnets {
			c = append(c, network.IPAMConfig{Subnet: s})
		}
		return network.IPAM{Config: c}
	}
	nets := []network.Summary{
		{Name: "p_t_internal", ID: "n2", Labels: mine, Internal: true, IPAM: ipam("10.1.2.0/24")},
		{Name: "bridge", ID: "n0", IPAM: ipam("172.17.0.0/16")},
		{Name: "p_t_edge", ID: "n1", Labels: mine, IPAM: ipam("10.1.1.0/24", "fd00::/64")},
		{Name: "q_t_edge", ID: "n3", Labels: theirs, IPAM: ipam("10.1.2.0/24")},
		{Name: "host", ID: "n4"},
	}
	vols := []*volume.Volume{
		{Name: "p_t_z", Labels: mine},
		{Name: "p_t_a", Labels: mine},
		{Name: "q_t_a", Labels: theirs}, // an engine ignoring the filter
		nil,
	}
	cs := []container.Summary{
		{ID: "c2", Names: []string{"/p_t_web"}, Labels: mine, State: "running", Status: "Up 2 minutes (healthy)", Created: 1700000000,
			Ports: []container.Port{
				{IP: "::", PrivatePort: 8080, PublicPort: 20001, Type: "tcp"},
				{IP: "0.0.0.0", PrivatePort: 8080, PublicPort: 20001, Type: "tcp"},
				{PrivatePort: 9090, Type: "tcp"},
			},
			NetworkSettings: &container.NetworkSettingsSummary{Networks: map[string]*network.EndpointSettings{"p_t_internal": {}, "p_t_edge": {}}},
			Mounts: []container.MountPoint{
				{Type: mount.TypeVolume, Name: "p_t_z"}, {Type: mount.TypeBind, Source: "/etc"}, {Type: mount.TypeVolume, Name: "p_t_a"},
			},
		},
		{ID: "c1", Names: []string{"/p_t_db"}, Labels: mine, State: "exited", Status: "Exited (1) 1 minute ago"},
		// An engine ignoring the label filter: not ours, but its port is in use.
		{ID: "c3", Names: []string{"/other"}, Labels: theirs, Ports: []container.Port{{PrivatePort: 80, PublicPort: 80, Type: "tcp"}}},
	}
	o := observed("p", nets, vols, cs)

	names := func(n int, name func(int) string) []string {
		var out []string
		for i := range n {
			out = append(out, name(i))
		}
		return out
	}
	if got := names(len(o.Networks), func(i int) string { return o.Networks[i].Name }); !slices.Equal(got, []string{"p_t_edge", "p_t_internal"}) {
		t.Errorf("networks = %v", got)
	}
	if got := o.Networks[0].Subnets; !slices.Equal(got, []netip.Prefix{netip.MustParsePrefix("10.1.1.0/24"), netip.MustParsePrefix("fd00::/64")}) {
		t.Errorf("edge subnets = %v", got)
	}
	if !o.Networks[1].Internal || o.Networks[1].ID != "n2" {
		t.Errorf("internal network = %+v", o.Networks[1])
	}
	wantSubnets := []netip.Prefix{
		netip.MustParsePrefix("10.1.1.0/24"), netip.MustParsePrefix("10.1.2.0/24"),
		netip.MustParsePrefix("172.17.0.0/16"), netip.MustParsePrefix("fd00::/64"),
	}
	if !slices.Equal(o.UsedSubnets, wantSubnets) {
		t.Errorf("UsedSubnets = %v, want %v", o.UsedSubnets, wantSubnets)
	}
	if got := names(len(o.Volumes), func(i int) string { return o.Volumes[i].Name }); !slices.Equal(got, []string{"p_t_a", "p_t_z"}) {
		t.Errorf("volumes = %v", got)
	}
	if got := names(len(o.Containers), func(i int) string { return o.Containers[i].Name }); !slices.Equal(got, []string{"p_t_db", "p_t_web"}) {
		t.Fatalf("containers = %v", got)
	}
	web := o.Containers[1]
	if web.ID != "c2" || web.State != "running" || web.Health != "healthy" || !web.Created.Equal(time.Unix(1700000000, 0)) {
		t.Errorf("web = %+v", web)
	}
	wantPorts := []resource.PortBinding{
		{Container: 8080, Protocol: "tcp", HostIP: "0.0.0.0", HostPort: 20001},
		{Container: 8080, Protocol: "tcp", HostIP: "::", HostPort: 20001},
	}
	if !slices.Equal(web.Ports, wantPorts) {
		t.Errorf("web ports = %+v, want %+v", web.Ports, wantPorts)
	}
	if !slices.Equal(web.Networks, []string{"p_t_edge", "p_t_internal"}) || !slices.Equal(web.Mounts, []string{"p_t_a", "p_t_z"}) {
		t.Errorf("web networks %v mounts %v", web.Networks, web.Mounts)
	}
	if db := o.Containers[0]; db.Health != "" || db.Networks != nil || db.Ports != nil {
		t.Errorf("db = %+v", db)
	}
	if !slices.Equal(o.UsedPorts, []int{80, 20001}) {
		t.Errorf("UsedPorts = %v", o.UsedPorts)
	}
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	if got := truncate("abc", 5); got != "abc" {
		t.Errorf("truncate short = %q", got)
	}
	if got := truncate("abcdef", 3); got != "abc" {
		t.Errorf("truncate = %q", got)
	}
	if got := truncate("aé", 2); got != "a" { // é is two bytes
		t.Errorf("truncate mid-rune = %q", got)
	}
}

// fakeEngine answers the requests Observe makes, as API 1.41, and counts
// the requests it receives.
func fakeEngine(t *testing.T) (http.Handler, *atomic.Int64) {
	var served atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		w.Header().Set("Api-Version", "1.41")
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/_ping":
			fmt.Fprint(w, "OK")
		case r.URL.Path == "/v1.41/networks":
			fmt.Fprint(w, `[{"Name":"bridge","Id":"n0","IPAM":{"Config":[{"Subnet":"172.17.0.0/16"}]}}]`)
		case r.URL.Path == "/v1.41/volumes":
			fmt.Fprint(w, `{"Volumes":[]}`)
		case r.URL.Path == "/v1.41/containers/json":
			fmt.Fprint(w, `[]`)
		default:
			t.Errorf("fake engine: unexpected %s %s", r.Method, r.URL)
			http.NotFound(w, r)
		}
	})
	return h, &served
}

// TestCallsCounted checks the counter over both transports the engine is
// reached by, against a fake engine: every request the engine serves is
// counted, the negotiation ping included.
func TestCallsCounted(t *testing.T) {
	t.Parallel()
	sock := filepath.Join(t.TempDir(), "docker.sock")
	unixListener, err := net.Listen("unix", sock)
	if err != nil {
		t.Skipf("no unix sockets here: %v", err)
	}
	for _, tc := range []struct {
		name   string
		listen func(*httptest.Server)
		host   func(*httptest.Server) string
	}{
		{
			name:   "tcp",
			listen: func(s *httptest.Server) { s.Start() },
			host:   func(s *httptest.Server) string { return "tcp://" + s.Listener.Addr().String() },
		},
		{
			name: "unix",
			listen: func(s *httptest.Server) {
				s.Listener.Close()
				s.Listener = unixListener
				s.Start()
			},
			host: func(*httptest.Server) string { return "unix://" + sock },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, served := fakeEngine(t)
			srv := httptest.NewUnstartedServer(h)
			tc.listen(srv)
			defer srv.Close()

			d, err := NewDocker(tc.host(srv))
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if d.Calls() != 0 {
				t.Errorf("NewDocker made %d requests, want none", d.Calls())
			}
			for range 2 {
				if _, err := d.Observe(context.Background(), "p"); err != nil {
					t.Fatal(err)
				}
			}
			if d.APIVersion() != "1.41" {
				t.Errorf("API version = %s, want 1.41 (negotiated)", d.APIVersion())
			}
			if d.Calls() != 7 || served.Load() != 7 {
				t.Errorf("counted %d, served %d; want 7 (ping + 2×3)", d.Calls(), served.Load())
			}
		})
	}
}

// TestContainerListQueries checks what the two container lists ask the
// engine for: Observe the project's containers, stopped ones too;
// HostPorts every running container.
func TestContainerListQueries(t *testing.T) {
	t.Parallel()
	h, _ := fakeEngine(t)
	var queries []url.Values
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/containers/json") {
			mu.Lock()
			queries = append(queries, r.URL.Query())
			mu.Unlock()
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	d, err := NewDocker("tcp://" + srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Observe(context.Background(), "p"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.HostPorts(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(queries) != 2 {
		t.Fatalf("%d container lists, want 2", len(queries))
	}
	observe, err := filters.FromJSON(queries[0].Get("filters"))
	if err != nil {
		t.Fatal(err)
	}
	if queries[0].Get("all") != "1" || !slices.Equal(observe.Get("label"), []string{resource.LabelProject + "=p"}) || observe.Len() != 1 {
		t.Errorf("Observe lists containers with %v, want all=1 and only the project's label", queries[0])
	}
	if queries[1].Get("all") != "" || queries[1].Get("filters") != "" {
		t.Errorf("HostPorts lists containers with %v, want running ones, unfiltered", queries[1])
	}
}

func TestNewDockerFromEnv(t *testing.T) {
	h, served := fakeEngine(t)
	srv := httptest.NewServer(h)
	defer srv.Close()
	t.Setenv("DOCKER_HOST", "tcp://"+srv.Listener.Addr().String())
	d, err := NewDocker("")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d.Calls() != 1 || served.Load() != 1 {
		t.Errorf("Ping: counted %d, served %d; want 1", d.Calls(), served.Load())
	}
	if _, err := NewDocker("not a host"); err == nil {
		t.Error("NewDocker(bad host): no error")
	}
}
