# The SaaS stack every customer gets a copy of: the app and its own PostgreSQL.
template "saas" {
  variable "app_version" {
    type        = string
    default     = "1.0.0"
    description = "Version of tenantctl-example/app to run."
  }

  variable "db_memory" {
    type    = string
    default = "256MiB"
  }

  service "db" {
    image    = "tenantctl-example/postgres:15"
    internal = true # on the tenant's internal network only: never published, no route out
    env = {
      POSTGRES_USER     = "app"
      POSTGRES_DB       = "app"
      POSTGRES_PASSWORD = secret("db_password")
    }
    volume "data" {
      target = "/var/lib/postgresql/data"
    }
    health {
      # Over TCP: the init-time server listens on the socket only.
      command  = ["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-U", "app", "-d", "app"]
      interval = "1s"
      timeout  = "3s"
      retries  = 60
    }
    resources {
      memory = var.db_memory
      cpus   = 1
      pids   = 200
    }
  }

  service "app" {
    image      = "tenantctl-example/app:${var.app_version}"
    depends_on = ["db"]
    env = {
      TENANT_NAME  = tenant.name
      DATABASE_URL = "postgres://app:${secret("db_password")}@db:5432/app?sslmode=disable"
    }
    port "http" {
      container = 8080 # the host port is allocated once and kept
      public    = true # served by the edge proxy at https://<tenant>.<edge domain>/
    }
    health {
      http     = "/healthz"
      interval = "1s"
      retries  = 60
    }
    resources {
      memory = "64MiB"
      cpus   = 0.5
      pids   = 100
    }
  }

  check "home page" {
    http {
      service       = "app"
      path          = "/"
      status        = 200
      body_contains = "tenant: ${tenant.name}"
    }
  }

  check "database answers" {
    exec {
      service         = "db"
      command         = ["psql", "-U", "app", "-d", "app", "-tAc", "select 1"]
      output_contains = "1"
    }
  }
}
