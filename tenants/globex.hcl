# Globex: standard customer.
tenant "globex" {
  template = "saas"
  vars     = { app_version = "1.0.0", db_memory = "192MiB" }
  labels   = { tier = "standard", owner = "sam" }
}
