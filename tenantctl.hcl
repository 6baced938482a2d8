# The example project: `tenantctl plan` run here plans the tenants in tenants/.
project "tenantctl-demo" {
  network_pool = "10.210.0.0/16" # every tenant network gets a /27 from here
  subnet_size  = 27
  port_range   = [20000, 29999] # host ports allocated to tenants
}

# One proxy per host serves every tenant at https://<tenant>.tenants.localhost:8443/
# (*.localhost is the loopback address in curl and browsers; `tenantctl edge ca`
# prints the local CA's certificate to trust).
edge {
  domain     = "tenants.localhost"
  http_port  = 8000 # 8080 is the dashboard's (tenantctl serve)
  https_port = 8443
  tls        = "local-ca"
}

host "local" {
  # docker = "unix:///var/run/docker.sock"  # default: $DOCKER_HOST, else this
}
