# The example project: `tenantctl plan` run here plans the tenants in tenants/.
project "tenantctl-demo" {
  network_pool = "10.210.0.0/16" # every tenant network gets a /27 from here
  subnet_size  = 27
  port_range   = [20000, 29999] # host ports allocated to tenants
}

host "local" {
  # docker = "unix:///var/run/docker.sock"  # default: $DOCKER_HOST, else this
}
