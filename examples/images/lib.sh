# lib.sh - what the image build scripts share; sourced, not run. The caller
# sets REPO_ROOT and defines log().

# valid_tag reports whether $1 is a Docker tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
valid_tag() { [[ $1 =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]]; }

# docker_build runs docker build with BuildKit when the buildx plugin is
# installed, with the classic builder otherwise (docker CLI >= 23 needs
# buildx for BuildKit); an explicit DOCKER_BUILDKIT wins.
docker_build() {
	if [ -n "${DOCKER_BUILDKIT:-}" ]; then
		docker build "$@"
	elif docker buildx version >/dev/null 2>&1; then
		DOCKER_BUILDKIT=1 docker build "$@"
	else
		DOCKER_BUILDKIT=0 docker build "$@"
	fi
}

# source_hash prints a short hash of the files under the given paths
# (relative to REPO_ROOT), test files left out: an image labelled with it
# is rebuilt when what it is made of changes.
source_hash() {
	(
		cd "$REPO_ROOT"
		find "$@" -type f ! -name '*_test.go' -print | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16
	)
}

# build_image IMAGE CONTEXT [BUILD ARG...] builds IMAGE from the prepared
# CONTEXT with the given --build-arg values, removes the image it replaces
# and logs its size. Build output is shown only when the build fails.
build_image() {
	local image=$1 ctx=$2 old_id new_id out args=()
	shift 2
	for a in "$@"; do args+=(--build-arg "$a"); done
	old_id=$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)
	log "building image $image"
	if ! out=$(docker_build -q "${args[@]}" -t "$image" "$ctx" 2>&1); then
		printf '%s\n' "$out" >&2
		log "docker build of $image failed"
		exit 1
	fi
	new_id=$(docker image inspect -f '{{.Id}}' "$image")
	if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then
		docker rmi "$old_id" >/dev/null 2>&1 || true
	fi
	log "built $image ($(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.1f MB", $1/1e6}'))"
}
