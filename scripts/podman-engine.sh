#!/usr/bin/env bash
# Give this project Podman as a second engine on a Debian machine with root and no container
# registry: Debian's podman, a containers.conf drop-in that lets `podman run` start containers
# here, and the Docker engine's debian:bookworm-slim base image loaded into Podman's own store.
# scripts/docker-engine.sh runs it after making the base image (step 5). Podman has no daemon,
# so there is nothing to stop again.
set -euo pipefail

readonly PROG="podman-engine"
# shellcheck source=scripts/docker-engine-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/docker-engine-common.sh"
readonly PACKAGE="podman"
readonly IMAGE="debian:bookworm-slim"
# Podman names a short name it loads localhost/NAME; the Dockerfiles' FROM debian:bookworm-slim
# resolves to Docker Hub's full name, which is what the image is tagged as.
readonly PODMAN_IMAGE="docker.io/library/${IMAGE}"
readonly LOADED_NAME="localhost/${IMAGE}"

SETUP_LOG="${DOCKER_ENGINE_LOG:-/tmp/staged-build-docker-engine.log}"
DOCKER="${DOCKER_ENGINE_DOCKER:-/usr/bin/docker}"
# A system drop-in (podman 4.3 reads /etc/containers/containers.conf.d/*.conf), so that the
# generated driver works without the user exporting CONTAINERS_CONF.
CONF_DIR="${PODMAN_ENGINE_CONF_DIR:-/etc/containers/containers.conf.d}"
CONF_FILE="${CONF_DIR}/staged-build.conf"

usage() {
  cat <<EOF
Usage: $(basename "$0") [--help]

Make Podman a second engine on this Debian machine (root, no registry), for the tests that build
the example with DOCKER=podman (test/e2e/podman.test.ts):
  1. package: apt-get install ${PACKAGE} (Debian's podman 4.3), unless installed
  2. config:  write ${CONF_FILE}:
              [containers] default_ulimits = [] (otherwise 'podman run' fails here with
              "error setting rlimit type 7: operation not permitted"), and
              [engine] events_logfile_max_size = "100m" (at the default 1m, Podman rotates its
              events log often, and a rotation during test_ci_mode.sh's watch loses events);
              unchanged when present
  3. image:   '${DOCKER} save ${IMAGE} | podman load' and tag it ${PODMAN_IMAGE},
              unless Podman's store has that image with the Docker engine's image ID
              (scripts/docker-engine.sh makes ${IMAGE} first; no registry is reachable)

Idempotent: when everything is present it does nothing. Podman has no daemon: nothing keeps
running, and nothing needs stopping.

Environment:
  DOCKER_ENGINE_DOCKER     docker client to save the base image with (default /usr/bin/docker)
  DOCKER_ENGINE_LOG        apt/podman load output (default /tmp/staged-build-docker-engine.log)
  PODMAN_ENGINE_CONF_DIR   containers.conf drop-in folder (default /etc/containers/containers.conf.d)
EOF
}

# --- step 1: package ----------------------------------------------------------

ensure_package() {
  ensure_apt_package "$PACKAGE" "install Podman yourself"
}

# --- step 2: config -----------------------------------------------------------

conf_text() {
  printf '%s\n' \
    '# Written by staged-build scripts/podman-engine.sh. Without it, podman run fails on this kind of' \
    '# machine with "error setting rlimit type 7: operation not permitted" (the default ulimits).' \
    '[containers]' \
    'default_ulimits = []' \
    '# Podman rotates its events log at events_logfile_max_size (default 1m), and a "podman events"' \
    '# follower loses events across a rotation: test_ci_mode.sh'"'"'s watch would miss containers.' \
    '[engine]' \
    'events_logfile_max_size = "100m"'
}

ensure_config() {
  if [[ -f "$CONF_FILE" && "$(cat "$CONF_FILE")" == "$(conf_text)" ]]; then
    log "config: $CONF_FILE already present"
    return 0
  fi
  [[ -w "$CONF_DIR" || (! -e "$CONF_DIR" && "$(id -u)" -eq 0) ]] ||
    die "cannot write $CONF_FILE; rerun $(basename "$0") as root, or set PODMAN_ENGINE_CONF_DIR"
  mkdir -p "$CONF_DIR"
  conf_text >"$CONF_FILE"
  log "config: wrote $CONF_FILE (default_ulimits = [], events_logfile_max_size = \"100m\")"
}

# A container that starts and exits proves the configuration (and the image).
check_run() {
  local output
  if ! output="$(podman run --rm --network none "$PODMAN_IMAGE" true 2>&1)"; then
    die "'podman run --rm $PODMAN_IMAGE true' fails: ${output%%$'\n'*}; check $CONF_FILE (CONTAINERS_CONF overrides it) and rerun"
  fi
}

# --- step 3: base image -------------------------------------------------------

# image_id CLIENT...: the ID (no sha256: prefix) of IMAGE_REF in that client's store; '' when absent.
image_id() {
  local id
  id="$("$@" image inspect --format '{{.Id}}' "$IMAGE_REF" 2>/dev/null)" || return 0
  printf '%s' "${id#sha256:}"
}

ensure_image() {
  local start docker_id podman_id
  start="$(now_us)"
  [[ -x "$DOCKER" ]] || DOCKER="$(command -v docker || true)"
  [[ -n "$DOCKER" ]] || die "no docker client found to save $IMAGE from; install docker.io or set DOCKER_ENGINE_DOCKER"
  docker_id="$(IMAGE_REF="$IMAGE" image_id "$DOCKER")"
  [[ -n "$docker_id" ]] || die "the Docker engine has no $IMAGE to load into Podman; run scripts/docker-engine.sh first"
  podman_id="$(IMAGE_REF="$PODMAN_IMAGE" image_id podman)"
  if [[ "$podman_id" == "$docker_id" ]]; then
    log "image: $PODMAN_IMAGE already in Podman's store (${docker_id:0:12})"
    return 0
  fi
  log "image: loading $IMAGE (${docker_id:0:12}) from the Docker engine into Podman's store"
  printf '\n=== %s: %s save %s | podman load\n' "$(date -Is)" "$DOCKER" "$IMAGE" >>"$SETUP_LOG"
  if ! "$DOCKER" save "$IMAGE" | podman load >>"$SETUP_LOG" 2>&1; then
    printf 'error: %s save %s | podman load failed; see %s (last lines below), fix the cause and rerun\n' "$DOCKER" "$IMAGE" "$SETUP_LOG" >&2
    tail -n 20 "$SETUP_LOG" >&2
    exit 1
  fi
  podman tag "$docker_id" "$PODMAN_IMAGE"
  # Only the one name the Dockerfiles resolve: the name podman load gave goes again.
  podman untag "$docker_id" "$LOADED_NAME" >/dev/null 2>&1 || true
  log "image: $PODMAN_IMAGE loaded in $(elapsed "$start")"
}

main() {
  parse_args "$@"
  local start
  start="$(now_us)"
  ensure_package
  ensure_config
  ensure_image
  check_run
  log "ready in $(elapsed "$start"): $(podman --version), image $PODMAN_IMAGE present, 'podman run' works"
}

main "$@"
