package workspace

import (
	"github.com/tenantctl/tenantctl/provisioner/model"
	"github.com/tenantctl/tenantctl/provisioner/plan"
)

// URL is where one published port of a tenant answers.
type URL struct {
	Tenant, Service, Port string
	URL                   string
}

// URLs lists the published TCP ports of the plan's containers as URLs at
// the address each tenant's host is reached at (see model.Host.URL); a
// tenant served by the edge proxy has its https name instead.
func URLs(p *plan.Plan, project *model.Project) []URL {
	var urls []URL
	for _, t := range p.Tenants {
		if mt := project.Tenant(t.Name); mt != nil && project.Edge != nil && !t.Orphan {
			if svc, port, ok := mt.PublicPort(); ok {
				urls = append(urls, URL{Tenant: t.Name, Service: svc.Name, Port: port.Name, URL: project.Edge.URL(mt)})
				continue
			}
		}
		for _, op := range t.Operations {
			if op.Container == nil || op.Action == plan.Delete {
				continue
			}
			for _, b := range op.Container.Ports {
				if b.Protocol != "" && b.Protocol != "tcp" {
					continue
				}
				url := project.Host(t.Host).URL(b.HostIP, b.HostPort)
				urls = append(urls, URL{Tenant: t.Name, Service: op.ID.Name, Port: b.Name, URL: url})
			}
		}
	}
	return urls
}
