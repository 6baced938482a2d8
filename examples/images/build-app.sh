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
# shellcheck source=examples/images/lib.sh
. "$REPO_ROOT/examples/images/lib.sh"

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
		if ! valid_tag "$arg"; then
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

source=$(source_hash examples/app go.sum)

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
	build_image "$image" "$ctx" "VERSION=$v" "SOURCE=$source"
done
