template "saas" {
  variable "app_version" {
    type        = string
    default     = "1.0.0"
    description = "Version of the app image."
  }
  variable "workers" {
    type    = number
    default = 1
  }
  variable "admin_email" {
    description = "Who gets the alerts."
  }

  service "app" {
    image      = "tenantctl-example/app:${var.app_version}"
    command    = ["app", "--workers", tostring(var.workers)]
    depends_on = ["db", "cache"]
    env = {
      DATABASE_URL = "postgres://app:${secret("db_password")}@db:5432/app"
      TENANT       = tenant.name
      TIER         = lookup(tenant.labels, "tier", "standard")
      ADMIN_EMAIL  = var.admin_email
      PROJECT      = upper(project.name)
    }
    port "http" {
      container = 8080
    }
    port "metrics" {
      container = 9090
      host_ip   = "127.0.0.1"
    }
    health {
      http     = "/healthz"
      port     = "http"
      interval = "1s"
      retries  = 10
    }
    resources {
      memory = "256MiB"
      cpus   = 0.5
      pids   = 256
    }
  }

  service "db" {
    image    = "tenantctl-example/postgres:15"
    command  = ["postgres", "-c", "max_connections=50"]
    internal = true
    env = {
      POSTGRES_PASSWORD = secret("db_password")
      POSTGRES_DB       = "app"
    }
    volume "data" {
      target = "/var/lib/postgresql/data"
    }
    health {
      command      = ["pg_isready", "-h", "127.0.0.1"]
      start_period = "5s"
    }
  }

  service "cache" {
    image    = "tenantctl-example/redis:7"
    internal = true
  }

  check "home page" {
    http {
      service       = "app"
      path          = "/"
      body_contains = tenant.name
      body_matches  = "visits: [0-9]+"
    }
  }

  check "database" {
    exec {
      service         = "db"
      command         = ["psql", "-U", "app", "-c", "select 1"]
      output_contains = "1"
    }
  }
}
