// Command app is the example tenant application that tenantctl provisions
// next to a per-tenant PostgreSQL database.
//
// It serves two endpoints:
//
//	GET /         increments a visit counter in the tenant's database and shows
//	              an HTML page with "tenant: <name>", "version: <version>" and
//	              "visits: <n>"; 503 when the database is unavailable.
//	GET /healthz  200 "ok" when the database answers SELECT 1 within 2 s,
//	              otherwise 503 with a short reason.
//
// Configuration comes from the environment:
//
//	DATABASE_URL  PostgreSQL connection string (required), for example
//	              postgres://app:secret@db:5432/app?sslmode=disable
//	TENANT_NAME   tenant name shown on the page (default "unknown")
//	LISTEN_ADDR   HTTP listen address (default ":8080")
//
// The application starts even when the database is not reachable yet: the
// connection pool connects lazily and every request retries, so a slow
// database never makes the process exit. The version is set at build time:
//
//	go build -ldflags "-X main.version=1.0.0"
package main

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// version is the application version, overridden at build time with
// -ldflags "-X main.version=...".
var version = "dev"

const (
	// healthTimeout bounds the database check done by /healthz.
	healthTimeout = 2 * time.Second
	// visitTimeout bounds the database work done by a request to /.
	visitTimeout = 5 * time.Second
	// connectTimeout bounds a single connection attempt of the pool.
	connectTimeout = 5 * time.Second
	// shutdownTimeout bounds the graceful shutdown on SIGTERM.
	shutdownTimeout = 10 * time.Second
)

// config is the application configuration read from the environment.
type config struct {
	DatabaseURL string
	TenantName  string
	ListenAddr  string
}

// errNoDatabaseURL is returned by loadConfig when DATABASE_URL is unset.
var errNoDatabaseURL = errors.New("DATABASE_URL is required")

// loadConfig reads the configuration through getenv (os.Getenv in
// production) and applies defaults.
func loadConfig(getenv func(string) string) (config, error) {
	c := config{
		DatabaseURL: getenv("DATABASE_URL"),
		TenantName:  getenv("TENANT_NAME"),
		ListenAddr:  getenv("LISTEN_ADDR"),
	}
	if c.DatabaseURL == "" {
		return c, errNoDatabaseURL
	}
	if c.TenantName == "" {
		c.TenantName = "unknown"
	}
	if c.ListenAddr == "" {
		c.ListenAddr = ":8080"
	}
	return c, nil
}

// store is the database access the HTTP handlers need.
type store interface {
	// Ping checks that the database answers a trivial query.
	Ping(ctx context.Context) error
	// IncrementVisits atomically adds one to the visit counter and returns
	// the new value.
	IncrementVisits(ctx context.Context) (int64, error)
}

// pgStore is the PostgreSQL implementation of store.
type pgStore struct {
	pool *pgxpool.Pool

	// schemaReady is set once the counter table is known to exist.
	schemaReady atomic.Bool
	// schemaMu makes one caller at a time create the table: concurrent
	// CREATE TABLE IF NOT EXISTS of one new table can fail in PostgreSQL
	// (duplicate key in pg_type), and the first request races the
	// start-up's waitForDatabase.
	schemaMu sync.Mutex
}

// newPGStore creates a connection pool for databaseURL without connecting:
// connections are opened on first use, so the database may come up later.
// Errors never contain the connection string.
func newPGStore(databaseURL string) (*pgStore, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		// The parse error embeds (a best-effort redaction of) the
		// connection string; do not propagate it.
		return nil, errors.New("DATABASE_URL is not a valid PostgreSQL connection string")
	}
	if cfg.ConnConfig.ConnectTimeout <= 0 || cfg.ConnConfig.ConnectTimeout > connectTimeout {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	cfg.MinConns = 0 // lazy: never dial at construction time
	if cfg.MaxConns > 4 {
		cfg.MaxConns = 4
	}
	cfg.HealthCheckPeriod = 15 * time.Second
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("creating connection pool: %w", err)
	}
	return &pgStore{pool: pool}, nil
}

// target describes the database for log lines: host, port and database
// name, never the user's password.
func (s *pgStore) target() string {
	c := s.pool.Config().ConnConfig
	return net.JoinHostPort(c.Host, strconv.Itoa(int(c.Port))) + "/" + c.Database
}

// Close closes the pool.
func (s *pgStore) Close() { s.pool.Close() }

// Ping implements store.
func (s *pgStore) Ping(ctx context.Context) error {
	var one int
	return s.pool.QueryRow(ctx, "SELECT 1").Scan(&one)
}

