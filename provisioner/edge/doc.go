// Package edge is tenantctl's edge proxy: one process per host and project
// that routes HTTP and HTTPS requests by their Host to each tenant's public
// service, so that tenants are reached at their own host names instead of a
// random host port each.
//
// The pieces:
//
//   - A route table (Route, persisted as routes.json in the data directory
//     with an atomic write, loaded at start) maps a tenant to its host names,
//     its backend address and an optional maintenance message. The table in
//     memory is an immutable snapshot swapped with an atomic.Pointer, so a
//     switch never drops or blocks a request.
//   - Router, the http.Handler: routes by Host (port stripped, lower case,
//     one trailing dot removed), reverse-proxies with
//     net/http/httputil.ReverseProxy, answers an unknown host with a 404 page
//     that names nothing, a tenant in maintenance or a backend that refuses
//     connections with 503 and Retry-After.
//   - Draining: every route points at a backend value that counts its
//     in-flight requests. Switching a tenant to another backend retires the
//     old value and returns only when its requests have finished or the
//     drain timeout has passed (then they are cancelled), so the caller may
//     remove the old container right after.
//   - Traffic counters per tenant (requests, 5xx, latency) in 10-second
//     buckets over the last 15 minutes, with bounded memory.
//   - An admin API, JSON over HTTP on a unix socket in the data directory
//     (AdminHandler, Client), used by `tenantctl-edge ctl`, which tenantctl
//     runs with `docker exec` over the engine connection it already has. The
//     proxy never talks to the Docker engine.
//   - Server ties it together: a plain HTTP listener, an optional HTTPS one
//     whose certificates come from the *tls.Config the caller passes in (the
//     certs package provides GetCertificate and the ACME HTTP-01 handler),
//     HTTP to HTTPS redirects, optional HSTS and 421 for a TLS request whose
//     SNI names another host than its Host header.
package edge
