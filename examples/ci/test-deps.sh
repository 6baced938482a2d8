#!/usr/bin/env bash
# test-deps.sh - install what `make test` needs on a Debian machine and make
# sure the Docker engine answers. `make deps` runs it; `make test` and
# `make integration` depend on it.
#
# It checks first and changes nothing when everything is there, so it is
# quick to run every time: apt-get runs (update, then install) only for
# what is missing, and dockerd is started only when the engine does not
# answer. Installing and starting dockerd need root.
#
# What the tests need, and why:
#   openssh-server, openssh-client, iproute2, util-linux (nsenter)
#                       the SSH tests' second host (provisioner/testpeer):
#                       a dockerd and an sshd in a network namespace
#   curl                the SSH tests look at the second host's ports with it;
#                       the benchmark's plain script uses it
#   debootstrap         `make images` builds the PostgreSQL image with it
#   chromium, fonts-dejavu-core
#                       the dashboard's browser test
#   docker.io           only when there is no Docker at all
set -euo pipefail

log() { echo "deps: $*" >&2; }

have() { command -v "$1" >/dev/null 2>&1; }

need=()
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
have ssh-keygen || need+=(openssh-client)
have ip || need+=(iproute2)
have nsenter || need+=(util-linux)
have curl || need+=(curl)
have debootstrap || need+=(debootstrap)
have chromium || have chromium-browser || have google-chrome || need+=(chromium fonts-dejavu-core)
have docker || have dockerd || need+=(docker.io)

if [ ${#need[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		log "missing: ${need[*]}; run \`make deps\` as root (or apt-get install ${need[*]})"
		exit 1
	fi
	if ! have apt-get; then
		log "missing: ${need[*]}; this script installs with apt-get (Debian, Ubuntu): install them yourself"
		exit 1
	fi
	log "installing ${need[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

if ! docker version >/dev/null 2>&1; then
	if [ "$(id -u)" -ne 0 ] || ! have dockerd; then
		log "the Docker engine does not answer (docker version): start it, or run \`make deps\` as root"
		exit 1
	fi
	log "starting the Docker engine (log: /tmp/dockerd.log)"
	(dockerd >/tmp/dockerd.log 2>&1 &)
	for _ in $(seq 60); do
		docker version >/dev/null 2>&1 && break
		sleep 1
	done
	if ! docker version >/dev/null 2>&1; then
		log "dockerd did not answer within 60s; the end of /tmp/dockerd.log:"
		tail -n 20 /tmp/dockerd.log >&2
		exit 1
	fi
fi
log "all there; Docker engine $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"
