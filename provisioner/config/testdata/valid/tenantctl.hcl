project "acme-saas" {
  network_pool = "10.210.0.0/16"
  subnet_size  = 27
  port_range   = [20000, 29999]
}

host "local" {
  docker = "unix:///var/run/docker.sock"
}

host "edge" {
  docker = "tcp://10.0.0.5:2376"
}
