package config

import (
	"fmt"
	"math"
	"net"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/tenantctl/tenantctl/provisioner/model"
)

// defaultDockerSocket is the engine socket on an SSH host.
const defaultDockerSocket = "/var/run/docker.sock"

var (
	sshSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{
		{Name: "address", Required: true}, {Name: "user", Required: true},
		{Name: "identity_file"}, {Name: "known_hosts_file"},
		{Name: "connect_timeout"}, {Name: "keepalive"},
	}}
	placementSchema = &hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "labels"}}}
)

// decodeHostPlacement decodes a host's capacity and labels.
func (s *scope) decodeHostPlacement(content *hcl.BodyContent, h *model.Host) {
	h.Capacity, _ = s.integer(content.Attributes, "capacity", 0, 0, math.MaxInt32)
	if labels := s.labels(content.Attributes["labels"]); len(labels) > 0 {
		h.Labels = labels
	}
}

// decodeHostSSH decodes a host's ssh block, docker_socket and pull; it
// reports whether the host is an SSH host.
func (s *scope) decodeHostSSH(content *hcl.BodyContent, h *model.Host) bool {
	socket, socketRange := s.str(content.Attributes, "docker_socket", defaultDockerSocket)
	pull, pullRange := s.boolean(content.Attributes, "pull", false)
	var sshBlock *hcl.Block
	for _, b := range content.Blocks {
		if b.Type != "ssh" {
			continue
		}
		if sshBlock != nil {
			s.errorf(b.DefRange, "Duplicate ssh block", "A host has at most one ssh block. The previous one is at %s.", sshBlock.DefRange)
			continue
		}
		sshBlock = b
	}
	if sshBlock == nil {
		if socketRange != nil {
			s.errorf(*socketRange, "docker_socket without ssh", "docker_socket is the engine's socket on an SSH host. Add an ssh block, or set docker = \"unix://%s\" for a local engine.", socket)
		}
		if pull {
			s.errorf(*pullRange, "pull without ssh", "pull lets an SSH host pull images from their registry instead of receiving the local engine's. A host without an ssh block uses its engine's images as they are: remove pull.")
		}
		return false
	}
	if attr := content.Attributes["docker"]; attr != nil {
		s.errorf(attr.NameRange, "Both docker and ssh", "A host is reached either through its docker address or through ssh, not both. Remove docker, and set docker_socket if the engine's socket on the host is not %s.", defaultDockerSocket)
	}
	if !strings.HasPrefix(socket, "/") && socketRange != nil {
		s.errorf(*socketRange, "Invalid docker_socket", "docker_socket must be an absolute path on the host, e.g. %q.", defaultDockerSocket)
	}
	h.DockerSocket = socket
	h.Pull = pull
	h.SSH = s.decodeSSH(sshBlock)
	return true
}

// decodeSSH decodes an ssh block.
func (s *scope) decodeSSH(b *hcl.Block) *model.SSH {
	content, diags := b.Body.Content(sshSchema)
	s.extend(diags)
	a := content.Attributes
	c := &model.SSH{}
	var r *hcl.Range
	if c.Address, r = s.str(a, "address", ""); r != nil {
		host, port, err := net.SplitHostPort(c.Address)
		if err != nil {
			host, port = c.Address, "22"
		}
		if host == "" || strings.ContainsAny(host, " /") || port == "" {
			s.errorf(*r, "Invalid ssh address", "%q is not an SSH address. Write host:port, e.g. \"203.0.113.10:22\" (the port defaults to 22).", c.Address)
		}
		c.Address = net.JoinHostPort(host, port)
	}
	c.User, _ = s.str(a, "user", "")
	c.IdentityFile, _ = s.str(a, "identity_file", "")
	c.KnownHostsFile, _ = s.str(a, "known_hosts_file", "~/.ssh/known_hosts")
	c.ConnectTimeout = s.duration(a, "connect_timeout", 0, false)
	c.KeepAlive = s.duration(a, "keepalive", 0, false)
	return c
}

// decodePlacement decodes a tenant's placement blocks into its labels.
func (s *scope) decodePlacement(blocks hcl.Blocks) (map[string]string, *hcl.Range) {
	var first *hcl.Block
	var labels map[string]string
	for _, b := range blocks {
		if first != nil {
			s.errorf(b.DefRange, "Duplicate placement block", "A tenant has at most one placement block. The previous one is at %s.", first.DefRange)
			continue
		}
		first = b
		content, diags := b.Body.Content(placementSchema)
		s.extend(diags)
		labels = s.labels(content.Attributes["labels"])
	}
	if first == nil {
		return nil, nil
	}
	return labels, &first.DefRange
}

// placementConflict is the detail of a tenant that both pins its host and
// has placement constraints.
func placementConflict(host string) string {
	return fmt.Sprintf("host = %q pins the tenant, so its placement block would never be used. Remove one of them.", host)
}
