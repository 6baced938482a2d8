# ACME Corp: enterprise customer, on the newer app version.
tenant "acme" {
  template = "saas"
  vars     = { app_version = "1.1.0" }
  labels   = { tier = "enterprise", owner = "dana" }
  protect  = true
}
