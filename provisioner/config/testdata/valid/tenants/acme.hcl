tenant "acme" {
  template = "saas"
  vars = {
    app_version = "1.1.0"
    admin_email = "ops@acme.example"
  }
  labels = {
    tier  = "enterprise"
    owner = "dana"
  }
  protect = true
}
