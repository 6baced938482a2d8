package edge

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ACMEChallengePrefix is the path prefix of ACME HTTP-01 challenges, which
// the plain HTTP listener passes to Config.ACMEChallenge.
const ACMEChallengePrefix = "/.well-known/acme-challenge/"

// httpHandler is the handler of the plain HTTP listener: ACME challenges
// go to acme (when set); with TLS on, requests for routed hosts are
// redirected to HTTPS; otherwise the router answers.
func httpHandler(rt *Router, acme http.Handler, tlsOn bool, redirectPort int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if acme != nil && strings.HasPrefix(r.URL.Path, ACMEChallengePrefix) {
			acme.ServeHTTP(w, r)
			return
		}
		if !tlsOn {
			rt.ServeHTTP(w, r)
			return
		}
		// Only routed hosts are redirected: the proxy never sends a
		// client anywhere for a name it does not serve.
		host, ok := NormalizeHost(r.Host)
		if !ok || rt.table.Load().hosts[host] == nil {
			writeNotFound(w)
			return
		}
		target := "https://" + hostForURL(host)
		if redirectPort != 0 && redirectPort != 443 {
			target += ":" + strconv.Itoa(redirectPort)
		}
		target += r.URL.RequestURI()
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, target, http.StatusPermanentRedirect)
	})
}

// hostForURL brackets an IPv6 literal.
func hostForURL(host string) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]"
	}
	return host
}

// httpsHandler is the handler of the TLS listener: a request whose Host
// is not the server name (SNI) its connection was opened for gets 421, so
// that a connection set up for one tenant never carries another's
// requests; HSTS is added when hsts > 0.
func httpsHandler(rt *Router, hsts time.Duration) http.Handler {
	hstsValue := "max-age=" + strconv.FormatInt(int64(hsts/time.Second), 10)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hsts > 0 {
			w.Header().Set("Strict-Transport-Security", hstsValue)
		}
		if r.TLS != nil && r.TLS.ServerName != "" {
			sni, _ := NormalizeHost(r.TLS.ServerName)
			host, _ := NormalizeHost(r.Host)
			if sni != host {
				writeMisdirected(w)
				return
			}
		}
		rt.ServeHTTP(w, r)
	})
}

// listenTCP listens on addr ("host:port" or ":port").
func listenTCP(addr string) (net.Listener, error) {
	return net.Listen("tcp", addr)
}
