package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
)

// certificate returns host's leaf: from memory, else from dir/hosts,
// else newly issued (once, however many handshakes wait for it). A leaf
// within leafRenewBefore of its expiry, or not signed by the current CA,
// is issued again.
func (ca *localCA) certificate(_ *tls.ClientHelloInfo, host string) (*tls.Certificate, error) {
	ca.mu.Lock()
	c := ca.leaves[host]
	ca.mu.Unlock()
	if c != nil && ca.usable(c.Leaf, host) {
		return c, nil
	}
	v, err, _ := ca.issue.Do(host, func() (any, error) { return ca.loadOrIssue(host) })
	if err != nil {
		return nil, err
	}
	return v.(*tls.Certificate), nil
}

func (ca *localCA) leafFile(host string) string {
	// host passed canonicalHost: letters, digits, '-' and '.', never "..".
	return filepath.Join(ca.dir, "hosts", host+".pem")
}

func (ca *localCA) loadOrIssue(host string) (*tls.Certificate, error) {
	path := ca.leafFile(host)
	if b, err := os.ReadFile(path); err == nil {
		if c, err := tls.X509KeyPair(b, b); err == nil && ca.usable(c.Leaf, host) {
			ca.remember(host, &c)
			return &c, nil
		}
	}
	c, filePEM, err := ca.issueLeaf(host)
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(path, filePEM, 0o600); err != nil {
		// Still served; it is issued again after a restart.
		ca.logf("certs: keep the local CA's certificate for %s on disk: %v", host, err)
	}
	ca.remember(host, c)
	return c, nil
}

func (ca *localCA) remember(host string, c *tls.Certificate) {
	ca.mu.Lock()
	ca.leaves[host] = c
	ca.mu.Unlock()
}

// usable: for host, signed by this CA, and not about to expire.
func (ca *localCA) usable(leaf *x509.Certificate, host string) bool {
	now := ca.now()
	if leaf == nil || leaf.NotAfter.Sub(now) < leafRenewBefore {
		return false
	}
	_, err := leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: ca.roots, CurrentTime: now})
	return err == nil
}

// issueLeaf makes a key and a certificate for host alone, and the PEM
// (key, then certificate) that keeps both on disk.
func (ca *localCA) issueLeaf(host string) (*tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	now := ca.now()
	notAfter := now.Add(leafValidity)
	if notAfter.After(ca.cert.NotAfter) {
		notAfter = ca.cert.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: host},
		DNSNames:     []string{host},
		NotBefore:    now.Add(-backdate),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, nil, fmt.Errorf("certs: local CA: issue a certificate for %s: %w", host, err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	keyPEM, err := ecKeyPEM(key)
	if err != nil {
		return nil, nil, err
	}
	filePEM := append(keyPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, filePEM, nil
}
