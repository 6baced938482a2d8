package plan

import (
	"fmt"
	"strings"
)

// writeSkipped lists the tenants a plan left out, so that an unreachable
// host is never mistaken for "no changes".
func writeSkipped(b *strings.Builder, skipped []Skipped) {
	if len(skipped) == 0 {
		return
	}
	fmt.Fprintf(b, "\n%d tenant(s) NOT PLANNED:\n", len(skipped))
	for _, s := range skipped {
		if s.Host == "" {
			fmt.Fprintf(b, "  tenant %s: %s\n", s.Tenant, s.Reason)
			continue
		}
		fmt.Fprintf(b, "  tenant %s on host %s: %s\n", s.Tenant, s.Host, s.Reason)
	}
}
