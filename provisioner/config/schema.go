package config

import "github.com/hashicorp/hcl/v2"

// The schemas of templates/*.hcl and tenants/*.hcl. Decoding with them
// gives hcl's own "Unsupported argument ... Did you mean" diagnostics for
// misspelled names and "Missing required argument" for required ones.
var (
	templateFileSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: "template", LabelNames: []string{"name"}},
	}}
	templateSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "service", LabelNames: []string{"name"}},
		{Type: "check", LabelNames: []string{"name"}},
	}}
	variableSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "type"}, {Name: "default"}, {Name: "description"},
	}}
	serviceSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{
			{Name: "image", Required: true},
			{Name: "command"}, {Name: "env"}, {Name: "internal"}, {Name: "depends_on"}, {Name: "cap_add"},
		},
		Blocks: []hcl.BlockHeaderSchema{
			{Type: "port", LabelNames: []string{"name"}},
			{Type: "volume", LabelNames: []string{"name"}},
			{Type: "health"},
			{Type: "resources"},
		},
	}
	portSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "container", Required: true}, {Name: "host"}, {Name: "host_ip"}, {Name: "protocol"}, {Name: "public"},
	}}
	volumeSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "target", Required: true}, {Name: "read_only"},
	}}
	healthSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "command"}, {Name: "http"}, {Name: "port"},
		{Name: "interval"}, {Name: "timeout"}, {Name: "retries"}, {Name: "start_period"},
	}}
	resourcesSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "memory"}, {Name: "cpus"}, {Name: "pids"},
	}}
	checkSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: "http"}, {Type: "exec"},
	}}
	httpCheckSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "service", Required: true}, {Name: "port"}, {Name: "path"}, {Name: "method"},
		{Name: "status"}, {Name: "body_contains"}, {Name: "body_matches"},
		{Name: "timeout"}, {Name: "retries"}, {Name: "interval"},
	}}
	execCheckSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "service", Required: true}, {Name: "command", Required: true},
		{Name: "exit_code"}, {Name: "output_contains"}, {Name: "timeout"},
	}}

	tenantFileSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{
		{Type: "tenant", LabelNames: []string{"name"}},
	}}
	tenantSchema = &hcl.BodySchema{
		Attributes: []hcl.AttributeSchema{
			{Name: "template", Required: true},
			{Name: "vars"}, {Name: "labels"}, {Name: "protect"}, {Name: "host"}, {Name: "domains"},
		},
		Blocks: []hcl.BlockHeaderSchema{{Type: "placement"}},
	}
)
