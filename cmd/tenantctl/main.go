// Command tenantctl stamps out an isolated stack per tenant from HCL, with
// a plan/apply cycle on Docker engines. See README.md.
package main

import (
	"os"
)

func main() {
	ctx, stop := interruptible(os.Stderr, os.Exit)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
