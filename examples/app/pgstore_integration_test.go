package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantctl/tenantctl/provisioner/testenv"
)

// startPostgres runs the example PostgreSQL image with its port published
// on loopback and returns a DATABASE_URL for it; the container is removed
// when the test ends.
func startPostgres(t *testing.T) string {
	t.Helper()
	const image = "tenantctl-example/postgres:15"
	testenv.Images(t, image)
	b := make([]byte, 3)
	rand.Read(b)
	name := "tenantctl-apptest-" + hex.EncodeToString(b)
	out, err := exec.Command("docker", "run", "-d", "--name", name, "--label", "tenantctl.test=app",
		"-e", "POSTGRES_USER=app", "-e", "POSTGRES_DB=app", "-e", "POSTGRES_PASSWORD=test",
		"-p", "127.0.0.1::5432", image).CombinedOutput()
	if err != nil {
		t.Fatalf("docker run %s: %v\n%s", image, err, out)
	}
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", "-v", name).Run() })
	port, err := exec.Command("docker", "port", name, "5432/tcp").Output()
	if err != nil {
		t.Fatalf("docker port: %v", err)
	}
	addr := strings.TrimSpace(strings.Split(string(port), "\n")[0])
	url := fmt.Sprintf("postgres://app:test@%s/app?sslmode=disable", addr)
	// The image's entrypoint restarts the server after initialisation:
	// wait for the final one (it accepts TCP; the init-time one does not).
	deadline := time.Now().Add(2 * time.Minute)
	for {
		db, err := newPGStore(url)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err = db.Ping(ctx)
		cancel()
		db.Close()
		if err == nil {
			return url
		}
		if time.Now().After(deadline) {
			logs, _ := exec.Command("docker", "logs", "--tail", "20", name).CombinedOutput()
			t.Fatalf("PostgreSQL did not answer within 2 minutes: %v\n%s", err, logs)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// TestIntegrationFirstVisitsAtOnce: the first requests of a fresh app —
// on a database without the counter table — arrive together (as the
// start-up's waitForDatabase and the first page view do); each one is
// counted, none fails creating the table.
func TestIntegrationFirstVisitsAtOnce(t *testing.T) {
	t.Parallel()
	url := startPostgres(t)
	const rounds, callers = 10, 8
	for round := range rounds {
		db, err := newPGStore(url)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if _, err := db.pool.Exec(ctx, "DROP TABLE IF EXISTS tenantctl_visits"); err != nil {
			t.Fatal(err)
		}
		errs := make([]error, callers)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = db.IncrementVisits(ctx)
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("round %d, caller %d: %v", round, i, err)
			}
		}
		var n int64
		if err := db.pool.QueryRow(ctx, "SELECT count FROM tenantctl_visits").Scan(&n); err != nil || n != callers {
			t.Errorf("round %d: counter %d (%v), want %d", round, n, err, callers)
		}
		cancel()
		db.Close()
		if t.Failed() {
			return
		}
	}
}
