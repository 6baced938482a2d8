// Package certs is the edge proxy's certificate source: it answers the
// TLS handshake of every tenant host name with that name's certificate,
// and nothing for a name the proxy does not route.
//
// A Manager is made from a Config in one of three modes:
//
//   - ModeACME: certificates from an ACME CA (Let's Encrypt by default)
//     through golang.org/x/crypto/acme/autocert, ordered on the first
//     handshake for a known host, renewed in the background before they
//     expire, and kept with the account key in <data>/certs (directory
//     0700, files 0600), so a restarted proxy serves them again without a
//     new order. TLS-ALPN-01 is tried first (on the HTTPS port); HTTP-01
//     too once HTTPHandler serves the HTTP port. Using this mode accepts
//     the CA's terms of service.
//   - ModeFiles: certificates and keys from PEM files (a wildcard such as
//     *.tenants.example.com, or one per name), the best match for the
//     requested name served, re-read when the files change.
//   - ModeLocalCA: a CA of the project's own (ECDSA P-256, 10 years) made
//     once in <data>/local-ca, and a certificate per known host issued on
//     demand from it, kept in memory and in <data>/local-ca/hosts. Clients
//     that trust <data>/local-ca/ca.pem (curl --cacert, a browser's trust
//     store) accept them: for demos and machines without public DNS.
//
// Whatever the mode, the HostPolicy (the proxy's route table) decides
// which names get a certificate: an unknown name, a missing server name
// (SNI) or an IP address fails the handshake, and a name never gets a
// certificate made for another one.
//
// autocert rather than certmagic: the x/crypto module is already a
// dependency, autocert covers what one proxy per host needs (on-demand
// issuance behind a host policy, both TLS challenge types, renewal, a
// directory cache), and certmagic's extra power (cluster storage locks,
// DNS-01 providers, OCSP stapling) would bring a dozen modules for
// nothing this proxy uses.
package certs