// ensureSchema creates the counter table if it does not exist yet. It is
// retried on every call until it has succeeded once; concurrent callers
// wait for each other.
func (s *pgStore) ensureSchema(ctx context.Context) error {
	if s.schemaReady.Load() {
		return nil
	}
	s.schemaMu.Lock()
	defer s.schemaMu.Unlock()
	if s.schemaReady.Load() {
		return nil
	}
	_, err := s.pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS tenantctl_visits (
	id    integer PRIMARY KEY CHECK (id = 1),
	count bigint  NOT NULL
)`)
	if err != nil {
		return fmt.Errorf("creating table: %w", err)
	}
	s.schemaReady.Store(true)
	return nil
}

// IncrementVisits implements store with a single atomic upsert on a
// one-row table.
func (s *pgStore) IncrementVisits(ctx context.Context) (int64, error) {
	if err := s.ensureSchema(ctx); err != nil {
		return 0, err
	}
	var n int64
	err := s.pool.QueryRow(ctx, `INSERT INTO tenantctl_visits AS v (id, count) VALUES (1, 1)
ON CONFLICT (id) DO UPDATE SET count = v.count + 1
RETURNING v.count`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("incrementing counter: %w", err)
	}
	return n, nil
}

// pageData is what the index page shows.
type pageData struct {
	Tenant  string
	Version string
	Visits  int64
}

// pageTemplate is the index page. The "tenant: ", "version: " and
// "visits: " lines are meant to be grepped by tests and humans alike.
var pageTemplate = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Tenant}} · tenantctl example</title>
<style>
body { font-family: system-ui, sans-serif; margin: 3rem auto; max-width: 32rem; color: #222; }
h1 { font-size: 1.4rem; }
dl { display: grid; grid-template-columns: max-content auto; gap: .3rem 1rem; }
dt { font-weight: bold; }
</style>
</head>
<body>
<h1>tenantctl example app</h1>
<p>tenant: {{.Tenant}}</p>
<p>version: {{.Version}}</p>
<p>visits: {{.Visits}}</p>
</body>
</html>
`))

// server holds the HTTP handlers.
type server struct {
	db      store
	tenant  string
	version string
	log     *slog.Logger
}

// routes returns the HTTP handler of the application.
func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.HandleFunc("GET /{$}", s.handleIndex)
	return s.logRequests(mux)
}

// dbReason turns a database error into a short reason safe to show to
// clients: it never includes connection details.
func dbReason(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "database timeout"
	}
	return "database unavailable"
}

// handleHealthz answers 200 "ok" when the database answers SELECT 1 within
// healthTimeout, 503 otherwise.
func (s *server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.db.Ping(ctx); err != nil {
		s.log.Warn("health check failed", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, dbReason(err))
		return
	}
	fmt.Fprintln(w, "ok")
}

// handleIndex increments the visit counter and renders the page.
func (s *server) handleIndex(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), visitTimeout)
	defer cancel()
	w.Header().Set("Cache-Control", "no-store")
	n, err := s.db.IncrementVisits(ctx)
	if err != nil {
		s.log.Warn("counting visit failed", "err", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, dbReason(err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := pageTemplate.Execute(w, pageData{Tenant: s.tenant, Version: s.version, Visits: n}); err != nil {
		s.log.Warn("rendering page failed", "err", err)
	}
}

// statusRecorder remembers the status code written by a handler.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

// WriteHeader records the status and forwards it.
func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// logRequests logs one line per request.
func (s *server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		s.log.Info("request", "method", r.Method, "path", r.URL.Path,
			"status", rec.status, "duration", time.Since(start).Round(time.Microsecond))
	})
}

// waitForDatabase logs once the database is reachable (retrying with a
// capped backoff) and prepares the schema. It only informs: requests work
// on their own whether or not it has finished.
func waitForDatabase(ctx context.Context, db *pgStore, log *slog.Logger) {
	delay := 500 * time.Millisecond
	for attempt := 1; ; attempt++ {
		cctx, cancel := context.WithTimeout(ctx, visitTimeout)
		err := db.Ping(cctx)
		if err == nil {
			err = db.ensureSchema(cctx)
		}
		cancel()
		if err == nil {
			log.Info("database ready", "target", db.target(), "attempts", attempt)
			return
		}
		if ctx.Err() != nil {
			return
		}
		if attempt == 1 || attempt%10 == 0 {
			log.Info("database not ready yet, retrying", "target", db.target(), "attempt", attempt, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(delay*2, 5*time.Second)
	}
}

// run starts the application and blocks until ctx is cancelled or the HTTP
// server fails.
func run(ctx context.Context, cfg config, log *slog.Logger) error {
	db, err := newPGStore(cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()

	srv := &http.Server{
		Addr:              cfg.ListenAddr,
		Handler:           (&server{db: db, tenant: cfg.TenantName, version: version, log: log}).routes(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return err
	}
	log.Info("listening", "addr", ln.Addr().String(), "tenant", cfg.TenantName,
		"version", version, "database", db.target())

	go waitForDatabase(ctx, db, log)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

func main() {
	log := slog.New(slog.NewTextHandler(os.Stdout, nil))
	cfg, err := loadConfig(os.Getenv)
	if err != nil {
		log.Error("invalid configuration", "err", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, log); err != nil {
		log.Error("exiting", "err", err)
		stop()
		os.Exit(1)
	}
}
