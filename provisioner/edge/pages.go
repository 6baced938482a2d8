package edge

import (
	"html/template"
	"net/http"
	"strconv"
	"time"
)

// pageTemplate is the page of every answer the proxy makes itself. The
// 404 page gets no tenant: it must tell nothing about the routes.
var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 4rem auto; max-width: 34rem; padding: 0 1rem; color: #222; }
h1 { font-size: 1.3rem; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
{{if .Tenant}}<p>Site: {{.Tenant}}</p>
{{end}}<p>{{.Text}}</p>
</body>
</html>
`))

// page is what pageTemplate shows.
type page struct {
	Title  string
	Tenant string
	Text   string
}

// writePage answers with status and p, never cached. A positive
// retryAfter adds Retry-After.
func writePage(w http.ResponseWriter, status int, retryAfter time.Duration, p page) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if retryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(int((retryAfter+time.Second-1)/time.Second)))
	}
	w.WriteHeader(status)
	_ = pageTemplate.Execute(w, p)
}

// writeNotFound answers a request for a host that has no route. The page
// is the same for every host.
func writeNotFound(w http.ResponseWriter) {
	writePage(w, http.StatusNotFound, 0, page{
		Title: "404 Not Found",
		Text:  "There is no site at this address.",
	})
}

// writeMaintenance answers a request for a tenant in maintenance.
func writeMaintenance(w http.ResponseWriter, retryAfter time.Duration, tenant, message string) {
	if message == "" {
		message = "This site is down for maintenance and will be back shortly."
	}
	writePage(w, http.StatusServiceUnavailable, retryAfter, page{
		Title:  "503 Down for maintenance",
		Tenant: tenant,
		Text:   message,
	})
}

// writeUnavailable answers a request whose backend cannot be reached, as
// while it is replaced stop-first.
func writeUnavailable(w http.ResponseWriter, retryAfter time.Duration, tenant string) {
	writePage(w, http.StatusServiceUnavailable, retryAfter, page{
		Title:  "503 Service Unavailable",
		Tenant: tenant,
		Text:   "This site is restarting. Please try again in a moment.",
	})
}

// writeBadGateway answers a request whose backend failed after it was
// reached.
func writeBadGateway(w http.ResponseWriter, tenant string) {
	writePage(w, http.StatusBadGateway, 0, page{
		Title:  "502 Bad Gateway",
		Tenant: tenant,
		Text:   "The site did not answer properly. Please try again.",
	})
}

// writeMisdirected answers a TLS request whose Host is not the name its
// connection was opened for; the client retries on a new connection.
func writeMisdirected(w http.ResponseWriter) {
	writePage(w, http.StatusMisdirectedRequest, 0, page{
		Title: "421 Misdirected Request",
		Text:  "This connection was opened for another site. Please retry.",
	})
}
