#!/usr/bin/env bash
# The floor for BenchmarkFreshTenant: the same steps as tenantctl apply of
# one example tenant, as plain docker CLI commands — networks, volume,
# database, wait until it is ready over TCP, app, wait until /healthz is 200.
# Usage: plain-script.sh NAME [SLOT [PROJECT]]: SLOT picks the subnets
# (10.211.SLOT.0/26), PROJECT the label clean-up finds it by (default NAME).
set -euo pipefail
p=$1
slot=${2:-0}
label="--label tenantctl.project=${3:-$p}"
pw=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
docker network create $label --internal --subnet 10.211.$slot.0/27 "${p}_internal" >/dev/null
docker network create $label --subnet 10.211.$slot.32/27 "${p}_edge" >/dev/null
docker volume create $label "${p}_data" >/dev/null
docker run -d $label --name "${p}_db" --network "${p}_internal" --network-alias db \
  -e POSTGRES_USER=app -e POSTGRES_DB=app -e POSTGRES_PASSWORD="$pw" \
  -v "${p}_data:/var/lib/postgresql/data" \
  --health-cmd "pg_isready -h 127.0.0.1 -p 5432 -U app -d app" --health-interval 1s --health-retries 60 \
  tenantctl-example/postgres:15 >/dev/null
until [ "$(docker inspect -f '{{.State.Health.Status}}' "${p}_db")" = healthy ]; do sleep 0.3; done
docker create $label --name "${p}_app" --network "${p}_edge" --network-alias app -p 127.0.0.1::8080 \
  -e TENANT_NAME=bench -e DATABASE_URL="postgres://app:$pw@db:5432/app?sslmode=disable" \
  tenantctl-example/app:1.0.0 >/dev/null
docker network connect --alias app "${p}_internal" "${p}_app"
docker start "${p}_app" >/dev/null
port=$(docker port "${p}_app" 8080/tcp | head -1 | sed 's/.*://')
until curl -fs "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.3; done
