package check

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/engine"
	"github.com/tenantctl/tenantctl/provisioner/model"
	"github.com/tenantctl/tenantctl/provisioner/plan"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

// fakeExec answers every command with res, or blocks until ctx ends.
type fakeExec struct {
	res   engine.ExecResult
	err   error
	block bool
	got   []string
	id    string
}

func (f *fakeExec) Exec(ctx context.Context, id string, cmd []string) (engine.ExecResult, error) {
	f.id, f.got = id, cmd
	if f.block {
		<-ctx.Done()
		return engine.ExecResult{Output: "partial"}, ctx.Err()
	}
	return f.res, f.err
}

func execCheck(mod func(*model.ExecCheck)) model.Check {
	ec := &model.ExecCheck{Service: "db", Command: []string{"psql", "-tAc", "select 1"}, Timeout: time.Second}
	if mod != nil {
		mod(ec)
	}
	return model.Check{Name: "db answers", Exec: ec}
}

func TestExecCheck(t *testing.T) {
	cases := []struct {
		name string
		fake *fakeExec
		mod  func(*model.ExecCheck)
		pass bool
		msg  string
	}{
		{"passes", &fakeExec{res: engine.ExecResult{Output: "1\n"}}, func(e *model.ExecCheck) { e.OutputContains = "1" }, true, ""},
		{"exit code", &fakeExec{res: engine.ExecResult{ExitCode: 2, Output: "psql: error: connection refused\n"}}, nil, false, `exit code 2, want 0; output: "psql: error: connection refused"`},
		{"expected exit code", &fakeExec{res: engine.ExecResult{ExitCode: 3}}, func(e *model.ExecCheck) { e.ExitCode = 3 }, true, ""},
		{"output", &fakeExec{res: engine.ExecResult{Output: "0\n"}}, func(e *model.ExecCheck) { e.OutputContains = "1" }, false, `output does not contain "1"; output: "0"`},
		{"no output", &fakeExec{}, func(e *model.ExecCheck) { e.OutputContains = "1" }, false, "no output"},
		{"engine error", &fakeExec{err: errors.New("container not running")}, nil, false, "container not running"},
		{"timeout", &fakeExec{block: true}, func(e *model.ExecCheck) { e.Timeout = 30 * time.Millisecond }, false, `did not finish within 30ms; output: "partial"`},
		{"unknown service", &fakeExec{}, func(e *model.ExecCheck) { e.Service = "cache" }, false, "service cache has no container"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			target := &Target{Containers: map[string]string{"db": "p_t_db"}, Exec: c.fake}
			r := target.Run(context.Background(), execCheck(c.mod))
			if r.Passed != c.pass || r.Kind != KindExec {
				t.Fatalf("%+v, want passed=%v", r, c.pass)
			}
			if !strings.Contains(r.Message, c.msg) || (c.pass && r.Message != "") {
				t.Errorf("message %q, want %q", r.Message, c.msg)
			}
			if c.fake.got != nil && (c.fake.id != "p_t_db" || !reflect.DeepEqual(c.fake.got, []string{"psql", "-tAc", "select 1"})) {
				t.Errorf("ran %v in %s", c.fake.got, c.fake.id)
			}
		})
	}
}

func TestExecProbeQuotesLikeAShell(t *testing.T) {
	r := (&Target{}).Run(context.Background(), execCheck(nil))
	if r.Probe != "exec in db: psql -tAc 'select 1'" {
		t.Fatalf("probe = %q", r.Probe)
	}
}

func TestRunAllStopsWhenTheRunEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	target := &Target{Containers: map[string]string{"db": "c"}, Exec: &fakeExec{}}
	var seen []string
	results := target.RunAll(ctx, []model.Check{execCheck(nil), execCheck(nil)}, func(r Result) {
		seen = append(seen, r.Name)
		cancel()
	})
	if len(results) != 1 || len(seen) != 1 || !results[0].Passed {
		t.Fatalf("results %+v", results)
	}
}

func TestFromPlan(t *testing.T) {
	tp := &plan.TenantPlan{Operations: []plan.Operation{
		{Action: plan.Create, ID: resource.ID{Kind: resource.KindNetwork, Name: "edge"}},
		{Action: plan.Create, ID: resource.ID{Kind: resource.KindContainer, Name: "db"}, Container: &resource.ContainerSpec{Name: "p_t_db", Service: "db"}},
		{Action: plan.Create, ID: resource.ID{Kind: resource.KindContainer, Name: "app"}, Container: &resource.ContainerSpec{Name: "p_t_app", Service: "app", Ports: []resource.PortBinding{
			{Name: "http", HostPort: 23125, Protocol: "tcp", HostIP: "0.0.0.0"},
			{Name: "admin", HostPort: 23126, Protocol: "tcp", HostIP: "127.0.0.2"},
			{Name: "dns", HostPort: 23127, Protocol: "udp"},
		}}},
	}}
	target := FromPlan(tp, nil)
	wantAddrs := map[string]string{"app.http": "127.0.0.1:23125", "app.admin": "127.0.0.2:23126"}
	wantContainers := map[string]string{"db": "p_t_db", "app": "p_t_app"}
	if !reflect.DeepEqual(target.Addrs, wantAddrs) || !reflect.DeepEqual(target.Containers, wantContainers) {
		t.Fatalf("addrs %v, containers %v", target.Addrs, target.Containers)
	}
}
