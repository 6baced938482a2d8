// Package config loads a tenantctl project directory into a *model.Project.
//
// A project directory holds tenantctl.hcl (the project and its hosts),
// templates/*.hcl (reusable service stacks) and tenants/*.hcl (one block
// per customer, naming a template and its variables). Load decodes them in
// phases, in the manner of nomad's jobspec2 and buildx bake:
//
//  1. read and parse every file;
//  2. decode the project and its hosts;
//  3. decode the structure of templates and tenants and the static tenant
//     attributes (template, vars, labels, protect, host);
//  4. evaluate every template once per tenant into concrete services and
//     checks, then check what spans tenants (fixed host ports).
//
// Load stops after the first phase that reports errors, so users see the
// real first problem rather than its consequences. Every problem is an
// hcl.Diagnostic with a precise Subject range; WriteDiagnostics prints them
// with file, line and a highlighted snippet.
//
// Template expressions see var, tenant and project objects and a fixed
// table of go-cty stdlib functions plus secret(name), whose result is
// marked sensitive. Sensitive values are only accepted in service env
// values, where they become model.Value{Sensitive: true}.
package config
