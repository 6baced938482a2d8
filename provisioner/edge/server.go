package edge

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"
)

// Config configures a Server.
type Config struct {
	// DataDir holds routes.json and, by default, the admin socket.
	DataDir string
	// HTTPAddr is the plain HTTP listen address, such as ":8080"; "" for none.
	HTTPAddr string
	// HTTPSAddr is the TLS listen address, such as ":8443"; it needs TLS.
	HTTPSAddr string
	// TLS gives the certificates (GetCertificate, picking one by SNI). The
	// Server does not change it. nil turns HTTPS off.
	TLS *tls.Config
	// ACMEChallenge, when set, answers plain HTTP requests under
	// /.well-known/acme-challenge/ (HTTP-01 validation).
	ACMEChallenge http.Handler
	// RedirectPort is the public HTTPS port written in HTTP to HTTPS
	// redirects; 0 or 443 writes none. It is the port clients reach, which
	// may differ from HTTPSAddr's when the container publishes it.
	RedirectPort int
	// HSTSMaxAge, when positive, adds Strict-Transport-Security to HTTPS
	// answers.
	HSTSMaxAge time.Duration
	// AdminSocket is the admin API's unix socket; "" means DataDir/admin.sock.
	AdminSocket string
	// RetryAfter is sent with 503 answers; 0 means DefaultRetryAfter.
	RetryAfter time.Duration
	// Version is reported by the admin API's ping.
	Version string
	// Logger gets the proxy's log; nil means slog.Default().
	Logger *slog.Logger
	// Router, when set, is the route table to serve (opened with
	// OpenRouter on DataDir, so that its HostPolicy could be given to the
	// certs package before the Server is made); nil opens one.
	Router *Router
}

// Server is a running edge proxy: its router, listeners and admin API.
type Server struct {
	cfg    Config
	router *Router
	log    *slog.Logger

	mu      sync.Mutex
	servers []*http.Server
	addrs   map[string]net.Addr
	errs    chan error
}

// NewServer loads the routes of cfg.DataDir and returns a Server that is
// not listening yet.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.AdminSocket == "" {
		cfg.AdminSocket = filepath.Join(cfg.DataDir, AdminSocket)
	}
	if cfg.HTTPSAddr != "" && cfg.TLS == nil {
		return nil, errors.New("an HTTPS address needs certificates: configure TLS or leave HTTPS off")
	}
	if cfg.TLS != nil && cfg.TLS.GetCertificate == nil && len(cfg.TLS.Certificates) == 0 {
		return nil, errors.New("TLS configuration has no certificate and no GetCertificate")
	}
	rt := cfg.Router
	if rt == nil {
		var err error
		rt, err = OpenRouter(Options{DataDir: cfg.DataDir, RetryAfter: cfg.RetryAfter, Logger: cfg.Logger})
		if err != nil {
			return nil, err
		}
	}
	return &Server{cfg: cfg, router: rt, log: cfg.Logger, addrs: map[string]net.Addr{}, errs: make(chan error, 3)}, nil
}

// Router returns the server's router.
func (s *Server) Router() *Router { return s.router }

// Listener names for Addr.
const (
	ListenerHTTP  = "http"
	ListenerHTTPS = "https"
	ListenerAdmin = "admin"
)

// Addr returns the address a listener (ListenerHTTP, ListenerHTTPS or
// ListenerAdmin) is bound to, or nil.
func (s *Server) Addr(name string) net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addrs[name]
}

// Start binds every listener and serves in the background. A listener
// that cannot be bound is an error, and nothing is left listening.
func (s *Server) Start() error {
	type plan struct {
		name string
		ln   net.Listener
		srv  *http.Server
		tls  bool
	}
	var plans []plan
	fail := func(err error) error {
		for _, p := range plans {
			p.ln.Close()
		}
		return err
	}
	admin, err := ListenAdmin(s.cfg.AdminSocket)
	if err != nil {
		return err
	}
	plans = append(plans, plan{name: ListenerAdmin, ln: admin, srv: &http.Server{
		Handler: NewAdminHandler(s.router, s.cfg.Version), ReadHeaderTimeout: 10 * time.Second,
	}})
	tlsOn := s.cfg.TLS != nil && s.cfg.HTTPSAddr != ""
	if s.cfg.HTTPAddr != "" {
		ln, err := listenTCP(s.cfg.HTTPAddr)
		if err != nil {
			return fail(fmt.Errorf("listening for HTTP on %s: %w", s.cfg.HTTPAddr, err))
		}
		plans = append(plans, plan{name: ListenerHTTP, ln: ln, srv: s.publicServer(httpHandler(s.router, s.cfg.ACMEChallenge, tlsOn, s.cfg.RedirectPort))})
	}
	if tlsOn {
		ln, err := listenTCP(s.cfg.HTTPSAddr)
		if err != nil {
			return fail(fmt.Errorf("listening for HTTPS on %s: %w", s.cfg.HTTPSAddr, err))
		}
		srv := s.publicServer(httpsHandler(s.router, s.cfg.HSTSMaxAge))
		srv.TLSConfig = s.cfg.TLS
		plans = append(plans, plan{name: ListenerHTTPS, ln: ln, srv: srv, tls: true})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range plans {
		s.servers = append(s.servers, p.srv)
		s.addrs[p.name] = p.ln.Addr()
		go func() {
			var err error
			if p.tls {
				// ServeTLS clones TLSConfig and adds h2 and http/1.1.
				err = p.srv.ServeTLS(p.ln, "", "")
			} else {
				err = p.srv.Serve(p.ln)
			}
			if err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.errs <- fmt.Errorf("%s listener: %w", p.name, err)
			}
		}()
		s.log.Info("listening", "listener", p.name, "addr", p.ln.Addr().String())
	}
	return nil
}

// publicServer returns an http.Server for a public listener: headers must
// come within 10 s (slow clients cannot hold connections open), while
// bodies may stream for as long as they need.
func (s *Server) publicServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
}

// Shutdown stops accepting connections and waits for requests in progress
// until ctx is done; then it closes what is left.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	servers := s.servers
	s.servers = nil
	s.mu.Unlock()
	var errs []error
	for _, srv := range servers {
		if err := srv.Shutdown(ctx); err != nil {
			srv.Close()
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Run starts the server and serves until ctx is done (SIGTERM), then shuts
// down gracefully within shutdownTimeout. A listener failing ends it too.
func (s *Server) Run(ctx context.Context, shutdownTimeout time.Duration) error {
	if err := s.Start(); err != nil {
		return err
	}
	var runErr error
	select {
	case <-ctx.Done():
		s.log.Info("shutting down")
	case runErr = <-s.errs:
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := s.Shutdown(sctx); err != nil && runErr == nil {
		runErr = fmt.Errorf("shutdown: %w", err)
	}
	return runErr
}
