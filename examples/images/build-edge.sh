#!/usr/bin/env bash
# build-edge.sh - build the edge proxy image tenantctl/edge:VERSION locally,
# with no image registry (FROM scratch).
#
# Usage: build-edge.sh [--force] [VERSION]
#
#   VERSION   image tag and binary version; default: edge.Version from
#             provisioner/edge/version.go
#   --force   rebuild even if an up-to-date image exists
#
# An existing image is reused when its label tenantctl.edge.source matches
# a hash of the proxy's sources (provisioner/edge, cmd/tenantctl-edge,
# go.mod, go.sum), so a changed proxy is rebuilt without --force. The
# static binary is built with
#   CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "-s -w -X main.version=VERSION"
# into a temporary build context with cmd/tenantctl-edge/Dockerfile. As in
# build-app.sh, BuildKit is used when the buildx plugin is installed, the
# classic builder otherwise; an explicit DOCKER_BUILDKIT wins.
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
REPOSITORY=${REPOSITORY:-tenantctl/edge}

log() { printf 'build-edge: %s\n' "$*" >&2; }
# shellcheck source=examples/images/lib.sh
. "$REPO_ROOT/examples/images/lib.sh"

force=0
version=
for arg in "$@"; do
	case $arg in
	--force) force=1 ;;
	-h | --help)
		sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	-*)
		log "unknown option: $arg"
		exit 2
		;;
	*)
		if [ -n "$version" ]; then
			log "usage: build-edge.sh [--force] [VERSION]"
			exit 2
		fi
		if ! valid_tag "$arg"; then
			log "invalid version (not a valid image tag): $arg"
			exit 2
		fi
		version=$arg
		;;
	esac
done
if [ -z "$version" ]; then
	version=$(sed -n 's/^const Version = "\(.*\)"$/\1/p' "$REPO_ROOT/provisioner/edge/version.go")
	if [ -z "$version" ]; then
		log "cannot read Version from provisioner/edge/version.go"
		exit 1
	fi
fi
image=$REPOSITORY:$version

source=$(source_hash provisioner/edge cmd/tenantctl-edge go.mod go.sum)

if [ "$force" = 0 ]; then
	have=$(docker image inspect -f '{{index .Config.Labels "tenantctl.edge.source"}}' "$image" 2>/dev/null || true)
	if [ "$have" = "$source" ]; then
		log "image $image is up to date (source $source), reusing it"
		exit 0
	fi
	if [ -n "$have" ]; then
		log "image $image was built from other sources ($have), rebuilding"
	fi
fi

ctx=$(mktemp -d "${TMPDIR:-/tmp}/tenantctl-edge.XXXXXX")
trap 'rm -rf "$ctx"' EXIT
trap 'exit 130' INT TERM

log "building binary version $version"
(cd "$REPO_ROOT" && CGO_ENABLED=0 GOOS=linux go build -trimpath \
	-ldflags "-s -w -X main.version=$version" -o "$ctx/tenantctl-edge" ./cmd/tenantctl-edge)
cp "$REPO_ROOT/cmd/tenantctl-edge/Dockerfile" "$ctx/Dockerfile"
mkdir "$ctx/data"
build_image "$image" "$ctx" "VERSION=$version" "SOURCE=$source"
