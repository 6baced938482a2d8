package bench

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// composeFile is the example stack as a docker-compose project: the same
// images, networks, volume, health check and start order as the saas
// template. Subnets are explicit, as tenantctl's are: the daemon's default
// address pools run out after about 30 networks.
const composeFile = `version: "2.4"
services:
  db:
    image: tenantctl-example/postgres:15
    environment: {POSTGRES_USER: app, POSTGRES_DB: app, POSTGRES_PASSWORD: %[1]s}
    volumes: ["data:/var/lib/postgresql/data"]
    networks: [internal]
    healthcheck:
      test: ["CMD", "pg_isready", "-h", "127.0.0.1", "-p", "5432", "-U", "app", "-d", "app"]
      interval: 1s
      retries: 60
  app:
    image: tenantctl-example/app:1.0.0
    depends_on: {db: {condition: service_healthy}}
    environment: {TENANT_NAME: bench, DATABASE_URL: "postgres://app:%[1]s@db:5432/app?sslmode=disable"}
    ports: ["127.0.0.1::8080"]
    networks: [internal, edge]
networks:
  internal: {internal: true, ipam: {config: [{subnet: "%[2]s"}]}}
  edge: {ipam: {config: [{subnet: "%[3]s"}]}}
volumes:
  data: {}
`

// composeUp brings one tenant up with docker-compose and waits until the
// app's /healthz answers 200, as tenantctl does. i picks its subnets.
func composeUp(b *testing.B, dir, project string, i int) {
	b.Helper()
	path := filepath.Join(dir, project+".yml")
	text := fmt.Sprintf(composeFile, "pw"+project, fmt.Sprintf("10.212.%d.0/27", i), fmt.Sprintf("10.212.%d.32/27", i))
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		b.Fatal(err)
	}
	if out, err := exec.Command("docker-compose", "-p", project, "-f", path, "up", "-d", "--quiet-pull").CombinedOutput(); err != nil {
		b.Fatalf("docker-compose up: %v\n%s", err, out)
	}
	out, err := exec.Command("docker-compose", "-p", project, "-f", path, "port", "app", "8080").Output()
	if err != nil {
		b.Fatalf("docker-compose port: %v", err)
	}
	url := "http://" + strings.TrimSpace(string(out)) + "/healthz"
	client := http.Client{Timeout: 2 * time.Second}
	for deadline := time.Now().Add(2 * time.Minute); ; {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s never became healthy", project)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// composeDown removes a compose project, volumes included.
func composeDown(dir, project string) {
	exec.Command("docker-compose", "-p", project, "-f", filepath.Join(dir, project+".yml"), "down", "-v", "--remove-orphans").Run()
}

func requireCompose(b *testing.B) {
	if _, err := exec.LookPath("docker-compose"); err != nil {
		b.Skip("docker-compose is not installed (apt-get install docker-compose)")
	}
}

// BenchmarkFreshTenantCompose is BenchmarkFreshTenant's stack brought up
// by docker-compose, for comparison.
func BenchmarkFreshTenantCompose(b *testing.B) {
	requireCompose(b)
	dir := b.TempDir()
	for i := 0; i < b.N; i++ {
		project := fmt.Sprintf("benchc%d%d", time.Now().UnixNano()%100000, i)
		composeUp(b, dir, project, 200)
		b.StopTimer()
		composeDown(dir, project)
		b.StartTimer()
	}
}

// BenchmarkTwentyTenants brings 20 new example tenants to healthy:
// tenantctl with 1, 4 and 8 tenants at a time, and a loop of
// docker-compose runs.
func BenchmarkTwentyTenants(b *testing.B) {
	for _, par := range []int{1, 4, 8} {
		b.Run(fmt.Sprintf("tenantctl-parallelism=%d", par), func(b *testing.B) {
			var cpu cpuMeter
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				dir, name := project(b, 20, "saas", false)
				cpu.start()
				b.StartTimer()
				ws := applyAll(b, dir, par)
				b.StopTimer()
				cpu.stop()
				ws.Close()
				removeProject(name)
				b.StartTimer()
			}
			b.ReportMetric(cpu.busy(), "cpu-busy-%")
		})
	}
	// The floor: the plain docker script, 4 tenants at a time. If it is no
	// faster than tenantctl at parallelism 4, the machine is the limit.
	b.Run("docker-script-4-at-a-time", func(b *testing.B) {
		var cpu cpuMeter
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			_, name := project(b, 0, "saas", false)
			cpu.start()
			b.StartTimer()
			sem := make(chan struct{}, 4)
			errs := make(chan error, 20)
			for t := 0; t < 20; t++ {
				sem <- struct{}{}
				go func() {
					defer func() { <-sem }()
					out, err := exec.Command("bash", "plain-script.sh", fmt.Sprintf("%s-%02d", name, t), fmt.Sprint(t), name).CombinedOutput()
					if err != nil {
						err = fmt.Errorf("%v\n%s", err, out)
					}
					errs <- err
				}()
			}
			for t := 0; t < 20; t++ {
				if err := <-errs; err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			cpu.stop()
			removeProject(name)
			b.StartTimer()
		}
		b.ReportMetric(cpu.busy(), "cpu-busy-%")
	})
	b.Run("compose-loop", func(b *testing.B) {
		requireCompose(b)
		dir := b.TempDir()
		for i := 0; i < b.N; i++ {
			var projects []string
			for t := 0; t < 20; t++ {
				project := fmt.Sprintf("benchl%d%02d", i, t)
				projects = append(projects, project)
				composeUp(b, dir, project, 100+t)
			}
			b.StopTimer()
			for _, p := range projects {
				composeDown(dir, p)
			}
			b.StartTimer()
		}
	})
}
