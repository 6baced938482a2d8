package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

const (
	caValidity      = 10 * 365 * 24 * time.Hour
	leafValidity    = 90 * 24 * time.Hour
	leafRenewBefore = 30 * 24 * time.Hour
	// backdate covers clocks a little behind the proxy's.
	backdate = time.Hour
)

// LocalCACertFile returns where ModeLocalCA keeps its CA certificate
// under a data directory: the file clients trust (curl --cacert).
func LocalCACertFile(dataDir string) string {
	return filepath.Join(dataDir, "local-ca", "ca.pem")
}

// localCA is ModeLocalCA: the CA (made once, then loaded) and the leaf
// certificates it issued, in memory and in dir/hosts.
type localCA struct {
	dir     string
	cert    *x509.Certificate
	certPEM []byte
	key     *ecdsa.PrivateKey
	roots   *x509.CertPool
	logf    func(string, ...any)
	now     func() time.Time

	mu     sync.Mutex
	leaves map[string]*tls.Certificate
	issue  singleflight.Group
}

func (ca *localCA) certFile() string { return filepath.Join(ca.dir, "ca.pem") }
func (ca *localCA) keyFile() string  { return filepath.Join(ca.dir, "ca-key.pem") }

// openLocalCA loads the CA from dataDir/local-ca, or makes it when there
// is none. The key is written before the certificate, so a crash between
// the two leaves a key without a certificate, which is simply made anew:
// no one can trust a CA whose certificate was never written.
func openLocalCA(dataDir string, cfg LocalCAConfig, logf func(string, ...any)) (*localCA, error) {
	ca := &localCA{
		dir:    filepath.Dir(LocalCACertFile(dataDir)),
		logf:   logf,
		now:    time.Now,
		leaves: map[string]*tls.Certificate{},
	}
	if err := os.MkdirAll(filepath.Join(ca.dir, "hosts"), 0o700); err != nil {
		return nil, fmt.Errorf("certs: local CA directory: %w", err)
	}
	certPEM, certErr := os.ReadFile(ca.certFile())
	keyPEM, keyErr := os.ReadFile(ca.keyFile())
	switch {
	case certErr == nil && keyErr == nil:
		if err := ca.load(certPEM, keyPEM); err != nil {
			return nil, err
		}
	case certErr == nil && errors.Is(keyErr, fs.ErrNotExist):
		return nil, fmt.Errorf("certs: local CA key %s is missing; restore it, or remove %s to make a new CA (clients must then trust the new one)", ca.keyFile(), ca.certFile())
	case errors.Is(certErr, fs.ErrNotExist):
		if err := ca.create(cfg); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("certs: local CA: %w", errors.Join(certErr, keyErr))
	}
	ca.roots = x509.NewCertPool()
	ca.roots.AddCert(ca.cert)
	return ca, nil
}

func (ca *localCA) load(certPEM, keyPEM []byte) error {
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return fmt.Errorf("certs: local CA in %s: %w; remove the directory to make a new CA", ca.dir, err)
	}
	key, ok := pair.PrivateKey.(*ecdsa.PrivateKey)
	if !ok || !pair.Leaf.IsCA {
		return fmt.Errorf("certs: %s is not a local CA made by tenantctl; remove the directory to make a new one", ca.dir)
	}
	if ca.now().After(pair.Leaf.NotAfter) {
		return fmt.Errorf("certs: the local CA in %s expired on %s; remove the directory to make a new one", ca.dir, pair.Leaf.NotAfter.Format(time.DateOnly))
	}
	ca.cert, ca.certPEM, ca.key = pair.Leaf, certPEM, key
	return nil
}

func (ca *localCA) create(cfg LocalCAConfig) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	name := "tenantctl local CA"
	if cfg.Name != "" {
		name += " (" + cfg.Name + ")"
	}
	now := ca.now()
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{Organization: []string{"tenantctl"}, CommonName: name},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(caValidity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	for _, d := range cfg.PermittedDomains {
		tmpl.PermittedDNSDomains = append(tmpl.PermittedDNSDomains, strings.ToLower(strings.TrimPrefix(d, "*.")))
		tmpl.PermittedDNSDomainsCritical = true
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return fmt.Errorf("certs: make local CA: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return err
	}
	keyPEM, err := ecKeyPEM(key)
	if err != nil {
		return err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := writeFileAtomic(ca.keyFile(), keyPEM, 0o600); err != nil {
		return fmt.Errorf("certs: write local CA key: %w", err)
	}
	if err := writeFileAtomic(ca.certFile(), certPEM, 0o644); err != nil {
		return fmt.Errorf("certs: write local CA certificate: %w", err)
	}
	ca.cert, ca.certPEM, ca.key = cert, certPEM, key
	return nil
}

// randomSerial is a positive 127-bit random serial number. crypto/rand
// does not fail (since Go 1.24 it never returns an error).
func randomSerial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n.Add(n, big.NewInt(1))
}

func ecKeyPEM(key *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), nil
}

// writeFileAtomic writes data to a temporary file beside path and
// renames it into place, so a reader (or a crash) never sees half a file.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename there is nothing to remove
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
