tenant "globex" {
  template = "saas"
  host     = "edge"
  vars     = { admin_email = lower("OPS@GLOBEX.EXAMPLE"), workers = 4 }
}
