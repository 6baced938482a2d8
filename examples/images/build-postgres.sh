#!/usr/bin/env bash
# build-postgres.sh - build the example PostgreSQL 15 image locally, with no
# image registry.
#
# The image is made from a Debian root filesystem created by debootstrap and
# turned into an image with `docker import`; nothing is ever pulled. If the
# image already exists it is reused (pass --force to rebuild it).
#
# Usage: build-postgres.sh [--force] [--no-cache]
#
#   --force      rebuild even if the image already exists
#   --no-cache   ignore (and do not write) the cached root filesystem tarball
#
# Environment:
#   IMAGE            image reference to build (default tenantctl-example/postgres:15)
#   DEBIAN_MIRROR    Debian mirror (default http://deb.debian.org/debian)
#   TENANTCTL_CACHE  directory for the cached rootfs tarball
#                    (default <repo>/.cache; set to "" to disable caching)
#
# Everything else is built in a temporary directory that is removed on exit.
# Must run as root (debootstrap needs it).
set -euo pipefail

IMAGE=${IMAGE:-tenantctl-example/postgres:15}
SUITE=bookworm
PG_MAJOR=15
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE_DIR=${TENANTCTL_CACHE-$REPO_ROOT/.cache}
# Bump ROOTFS_REV whenever the debootstrap/trim stage below changes, so that
# an old cached tarball is not reused.
ROOTFS_REV=2
CACHE_FILE=${CACHE_DIR:+$CACHE_DIR/postgres-$PG_MAJOR-$SUITE-rootfs-r$ROOTFS_REV.tar.gz}

force=0
for arg in "$@"; do
	case $arg in
	--force) force=1 ;;
	--no-cache) CACHE_FILE= ;;
	-h | --help)
		sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "build-postgres.sh: unknown argument: $arg" >&2
		exit 2
		;;
	esac
done

log() { printf 'build-postgres: %s\n' "$*" >&2; }

