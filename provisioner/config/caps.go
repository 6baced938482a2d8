package config

import (
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// capabilities lists the Linux capabilities a service may add back to the
// empty set every container starts with. ALL and the capabilities that
// amount to root on the host are refused: a tenant is never privileged.
var capabilities = map[string]bool{
	"AUDIT_WRITE": true, "CHOWN": true, "DAC_OVERRIDE": true, "DAC_READ_SEARCH": true,
	"FOWNER": true, "FSETID": true, "IPC_LOCK": true, "KILL": true, "LEASE": true,
	"NET_BIND_SERVICE": true, "NET_BROADCAST": true, "NET_RAW": true, "SETFCAP": true,
	"SETGID": true, "SETPCAP": true, "SETUID": true, "SYS_CHROOT": true, "SYS_NICE": true,
	"SYS_RESOURCE": true, "SYS_TIME": false, "SYS_ADMIN": false, "SYS_MODULE": false,
	"SYS_PTRACE": false, "SYS_RAWIO": false, "NET_ADMIN": false, "MKNOD": true,
}

// capabilities evaluates cap_add: names without the CAP_ prefix, sorted.
func (e *evaluator) capabilities(attrs hcl.Attributes) []string {
	list, r := e.strList(attrs, "cap_add")
	if r == nil {
		return nil
	}
	var caps []string
	for _, c := range list {
		name := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(c)), "CAP_")
		allowed, known := capabilities[name]
		switch {
		case name == "ALL" || (known && !allowed):
			e.errorf(*r, "Capability not allowed", "cap_add may not grant %q: it would give the tenant power over the host. Containers start with no capabilities; add back only what the service needs, e.g. \"CHOWN\" or \"NET_BIND_SERVICE\".", c)
		case !known:
			e.errorf(*r, "Unknown capability", "%q is not a Linux capability tenantctl allows. Known ones: %s.", c, strings.Join(allowedCaps(), ", "))
		default:
			caps = append(caps, name)
		}
	}
	sort.Strings(caps)
	return caps
}

func allowedCaps() []string {
	var out []string
	for c, ok := range capabilities {
		if ok {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}
