package certs

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// filesSource serves certificates read from PEM files and re-reads them,
// at most every interval, when a handshake comes: a renewed file (by
// certbot, a secret mount, an operator) is served without a restart.
// Comparing contents rather than modification times also catches an
// atomic replace and a symlink swap.
type filesSource struct {
	pairs    []KeyPair
	interval time.Duration
	logf     func(string, ...any)

	checkMu sync.Mutex
	checked time.Time

	mu     sync.RWMutex
	loaded []loadedPair // one per pair, in order
}

type loadedPair struct {
	certPEM, keyPEM []byte
	cert            *tls.Certificate
}

func newFiles(cfg FilesConfig, logf func(string, ...any)) (*filesSource, error) {
	s := &filesSource{
		pairs:    slices.Clone(cfg.Pairs),
		interval: cfg.CheckInterval,
		logf:     logf,
		loaded:   make([]loadedPair, len(cfg.Pairs)),
		checked:  time.Now(),
	}
	if s.interval <= 0 {
		s.interval = 5 * time.Second
	}
	if err := s.reload(); err != nil {
		return nil, err
	}
	return s, nil
}

// reload reads every pair; a changed pair that parses replaces the one
// served, one that does not keeps the previous and is in the error.
func (s *filesSource) reload() error {
	s.mu.RLock()
	next := slices.Clone(s.loaded)
	s.mu.RUnlock()
	var errs []error
	changed := false
	for i, p := range s.pairs {
		certPEM, err := os.ReadFile(p.CertFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("certs: certificate file: %w", err))
			continue
		}
		keyPEM, err := os.ReadFile(p.KeyFile)
		if err != nil {
			errs = append(errs, fmt.Errorf("certs: key file: %w", err))
			continue
		}
		if bytes.Equal(certPEM, next[i].certPEM) && bytes.Equal(keyPEM, next[i].keyPEM) {
			continue
		}
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			errs = append(errs, fmt.Errorf("certs: %s with key %s: %w (the files must be PEM, the key the certificate's own)", p.CertFile, p.KeyFile, err))
			continue
		}
		next[i] = loadedPair{certPEM: certPEM, keyPEM: keyPEM, cert: &cert}
		changed = true
	}
	if changed {
		s.mu.Lock()
		s.loaded = next
		s.mu.Unlock()
	}
	return errors.Join(errs...)
}

func (s *filesSource) certificate(_ *tls.ClientHelloInfo, host string) (*tls.Certificate, error) {
	s.reloadIfDue()
	s.mu.RLock()
	defer s.mu.RUnlock()
	// A certificate naming the host itself wins over a wildcard.
	for _, lp := range s.loaded {
		if lp.cert != nil && slices.ContainsFunc(lp.cert.Leaf.DNSNames, func(n string) bool { return strings.EqualFold(n, host) }) {
			return lp.cert, nil
		}
	}
	for _, lp := range s.loaded {
		if lp.cert != nil && lp.cert.Leaf.VerifyHostname(host) == nil {
			return lp.cert, nil
		}
	}
	return nil, fmt.Errorf("certs: %w: %s is in no certificate file", ErrNoCertificate, host)
}

func (s *filesSource) reloadIfDue() {
	s.checkMu.Lock()
	due := time.Since(s.checked) >= s.interval
	if due {
		s.checked = time.Now()
	}
	s.checkMu.Unlock()
	if !due {
		return
	}
	if err := s.reload(); err != nil {
		s.logf("%v; serving the certificate loaded before", err)
	}
}