if [ "$force" = 0 ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
	log "image $IMAGE already exists, reusing it"
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	log "must run as root (debootstrap needs it)"
	exit 1
fi

if ! command -v debootstrap >/dev/null 2>&1; then
	log "installing debootstrap"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

start=$(date +%s)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tenantctl-postgres.XXXXXX")
rootfs=$tmp/rootfs

cleanup() {
	# debootstrap mounts /proc and /sys inside the target while it runs; if
	# it was interrupted they may still be mounted. Unmount anything below
	# $tmp (deepest first) before deleting it, and never cross filesystems.
	if [ -d "$tmp" ]; then
		awk -v p="$tmp/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r |
			while read -r m; do umount -l "$m" 2>/dev/null || true; done
		rm -rf --one-file-system "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------
# Stage 1: debootstrap + trim (cacheable).
# ---------------------------------------------------------------------------
make_rootfs() {
	log "debootstrap $SUITE (minbase + postgresql-$PG_MAJOR) from $MIRROR"
	debootstrap --variant=minbase --include="postgresql-$PG_MAJOR" \
		"$SUITE" "$rootfs" "$MIRROR" >"$tmp/debootstrap.log" 2>&1 || {
		tail -n 40 "$tmp/debootstrap.log" >&2
		log "debootstrap failed"
		return 1
	}

	log "trimming root filesystem"
	# The package's postinst created a default cluster (15/main) and
	# generated a snakeoil TLS key pair; neither belongs in a shared image.
	rm -rf "$rootfs/etc/postgresql/$PG_MAJOR/main" \
		"$rootfs/var/lib/postgresql/$PG_MAJOR" \
		"$rootfs/var/log/postgresql"/*
	rm -f "$rootfs/etc/ssl/private/ssl-cert-snakeoil.key" \
		"$rootfs/etc/ssl/certs/ssl-cert-snakeoil.pem"
	# Runtime-unneeded dependencies, about 190 MB: LLVM (+z3) is only used by
	# the optional JIT (postgres runs without it; jit = off is set at
	# initdb), perl only by Debian's pg_wrapper/pg_ctlcluster scripts (PATH
	# puts /usr/lib/postgresql/15/bin first, so psql, pg_isready, initdb
	# and pg_ctl are the real binaries), locales only by locale-gen (C.UTF-8
	# ships with libc-bin). Purged with --force-depends so that dpkg's
	# database stays truthful; `apt-get -f install` would restore them.
	chroot "$rootfs" dpkg --purge --force-depends \
		libllvm14 libz3-4 perl libperl5.36 perl-modules-5.36 locales libc-l10n \
		>>"$tmp/debootstrap.log" 2>&1
	rm -rf "$rootfs/usr/lib/postgresql/$PG_MAJOR/lib/bitcode" \
		"$rootfs/usr/lib/postgresql/$PG_MAJOR/lib/llvmjit.so" \
		"$rootfs/usr/lib/postgresql/$PG_MAJOR/lib/llvmjit_types.bc" \
		"$rootfs/usr/share/i18n"
	# Documentation, manuals, translations and package caches.
	rm -rf "$rootfs/usr/share/doc"/* \
		"$rootfs/usr/share/man"/* \
		"$rootfs/usr/share/info"/* \
		"$rootfs/usr/share/lintian" \
		"$rootfs/usr/share/postgresql/$PG_MAJOR/man" \
		"$rootfs/var/cache/apt"/* \
		"$rootfs/var/lib/apt/lists"/* \
		"$rootfs/var/cache/debconf"/*-old \
		"$rootfs/var/log"/*.log \
		"$rootfs/var/log/apt"/* \
		"$rootfs/tmp"/* "$rootfs/var/tmp"/*
	find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias \
		-exec rm -rf {} + 2>/dev/null || true
	# Locales other than C / C.UTF-8 (C.utf8 lives in /usr/lib/locale).
	find "$rootfs/usr/lib/locale" -mindepth 1 -maxdepth 1 ! -name 'C.*' \
		-exec rm -rf {} + 2>/dev/null || true
	# Keep dpkg from reinstalling docs if someone apt-installs into the image.
	mkdir -p "$rootfs/etc/dpkg/dpkg.cfg.d"
	cat >"$rootfs/etc/dpkg/dpkg.cfg.d/01-tenantctl-nodoc" <<-'EOF'
		path-exclude=/usr/share/doc/*
		path-exclude=/usr/share/man/*
		path-exclude=/usr/share/info/*
		path-exclude=/usr/share/locale/*
		path-include=/usr/share/locale/locale.alias
	EOF
	# Docker provides these at run time.
	: >"$rootfs/etc/resolv.conf"
	: >"$rootfs/etc/hostname"
	: >"$rootfs/etc/machine-id"
	rm -rf "$rootfs/dev"/* "$rootfs/proc"/* "$rootfs/sys"/* 2>/dev/null || true
}

if [ -n "$CACHE_FILE" ] && [ -s "$CACHE_FILE" ]; then
	log "using cached root filesystem $CACHE_FILE"
	mkdir -p "$rootfs"
	tar -C "$rootfs" --numeric-owner -xpzf "$CACHE_FILE"
else
	make_rootfs
	if [ -n "$CACHE_FILE" ]; then
		log "caching root filesystem in $CACHE_FILE"
		mkdir -p "$CACHE_DIR"
		tar -C "$rootfs" --numeric-owner -czf "$CACHE_FILE.tmp.$$" .
		mv -f "$CACHE_FILE.tmp.$$" "$CACHE_FILE"
		# Drop tarballs of older revisions.
		find "$CACHE_DIR" -maxdepth 1 -name "postgres-$PG_MAJOR-$SUITE-rootfs-r*.tar.gz" \
			! -name "${CACHE_FILE##*/}" -delete
	fi
fi

# ---------------------------------------------------------------------------
# Stage 2: image configuration (always applied, cheap).
# ---------------------------------------------------------------------------
pg_uid=$(chroot "$rootfs" id -u postgres)
pg_gid=$(chroot "$rootfs" id -g postgres)
log "postgres user is uid $pg_uid gid $pg_gid"

# Data directory: exists in the image owned by postgres, mode 0700, so a new
# named volume mounted there is copied up with that owner and mode.
install -d -o "$pg_uid" -g "$pg_gid" -m 0700 "$rootfs/var/lib/postgresql/data"
chown "$pg_uid:$pg_gid" "$rootfs/var/lib/postgresql"
# Socket directory (Debian's libpq default) writable by postgres.
install -d -o "$pg_uid" -g "$pg_gid" -m 2775 "$rootfs/run/postgresql"
install -d -m 0755 "$rootfs/docker-entrypoint-initdb.d"

cat >"$rootfs/usr/local/bin/docker-entrypoint.sh" <<'ENTRYPOINT'
#!/bin/bash
# docker-entrypoint.sh - entrypoint of tenantctl-example/postgres.
#
# First start (no PG_VERSION in $PGDATA): initdb with superuser
# $POSTGRES_USER (default postgres) and password $POSTGRES_PASSWORD
# (required), scram-sha-256 for TCP, peer for the unix socket; then a
# temporary server listening only on the unix socket creates $POSTGRES_DB
# (default $POSTGRES_USER) and runs /docker-entrypoint-initdb.d/*.sql|*.sh.
# An interrupted initialisation is resumed on the next start.
# Only then is the real server started, so "accepts TCP" means "initialised".
# Later starts just exec postgres.
set -Eeuo pipefail

: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA
SOCKDIR=/run/postgresql
PENDING=$PGDATA/tenantctl-init.pending

log() { printf '%s docker-entrypoint: %s\n' "$(date -u +%FT%TZ)" "$*" >&2; }

# `docker run IMAGE -c foo=bar` means `postgres -c foo=bar`.
if [ "${1:-}" != "" ] && [ "${1:0:1}" = '-' ]; then
	set -- postgres "$@"
fi
if [ "${1:-}" != postgres ]; then
	exec "$@"
fi

if [ "$(id -u)" = 0 ]; then
	log "refusing to run as root; this image runs as the postgres user"
	exit 1
fi

init_pending() { [ ! -s "$PGDATA/PG_VERSION" ] || [ -e "$PENDING" ]; }

tmp_server=0
stop_temp_server() {
	if [ "$tmp_server" = 1 ]; then
		pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
		tmp_server=0
	fi
}

# on_signal runs when `docker stop` (SIGINT, the image's STOPSIGNAL) or
# SIGTERM arrives during initialisation. Bash runs it only after the current
# command (initdb, pg_ctl, psql) has finished, so once PG_VERSION exists the
# cluster is complete: mark it pending so the next start resumes.
on_signal() {
	if [ -s "$PGDATA/PG_VERSION" ]; then
		: >"$PENDING"
	fi
	stop_temp_server
	log "interrupted during initialisation; it resumes on the next start"
	exit 1
}

if init_pending; then
	POSTGRES_USER=${POSTGRES_USER:-postgres}
	POSTGRES_DB=${POSTGRES_DB:-$POSTGRES_USER}
	if [ -z "${POSTGRES_PASSWORD:-}" ]; then
		log "POSTGRES_PASSWORD must be set to initialise a new database"
		exit 1
	fi
	trap on_signal INT TERM
	trap stop_temp_server EXIT

	if [ ! -s "$PGDATA/PG_VERSION" ]; then
		mkdir -p "$PGDATA"
		chmod 0700 "$PGDATA" 2>/dev/null || true
		log "initialising database cluster in $PGDATA (superuser $POSTGRES_USER)"
		# The password reaches initdb through a pipe (/dev/fd/N): it is
		# never written to disk nor put on a command line.
		initdb -D "$PGDATA" --username="$POSTGRES_USER" \
			--pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
			--encoding=UTF8 --locale=C.UTF-8 \
			--auth-local=peer --auth-host=scram-sha-256 >/dev/null
		: >"$PENDING"
	else
		log "resuming an interrupted initialisation"
	fi

	# Configuration (idempotent, so a resumed initialisation redoes it).
	cat >"$PGDATA/pg_hba.conf" <<-EOF
		# TYPE  DATABASE  USER  ADDRESS     METHOD
		# Unix socket: the postgres OS user may connect as itself or as
		# the superuser $POSTGRES_USER (see pg_ident.conf), without password.
		local   all       all               peer map=local
		# TCP: password (SCRAM) only.
		host    all       all   0.0.0.0/0   scram-sha-256
		host    all       all   ::/0        scram-sha-256
	EOF
	{
		echo "# MAPNAME  SYSTEM-USERNAME  PG-USERNAME"
		echo "local      postgres         postgres"
		[ "$POSTGRES_USER" = postgres ] || echo "local      postgres         $POSTGRES_USER"
	} >"$PGDATA/pg_ident.conf"
	if ! grep -q '^# tenantctl-example settings' "$PGDATA/postgresql.conf"; then
		cat >>"$PGDATA/postgresql.conf" <<-EOF

			# tenantctl-example settings
			listen_addresses = '*'
			unix_socket_directories = '$SOCKDIR'
			password_encryption = scram-sha-256
			jit = off
		EOF
	fi

	log "starting temporary server (unix socket only)"
	tmp_server=1
	if ! pg_ctl -D "$PGDATA" -w -t 60 -l "$PGDATA/tenantctl-init.log" \
		-o "-c listen_addresses='' -c unix_socket_directories=$SOCKDIR" start >/dev/null; then
		cat "$PGDATA/tenantctl-init.log" >&2 || true
		log "temporary server failed to start"
		exit 1
	fi

	psql=(psql -X -q -v ON_ERROR_STOP=1 -h "$SOCKDIR" -U "$POSTGRES_USER" --no-password)
	"${psql[@]}" -d postgres -v db="$POSTGRES_DB" <<-'EOF'
		SELECT format('CREATE DATABASE %I', :'db')
		WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db')\gexec
	EOF
	# Scripts may run again if an initialisation is interrupted and
	# resumed: keep them idempotent.
	for f in /docker-entrypoint-initdb.d/*; do
		case $f in
		*.sql) log "running $f"; "${psql[@]}" -d "$POSTGRES_DB" -f "$f" ;;
		*.sh) log "running $f"; . "$f" ;;
		*) ;;
		esac
	done

	stop_temp_server
	rm -f "$PGDATA/tenantctl-init.log" "$PENDING"
	trap - INT TERM EXIT
	log "initialisation complete (database $POSTGRES_DB)"
fi

unset POSTGRES_PASSWORD
exec "$@"
ENTRYPOINT
chmod 0755 "$rootfs/usr/local/bin/docker-entrypoint.sh"

# `docker import` cannot set STOPSIGNAL, so the rootfs is imported under a
# temporary tag and a metadata-only build on top of it (no FROM pull: the
# base is local) adds STOPSIGNAL SIGINT. postgres treats SIGINT as "fast
# shutdown"; SIGTERM would be "smart shutdown", which waits for every client
# (e.g. the app's idle pool connections) to disconnect until Docker's stop
# timeout kills it.
import_tag="$IMAGE-import.$$"
old_id=$(docker image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)
log "importing root filesystem as $import_tag"
tar -C "$rootfs" --numeric-owner -c . | docker import \
	--change 'ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
	--change 'ENV PGDATA=/var/lib/postgresql/data' \
	--change 'ENV LANG=C.UTF-8' \
	--change 'USER postgres' \
	--change 'WORKDIR /var/lib/postgresql' \
	--change 'EXPOSE 5432' \
	--change 'LABEL tenantctl.example=true' \
	--change 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
	--change 'CMD ["postgres"]' \
	--message "tenantctl example PostgreSQL $PG_MAJOR ($SUITE, debootstrap)" \
	- "$import_tag" >/dev/null

# docker_build runs `docker build` with BuildKit when the buildx plugin is
# installed and with the classic builder otherwise (the docker CLI >= 23
# needs buildx for BuildKit). An explicit DOCKER_BUILDKIT wins.
docker_build() {
	if [ -n "${DOCKER_BUILDKIT:-}" ]; then
		docker build "$@"
	elif docker buildx version >/dev/null 2>&1; then
		DOCKER_BUILDKIT=1 docker build "$@"
	else
		DOCKER_BUILDKIT=0 docker build "$@"
	fi
}

mkdir -p "$tmp/meta"
printf 'FROM %s\nSTOPSIGNAL SIGINT\nLABEL tenantctl.example=true\n' "$import_tag" >"$tmp/meta/Dockerfile"
log "adding STOPSIGNAL and tagging $IMAGE"
if ! docker_build -q -t "$IMAGE" "$tmp/meta" >"$tmp/build.log" 2>&1; then
	cat "$tmp/build.log" >&2
	docker rmi "$import_tag" >/dev/null 2>&1 || true
	log "docker build failed"
	exit 1
fi
docker rmi "$import_tag" >/dev/null
new_id=$(docker image inspect -f '{{.Id}}' "$IMAGE")
if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then
	# Rebuild (--force): drop the previous image if nothing uses it.
	docker rmi "$old_id" >/dev/null 2>&1 || true
fi

log "built $IMAGE in $(($(date +%s) - start))s ($(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}'))"
