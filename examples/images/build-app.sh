#!/usr/bin/env bash
# build-app.sh - build the example app image tenantctl-example/app:VERSION for
# each VERSION given, locally and with no image registry (FROM scratch).
#
# Usage: build-app.sh [--force] VERSION...
#
#   --force   rebuild even if the image already exists
#
# An existing image is reused when its label tenantctl.example.source matches
# a hash of the app's sources (examples/app without tests, and go.sum), so a
# change to the app rebuilds it without --force. Otherwise the static binary
# is built with
#   CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=VERSION"
# into a temporary build context together with examples/app/Dockerfile, and
# `docker build` makes the image. BuildKit is used when the buildx plugin is
# installed; without it (docker CLI >= 23 needs buildx for BuildKit) the
# classic builder is used via DOCKER_BUILDKIT=0. An explicit DOCKER_BUILDKIT
# in the environment wins.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
REPOSITORY=${REPOSITORY:-tenantctl-example/app}

log() { printf 'build-app: %s\n' "$*" >&2; }

force=0
versions=()
for arg in "$@"; do
	case $arg in
	--force) force=1 ;;
	-h | --help)
		sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	-*)
		log "unknown option: $arg"
		exit 2
		;;
	*)
		# A Docker tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
		if ! [[ $arg =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]]; then
			log "invalid version (not a valid image tag): $arg"
			exit 2
		fi
		versions+=("$arg")
		;;
	esac
done
if [ "${#versions[@]}" = 0 ]; then
	log "usage: build-app.sh [--force] VERSION..."
	exit 2
fi

docker_build() {
	if [ -n "${DOCKER_BUILDKIT:-}" ]; then
		docker build "$@"
	elif docker buildx version >/dev/null 2>&1; then
		DOCKER_BUILDKIT=1 docker build "$@"
	else
		DOCKER_BUILDKIT=0 docker build "$@"
	fi
}

# The hash of everything the image is made of, test files left out.
source_hash() {
	cd "$REPO_ROOT"
	{
		find examples/app -type f ! -name '*_test.go' -print
		echo go.sum
	} | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16
}
source=$(source_hash)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tenantctl-app.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

for v in "${versions[@]}"; do
	image=$REPOSITORY:$v
	have=$(docker image inspect -f '{{index .Config.Labels "tenantctl.example.source"}}' "$image" 2>/dev/null || true)
	if [ "$force" = 0 ] && [ "$have" = "$source" ]; then
		log "image $image is up to date (source $source), reusing it"
		continue
	fi
	ctx=$tmp/$v
	mkdir -p "$ctx"
	log "building binary version $v"
	(cd "$REPO_ROOT" && CGO_ENABLED=0 GOOS=linux go build -trimpath \
		-ldflags "-s -w -X main.version=$v" -o "$ctx/app" ./examples/app)
	cp "$REPO_ROOT/examples/app/Dockerfile" "$ctx/Dockerfile"
	old_id=$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)
	log "building image $image"
	if ! docker_build -q --build-arg "VERSION=$v" --build-arg "SOURCE=$source" -t "$image" "$ctx" >"$tmp/build-$v.log" 2>&1; then
		cat "$tmp/build-$v.log" >&2
		log "docker build of $image failed"
		exit 1
	fi
	new_id=$(docker image inspect -f '{{.Id}}' "$image")
	if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then
		docker rmi "$old_id" >/dev/null 2>&1 || true
	fi
	log "built $image ($(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.1f MB", $1/1e6}'))"
done
