package workspace

import (
	"fmt"

	"github.com/tenantctl/tenantctl/provisioner/plan"
)

// URL is where one published port of a tenant answers.
type URL struct {
	Tenant, Service, Port string
	URL                   string
}

// URLs lists the published TCP ports of the plan's containers as URLs on
// the loopback address (or the bound address, when it is specific).
func URLs(p *plan.Plan) []URL {
	var urls []URL
	for _, t := range p.Tenants {
		for _, op := range t.Operations {
			if op.Container == nil || op.Action == plan.Delete {
				continue
			}
			for _, b := range op.Container.Ports {
				if b.Protocol != "" && b.Protocol != "tcp" {
					continue
				}
				host := b.HostIP
				if host == "" || host == "0.0.0.0" {
					host = "127.0.0.1"
				}
				urls = append(urls, URL{Tenant: t.Name, Service: op.ID.Name, Port: b.Name, URL: fmt.Sprintf("http://%s:%d/", host, b.HostPort)})
			}
		}
	}
	return urls
}
