package smoke

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/engine"
	"github.com/tenantctl/tenantctl/provisioner/resource"
)

func runFake(t *testing.T, ctx context.Context, f *fakeEngine, mod func(*Options)) (*Report, string) {
	t.Helper()
	useFake(t, f)
	var log bytes.Buffer
	opts := Options{Dir: testProjectDir(t), Getenv: testGetenv, Timeout: 20 * time.Second, Log: &log}
	if mod != nil {
		mod(&opts)
	}
	rep, err := Run(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep, log.String()
}

func TestRunPassesAndCleansUp(t *testing.T) {
	f := newFake()
	rep, log := runFake(t, context.Background(), f, nil)
	if rep.Outcome != Passed || !rep.Provision.Passed || rep.Provision.Attempts != 1 || !rep.Cleanup.Done {
		t.Fatalf("report %+v\n%s", rep, log)
	}
	if !strings.HasPrefix(rep.Tenant, "smoke-") || rep.Template != "t" || len(rep.Checks) != 1 || !rep.Checks[0].Passed || rep.Checks[0].Skipped {
		t.Errorf("report %+v", rep)
	}
	if f.objects() != 0 {
		t.Errorf("%d objects left", f.objects())
	}
	var made []map[string]string
	for _, labels := range f.created {
		if labels[resource.LabelKind] != string(resource.KindLock) {
			made = append(made, labels)
		}
	}
	if len(made) != 4 {
		t.Fatalf("made %d objects, want network, volume, container and key record", len(made))
	}
	for _, labels := range made {
		exp, err := time.Parse(time.RFC3339, labels[resource.LabelExpires])
		if labels[resource.LabelEphemeral] != "true" || err != nil || !exp.Equal(rep.Expires) || !exp.After(time.Now().Add(20*time.Second)) {
			t.Errorf("labels %v", labels)
		}
	}
	if !strings.Contains(log, "PASS  answers") || !strings.Contains(log, "Smoke test passed") {
		t.Errorf("log:\n%s", log)
	}
}

func TestRunRetriesWhenAConcurrentRunTookTheSubnet(t *testing.T) {
	f := newFake()
	f.subnetTaken = 1
	rep, log := runFake(t, context.Background(), f, nil)
	if rep.Outcome != Passed || rep.Provision.Attempts != 2 || !rep.Cleanup.Done || f.objects() != 0 {
		t.Fatalf("report %+v\n%s", rep, log)
	}
	if !strings.Contains(log, "planning again (attempt 2 of 3)") {
		t.Errorf("log:\n%s", log)
	}

	f = newFake()
	f.subnetTaken = maxAttempts
	rep, _ = runFake(t, context.Background(), f, nil)
	if rep.Outcome != ProvisionFailed || rep.Provision.Attempts != maxAttempts || !strings.Contains(rep.Provision.Error, "subnet already in use") || f.objects() != 0 {
		t.Fatalf("report %+v", rep)
	}
}

func TestRunFailedCheckHidesSecrets(t *testing.T) {
	f := newFake()
	f.exec = func(ctx context.Context, spec resource.ContainerSpec) (engine.ExecResult, error) {
		return engine.ExecResult{ExitCode: 0, Output: "password is " + secretOf(spec)}, nil
	}
	rep, _ := runFake(t, context.Background(), f, nil)
	if rep.Outcome != Failed || rep.Failures() != 1 || !rep.Cleanup.Done || f.objects() != 0 {
		t.Fatalf("report %+v", rep)
	}
	msg := rep.Checks[0].Message
	if !strings.Contains(msg, `output does not contain "ok"; output: "password is (sensitive)"`) {
		t.Errorf("message %q", msg)
	}
}

func TestRunNeverHealthy(t *testing.T) {
	f := newFake()
	f.health = "starting"
	f.exec = func(ctx context.Context, spec resource.ContainerSpec) (engine.ExecResult, error) {
		t.Error("a check ran although provisioning failed")
		return engine.ExecResult{}, nil
	}
	start := time.Now()
	rep, log := runFake(t, context.Background(), f, func(o *Options) { o.Timeout = 1500 * time.Millisecond })
	if time.Since(start) > 10*time.Second {
		t.Errorf("took %s", time.Since(start))
	}
	if rep.Outcome != ProvisionFailed || rep.Provision.Passed || !rep.Checks[0].Skipped || !rep.Cleanup.Done || f.objects() != 0 {
		t.Fatalf("report %+v\n%s", rep, log)
	}
	// The fake's app logs its environment; the secret must not show.
	for _, want := range []string{"wait for db healthy: not healthy after", "last log lines", "PASSWORD=(sensitive)"} {
		if !strings.Contains(rep.Provision.Error, want) {
			t.Errorf("provision error lacks %q:\n%s", want, rep.Provision.Error)
		}
	}
	if strings.HasPrefix(rep.Provision.Error, "interrupted") {
		t.Errorf("provision error starts with apply's interruption: %s", rep.Provision.Error)
	}
}

func TestRunTimeoutDuringChecks(t *testing.T) {
	f := newFake()
	f.exec = func(ctx context.Context, spec resource.ContainerSpec) (engine.ExecResult, error) {
		<-ctx.Done()
		return engine.ExecResult{}, ctx.Err()
	}
	rep, log := runFake(t, context.Background(), f, func(o *Options) { o.Timeout = 1500 * time.Millisecond })
	if rep.Outcome != TimedOut || !rep.Provision.Passed || rep.Checks[0].Passed || !rep.Cleanup.Done || f.objects() != 0 {
		t.Fatalf("report %+v\n%s", rep, log)
	}
}

func TestRunInterruptedStillCleansUp(t *testing.T) {
	f := newFake()
	f.health = "starting"
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(700*time.Millisecond, cancel)
	rep, log := runFake(t, ctx, f, func(o *Options) { o.KeepOnFailure = true })
	if rep.Outcome != Interrupted || !rep.Cleanup.Done || rep.Cleanup.Kept || f.objects() != 0 {
		t.Fatalf("report %+v\n%s", rep, log)
	}
}

func TestRunKeepOnFailure(t *testing.T) {
	f := newFake()
	f.exec = func(ctx context.Context, spec resource.ContainerSpec) (engine.ExecResult, error) {
		return engine.ExecResult{ExitCode: 2}, nil
	}
	rep, log := runFake(t, context.Background(), f, func(o *Options) { o.KeepOnFailure = true })
	if rep.Outcome != Failed || !rep.Cleanup.Kept || rep.Cleanup.Done || f.objects() != 4 { // with the key record
		t.Fatalf("report %+v", rep)
	}
	want := "destroy " + rep.Tenant + " --delete-data --auto-approve"
	if !strings.Contains(rep.Cleanup.Command, want) || !strings.Contains(log, rep.Cleanup.Command) {
		t.Errorf("command %q, log:\n%s", rep.Cleanup.Command, log)
	}
}

func TestRunRefusesFixedHostPorts(t *testing.T) {
	useFake(t, newFake())
	dir := testProjectDir(t)
	writeFile(t, dir, "templates/t.hcl", `template "t" {
  service "web" {
    image = "img:1"
    port "http" {
      container = 80
      host      = 8080
    }
  }
}
`)
	_, err := Run(context.Background(), Options{Dir: dir, Getenv: testGetenv})
	if err == nil || !strings.Contains(err.Error(), "fixed host ports (web.http = 8080)") {
		t.Fatalf("err = %v", err)
	}
}

func TestNewName(t *testing.T) {
	a, err := NewName("smoke")
	if err != nil || len(a) != len("smoke-")+6 || !strings.HasPrefix(a, "smoke-") {
		t.Fatalf("%q %v", a, err)
	}
	if b, _ := NewName("smoke"); a == b {
		t.Errorf("two names are equal: %s", a)
	}
	if n, err := NewName(strings.Repeat("a", 25)); err != nil || len(n) != 32 {
		t.Errorf("longest prefix: %q %v", n, err)
	}
	for _, bad := range []string{"", "Smoke", "1abc", "smoke_x", strings.Repeat("a", 26)} {
		if _, err := NewName(bad); err == nil {
			t.Errorf("prefix %q accepted", bad)
		}
	}
}
