package config

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/tenantctl/tenantctl/provisioner/model"
)

// Check defaults.
const (
	defaultHTTPTimeout  = 5 * time.Second
	defaultHTTPRetries  = 3
	defaultHTTPInterval = time.Second
	defaultExecTimeout  = 10 * time.Second
)

// methodRE is what an HTTP method looks like.
var methodRE = regexp.MustCompile(`^[A-Z]+$`)

// check evaluates a check block; services are the tenant's evaluated
// services by name.
func (e *evaluator) check(cd *check, services map[string]*model.Service) model.Check {
	c := model.Check{Name: cd.name}
	switch cd.kind {
	case "http":
		c.HTTP = e.httpCheck(cd, services)
	case "exec":
		c.Exec = e.execCheck(cd, services)
	}
	return c
}

// checkService resolves the service attribute of a check; the service is
// nil when it is missing or unknown.
func (e *evaluator) checkService(cd *check, services map[string]*model.Service) (*model.Service, string, *hcl.Range) {
	attrs := cd.body.attrs
	n := len(e.diags)
	name, r := e.str(attrs, "service", "")
	e.requireSet(attrs, "service", r, n)
	if r == nil {
		return nil, name, nil
	}
	if svc := services[name]; svc != nil {
		return svc, name, r
	}
	known := e.t.template.serviceNames()
	detail := fmt.Sprintf("Check %q targets service %q, but template %q has no service of that name.", cd.name, name, e.t.template.name)
	if hint := didYouMean(name, known); hint != "" {
		detail += hint
	} else if len(known) > 0 {
		detail += fmt.Sprintf(" Its services are %s.", quotedList(known))
	}
	e.errorf(*r, fmt.Sprintf("Unknown service %q", name), "%s", detail)
	return nil, name, nil
}

// httpCheck evaluates an http check.
func (e *evaluator) httpCheck(cd *check, services map[string]*model.Service) *model.HTTPCheck {
	attrs := cd.body.attrs
	hc := &model.HTTPCheck{}
	svc, name, r := e.checkService(cd, services)
	hc.Service = name
	if svc != nil {
		switch {
		case svc.Internal:
			e.errorf(*r, "HTTP check on an internal service", "Service %q is internal, so check %q cannot reach it over HTTP. Use an exec check to test it from inside its container.", svc.Name, cd.name)
		case len(svc.Ports) == 0:
			e.errorf(*r, "HTTP check without a port", "Service %q publishes no port, so check %q cannot reach it over HTTP. Add a port block to the service, or use an exec check.", svc.Name, cd.name)
		default:
			hc.Port = e.portName(attrs, svc, fmt.Sprintf("Check %q", cd.name))
		}
	}
	hc.Path, r = e.str(attrs, "path", "/")
	if r != nil && !strings.HasPrefix(hc.Path, "/") {
		e.errorf(*r, "Invalid check path", "%q is not a path. Write the path to request, starting with \"/\", e.g. \"/\" or \"/login?next=/\".", hc.Path)
	}
	hc.Method, r = e.str(attrs, "method", "GET")
	hc.Method = strings.ToUpper(hc.Method)
	if r != nil && !methodRE.MatchString(hc.Method) {
		e.errorf(*r, "Invalid HTTP method", "%q is not an HTTP method. Write e.g. \"GET\", \"HEAD\" or \"POST\".", hc.Method)
	}
	hc.Status, _ = e.integer(attrs, "status", 200, 100, 599)
	hc.BodyContains, _ = e.str(attrs, "body_contains", "")
	hc.BodyMatches, r = e.str(attrs, "body_matches", "")
	if r != nil {
		if _, err := regexp.Compile(hc.BodyMatches); err != nil {
			e.errorf(*r, "Invalid regular expression", "body_matches is not a valid regular expression: %s. The syntax is Go's RE2, e.g. \"visits: [0-9]+\".", err)
		}
	}
	hc.Timeout = e.duration(attrs, "timeout", defaultHTTPTimeout, false)
	hc.Retries, _ = e.integer(attrs, "retries", defaultHTTPRetries, 0, 1_000_000)
	hc.Interval = e.duration(attrs, "interval", defaultHTTPInterval, false)
	return hc
}

// execCheck evaluates an exec check.
func (e *evaluator) execCheck(cd *check, services map[string]*model.Service) *model.ExecCheck {
	attrs := cd.body.attrs
	ec := &model.ExecCheck{}
	_, ec.Service, _ = e.checkService(cd, services)
	n := len(e.diags)
	cmd, r := e.strList(attrs, "command")
	e.requireSet(attrs, "command", r, n)
	if r != nil && len(cmd) == 0 {
		e.errorf(*r, "Empty command", `command must hold the program to run and its arguments, e.g. ["psql", "-c", "select 1"].`)
	}
	ec.Command = cmd
	ec.ExitCode, _ = e.integer(attrs, "exit_code", 0, 0, 255)
	ec.OutputContains, _ = e.str(attrs, "output_contains", "")
	ec.Timeout = e.duration(attrs, "timeout", defaultExecTimeout, false)
	return ec
}
