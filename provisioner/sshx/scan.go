package sshx

import (
	"context"
	"errors"
	"net"
	"time"

	"golang.org/x/crypto/ssh"
)

// errGotKey stops the handshake once the host key is seen.
var errGotKey = errors.New("host key received")

// ScanHostKey connects to address only far enough to learn the host key
// it offers (no authentication is attempted), for `tenantctl hosts trust`
// to show its fingerprint. With algorithms, the server is asked for a key
// of those types.
func ScanHostKey(ctx context.Context, address string, timeout time.Duration) (ssh.PublicKey, error) {
	cfg := Config{Address: address, ConnectTimeout: timeout}.normalized()
	conn, err := dialTCP(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(cfg.ConnectTimeout))
	var key ssh.PublicKey
	sc := &ssh.ClientConfig{
		User: "tenantctl-hostkey-scan",
		HostKeyCallback: func(_ string, _ net.Addr, k ssh.PublicKey) error {
			key = k
			return errGotKey
		},
		HostKeyAlgorithms: []string{ssh.KeyAlgoED25519, ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256},
	}
	_, _, _, err = ssh.NewClientConn(conn, cfg.Address, sc)
	if key != nil {
		return key, nil
	}
	return nil, &UnreachableError{Address: cfg.Address, Err: err}
}

// NormalizeAddress adds the default port 22 to an address without one.
func NormalizeAddress(address string) string {
	return Config{Address: address}.normalized().Address
}
