#!/usr/bin/env bash
# Give this project a real Docker engine on a Debian machine with root and no
# container registry: Debian's docker.io, a dockerd started by hand, and a
# debian:bookworm-slim base image made with debootstrap + docker import.
# Stop the engine again with scripts/docker-engine-stop.sh.
set -euo pipefail

readonly PROG="docker-engine"
# shellcheck source=scripts/docker-engine-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/docker-engine-common.sh"
readonly SUITE="bookworm"
readonly IMAGE="debian:${SUITE}-slim"
readonly LOCAL_IMAGE="local/debian:${SUITE}-slim"
readonly IMAGE_LABEL="org.opencontainers.image.source=staged-build/docker-engine.sh"
# The tests lint every generated script with shellcheck (npx projen test).
readonly PACKAGES=(ca-certificates docker.io debootstrap shellcheck)

DOCKER="${DOCKER_ENGINE_DOCKER:-/usr/bin/docker}"
DOCKERD_LOG="${DOCKER_ENGINE_DOCKERD_LOG:-/tmp/dockerd.log}"
SETUP_LOG="${DOCKER_ENGINE_LOG:-/tmp/staged-build-docker-engine.log}"
START_TIMEOUT="${DOCKER_ENGINE_START_TIMEOUT:-60}"
CONTAINERD_PID_FILE="/var/run/docker/containerd/containerd.pid"

ROOTFS=""        # temporary debootstrap target, removed on exit
ENGINE_STATE=""  # "already running" or "started (pid N)", for the summary
REGISTRY_STATE="" # where the registry answers, for the summary
PODMAN_STATE=""   # whether Podman is prepared, for the summary

usage() {
  cat <<EOF
Usage: $(basename "$0") [--help]

Make a real Docker engine, and what the tests need, available on this Debian
machine (root, no registry), so that 'npx projen test' runs everything:
  1. packages: apt-get install ${PACKAGES[*]} (only what is missing;
               shellcheck is what the tests lint the generated scripts with)
  2. engine:   start dockerd by hand unless '${DOCKER} info' already answers;
               its PID and start time go to ${PID_FILE}
               (scripts/docker-engine-stop.sh with the same state folder stops it again)
  3. image:    build ${IMAGE} with debootstrap from the host's Debian mirror
               and docker import, unless it is present
  4. registry: scripts/registry.sh: a real registry on loopback (\$STAGED_BUILD_REGISTRY,
               default 127.0.0.1:5000) for the publishing tests; its state folder is
               \$REGISTRY_STATE_DIR (scripts/registry-stop.sh stops it again)
  5. podman:   scripts/podman-engine.sh: Podman as a second engine (apt-get install podman, a
               containers.conf drop-in, ${IMAGE} loaded into its store; ~15 s the first
               time, under 1 s again), for test/e2e/podman.test.ts; DOCKER_ENGINE_PODMAN=0 skips it

Idempotent: when everything is present it does nothing. An engine that was
already running is left alone and not recorded, so the stop script keeps it.

Environment:
  DOCKER_ENGINE_DOCKER         docker client to use      (default /usr/bin/docker)
  DOCKER_ENGINE_STATE_DIR      state folder of the engine it starts (default: one per checkout, in /tmp)
  DOCKER_ENGINE_DOCKERD_LOG    dockerd output            (default /tmp/dockerd.log)
  DOCKER_ENGINE_LOG            apt/debootstrap output    (default /tmp/staged-build-docker-engine.log)
  DOCKER_ENGINE_START_TIMEOUT  seconds to wait for dockerd (default 60)
  DOCKER_ENGINE_MIRROR         Debian mirror for debootstrap (default: from the host's apt sources)
  DOCKER_ENGINE_PODMAN         1 = also prepare Podman (step 5), 0 = do not (default 1)
EOF
}

cleanup() {
  [[ -n "$ROOTFS" && -d "$ROOTFS" ]] || return 0
  # debootstrap mounts proc/sys inside the target; never delete through them.
  local mnt
  while read -r mnt; do
    umount -l "$mnt" 2>/dev/null || true
  done < <(awk -v root="$ROOTFS" 'index($2, root "/") == 1 { print $2 }' /proc/mounts | sort -r)
  rm -rf --one-file-system "$ROOTFS"
}

# Runs a command with its output appended to SETUP_LOG; on failure prints the
# log's tail and stops.
run_logged() {
  local what="$1"
  shift
  printf '\n=== %s: %s\n' "$(date -Is)" "$*" >>"$SETUP_LOG"
  if ! "$@" >>"$SETUP_LOG" 2>&1 </dev/null; then
    printf 'error: %s failed; see %s (last lines below), fix the cause and rerun\n' "$what" "$SETUP_LOG" >&2
    tail -n 20 "$SETUP_LOG" >&2
    exit 1
  fi
}

is_root() { [[ "$(id -u)" -eq 0 ]]; }

is_debian() { [[ -f /etc/debian_version ]]; }

# The client used for everything: the Debian one, else whatever is on PATH.
docker_client() {
  if [[ -x "$DOCKER" ]]; then
    printf '%s' "$DOCKER"
  else
    command -v docker || true
  fi
}

engine_reachable() {
  local client
  client="$(docker_client)"
  [[ -n "$client" ]] && "$client" info >/dev/null 2>&1
}

# --- step 1: packages ---------------------------------------------------------

missing_packages() {
  local pkg
  for pkg in "${PACKAGES[@]}"; do
    if [[ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" != "installed" ]]; then
      printf '%s\n' "$pkg"
    fi
  done
}

ensure_packages() {
  local start missing
  start="$(now_us)"
  mapfile -t missing < <(missing_packages)
  if [[ "${#missing[@]}" -eq 0 ]]; then
    log "packages: ${PACKAGES[*]} already installed"
    return 0
  fi
  log "packages: installing ${missing[*]} (output in $SETUP_LOG)"
  export DEBIAN_FRONTEND=noninteractive
  run_logged "apt-get update" apt-get update
  run_logged "apt-get install ${missing[*]}" \
    apt-get install -y --no-install-recommends "${missing[@]}"
  log "packages: installed ${missing[*]} in $(elapsed "$start")"
}

# --- step 2: engine -----------------------------------------------------------

remove_stale_system_pid_file() {
  [[ -f "$SYSTEM_PID_FILE" ]] || return 0
  local pid
  pid="$(cat "$SYSTEM_PID_FILE" 2>/dev/null || true)"
  if ! is_live_dockerd "$pid"; then
    log "engine: removing stale $SYSTEM_PID_FILE (pid ${pid:-?} is no dockerd)"
    rm -f "$SYSTEM_PID_FILE"
  fi
}

# dockerd reuses the containerd its PID file names if kill -0 succeeds, which
# it also does for a zombie left by a killed dockerd; it then times out waiting
# for that containerd's socket. Remove such a PID file so a fresh one starts.
remove_stale_containerd_pid_file() {
  [[ -f "$CONTAINERD_PID_FILE" ]] || return 0
  local pid
  pid="$(cat "$CONTAINERD_PID_FILE" 2>/dev/null || true)"
  if ! is_alive "$pid"; then
    log "engine: removing stale $CONTAINERD_PID_FILE (pid ${pid:-?} is not running)"
    rm -f "$CONTAINERD_PID_FILE"
  fi
}

# Waits until the engine answers; on failure (PID exited, or no answer within
# START_TIMEOUT) prints the error with dockerd's log tail and returns 1.
wait_for_engine() {
  local pid="$1" deadline
  deadline=$((SECONDS + START_TIMEOUT))
  until "$DOCKER" info >/dev/null 2>&1; do
    if ! is_alive "$pid"; then
      printf 'error: dockerd (pid %s) exited before answering; see %s (last lines below), fix the cause and rerun\n' "$pid" "$DOCKERD_LOG" >&2
      tail -n 20 "$DOCKERD_LOG" >&2 || true
      return 1
    fi
    if ((SECONDS >= deadline)); then
      printf 'error: dockerd (pid %s) did not answer within %ss; see %s (last lines below), or raise DOCKER_ENGINE_START_TIMEOUT\n' "$pid" "$START_TIMEOUT" "$DOCKERD_LOG" >&2
      tail -n 20 "$DOCKERD_LOG" >&2 || true
      return 1
    fi
    sleep 0.2
  done
}

start_dockerd() {
  local start pid
  start="$(now_us)"
  [[ -x "$DOCKER" ]] || die "docker client $DOCKER not found; install docker.io or set DOCKER_ENGINE_DOCKER"
  command -v dockerd >/dev/null || die "dockerd not found; install the Debian package docker.io"
  # Own session and no inherited descriptors: the engine outlives this script
  # and its caller's process group, and never holds the caller's pipes open.
  exec_without_inherited_fds setsid nohup dockerd </dev/null >"$DOCKERD_LOG" 2>&1 &
  pid=$!
  # Recorded at once, so that docker-engine-stop.sh can stop it even if this
  # script is interrupted while waiting.
  record_engine "$pid"
  if ! wait_for_engine "$pid"; then
    # Leave no half-started engine behind.
    kill -TERM "$pid" 2>/dev/null || true
    rm -f "$PID_FILE"
    exit 1
  fi
  ENGINE_STATE="started (pid $pid)"
  log "engine: started dockerd (pid $pid) in $(elapsed "$start"); PID in $PID_FILE, log in $DOCKERD_LOG"
}

ensure_engine() {
  if engine_reachable; then
    ENGINE_STATE="already running"
    log "engine: already running; left alone"
    return 0
  fi
  # A dockerd that is alive but not answering yet (still starting): wait for it
  # rather than start a second one, and do not take ownership of it.
  local pid
  pid="$(cat "$SYSTEM_PID_FILE" 2>/dev/null || true)"
  if is_live_dockerd "$pid"; then
    local start
    start="$(now_us)"
    log "engine: dockerd (pid $pid) is starting; waiting for it"
    wait_for_engine "$pid" || exit 1
    ENGINE_STATE="already running"
    log "engine: dockerd (pid $pid) answered after $(elapsed "$start"); left alone"
    return 0
  fi
  remove_stale_system_pid_file
  remove_stale_containerd_pid_file
  start_dockerd
}

# --- step 3: base image -------------------------------------------------------

image_present() {
  "$(docker_client)" image inspect "$1" >/dev/null 2>&1
}

# The Debian mirror: DOCKER_ENGINE_MIRROR, else the first URIs: line of the
# deb822 sources, else the first deb line of sources.list.
debian_mirror() {
  if [[ -n "${DOCKER_ENGINE_MIRROR:-}" ]]; then
    printf '%s' "$DOCKER_ENGINE_MIRROR"
    return 0
  fi
  local mirror=""
  if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    mirror="$(awk 'tolower($1) == "uris:" { print $2; exit }' /etc/apt/sources.list.d/debian.sources)"
  fi
  if [[ -z "$mirror" && -f /etc/apt/sources.list ]]; then
    mirror="$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' /etc/apt/sources.list)"
  fi
  [[ -n "$mirror" ]] ||
    die "no Debian mirror found in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list; set DOCKER_ENGINE_MIRROR"
  printf '%s' "$mirror"
}

host_codename() {
  # shellcheck disable=SC1091
  (. /etc/os-release 2>/dev/null && printf '%s' "${VERSION_CODENAME:-}")
}

# Makes apt inside the image use the host's sources (host codename -> SUITE).
write_rootfs_sources() {
  local codename file wrote=0
  codename="$(host_codename)"
  [[ -n "$codename" ]] || return 0
  for file in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
    [[ -s "$file" ]] || continue
    grep -qE '^[[:space:]]*(deb|URIs:)' "$file" || continue
    mkdir -p "$ROOTFS$(dirname "$file")"
    sed "s/\b${codename}\b/${SUITE}/g" "$file" >"$ROOTFS$file"
    wrote=1
  done
  # The host has deb822 sources only: drop debootstrap's one-line sources.list.
  if [[ "$wrote" -eq 1 && ! -s /etc/apt/sources.list && -f "$ROOTFS/etc/apt/sources.list.d/debian.sources" ]]; then
    rm -f "$ROOTFS/etc/apt/sources.list"
  fi
}

# The host's CA certificates, so that HTTPS works inside containers.
copy_ca_certificates() {
  local crt
  mkdir -p "$ROOTFS/usr/local/share/ca-certificates" "$ROOTFS/etc/ssl/certs"
  for crt in /usr/local/share/ca-certificates/*.crt; do
    [[ -f "$crt" ]] && cp "$crt" "$ROOTFS/usr/local/share/ca-certificates/"
  done
  if [[ -f /etc/ssl/certs/ca-certificates.crt ]]; then
    cp /etc/ssl/certs/ca-certificates.crt "$ROOTFS/etc/ssl/certs/ca-certificates.crt"
  fi
}

build_base_image() {
  local client="$1" mirror start
  is_root || die "building $IMAGE needs debootstrap and must run as root; rerun $(basename "$0") as root"
  command -v debootstrap >/dev/null || die "debootstrap not found; install the Debian package debootstrap"
  mirror="$(debian_mirror)"
  start="$(now_us)"
  ROOTFS="$(mktemp -d "${TMPDIR:-/var/tmp}/staged-build-rootfs.XXXXXX")"
  log "image: debootstrap --variant=minbase $SUITE from $mirror (output in $SETUP_LOG)"
  run_logged "debootstrap $SUITE from $mirror" \
    debootstrap --variant=minbase "$SUITE" "$ROOTFS" "$mirror"
  rm -f "$ROOTFS"/var/cache/apt/archives/*.deb
  rm -rf "${ROOTFS:?}"/var/lib/apt/lists/*
  copy_ca_certificates
  write_rootfs_sources
  log "image: rootfs ready in $(elapsed "$start"); importing"
  printf '\n=== %s: docker import %s\n' "$(date -Is)" "$LOCAL_IMAGE" >>"$SETUP_LOG"
  if ! tar --numeric-owner -C "$ROOTFS" -c . |
    "$client" import --change 'CMD ["bash"]' --change "LABEL $IMAGE_LABEL" - "$LOCAL_IMAGE" >>"$SETUP_LOG" 2>&1; then
    printf 'error: docker import of %s failed; see %s (last lines below), fix the cause and rerun\n' "$LOCAL_IMAGE" "$SETUP_LOG" >&2
    tail -n 20 "$SETUP_LOG" >&2
    exit 1
  fi
  cleanup
  ROOTFS=""
}

ensure_base_image() {
  local client start
  client="$(docker_client)"
  [[ -n "$client" ]] || die "no docker client found; install docker.io or set DOCKER_ENGINE_DOCKER"
  if image_present "$IMAGE"; then
    log "image: $IMAGE already present"
    return 0
  fi
  start="$(now_us)"
  if ! image_present "$LOCAL_IMAGE"; then
    build_base_image "$client"
  fi
  "$client" tag "$LOCAL_IMAGE" "$IMAGE"
  log "image: $IMAGE ($LOCAL_IMAGE) made in $(elapsed "$start")"
}

# --- main ---------------------------------------------------------------------

# --- step 4: registry ----------------------------------------------------------

# The publishing tests push to and pull from a real registry: scripts/registry.sh serves one. Where
# this script cannot install packages (not root, not Debian), a missing registry only means that
# those tests cannot run, so it is reported, not fatal.
ensure_registry() {
  local registry_script
  registry_script="$(dirname "${BASH_SOURCE[0]}")/registry.sh"
  if bash "$registry_script"; then
    REGISTRY_STATE="on ${STAGED_BUILD_REGISTRY:-127.0.0.1:5000}"
  elif is_root && is_debian; then
    die "the registry could not be started (see above); fix the cause and rerun"
  else
    REGISTRY_STATE="not started (see above)"
    log "registry: not started; the publishing tests need one (scripts/registry.sh)"
  fi
}

# --- step 5: podman -----------------------------------------------------------

# Podman as a second engine: scripts/podman-engine.sh. Like the registry, only fatal where this
# script can install packages (root on Debian); elsewhere the Podman tests simply cannot run.
ensure_podman() {
  PODMAN_STATE="skipped (DOCKER_ENGINE_PODMAN=0)"
  [[ "${DOCKER_ENGINE_PODMAN:-1}" != 0 ]] || return 0
  if bash "$(dirname "${BASH_SOURCE[0]}")/podman-engine.sh"; then
    PODMAN_STATE="ready"
  elif is_root && is_debian; then
    die "Podman could not be prepared (see above); fix the cause and rerun, or set DOCKER_ENGINE_PODMAN=0"
  else
    PODMAN_STATE="not prepared (see above)"
    log "podman: not prepared; the Podman tests need it (scripts/podman-engine.sh)"
  fi
}

main() {
  parse_args "$@"
  local start
  start="$(now_us)"
  trap cleanup EXIT
  if ! is_root || ! is_debian; then
    engine_reachable || {
      is_root || die "$(basename "$0") must run as root to install packages and start dockerd; rerun it with sudo or as root"
      die "$(basename "$0") needs a Debian machine (no /etc/debian_version); start a Docker engine yourself, then rerun"
    }
    ENGINE_STATE="already running"
    log "engine: already running; left alone (not root or not Debian: only the base image is ensured)"
  else
    ensure_packages
    ensure_engine
  fi
  ensure_base_image
  ensure_registry
  ensure_podman
  local version
  version="$("$(docker_client)" version --format '{{.Server.Version}}' 2>/dev/null || echo '?')"
  log "ready in $(elapsed "$start"): engine $version ${ENGINE_STATE}, image $IMAGE present, registry ${REGISTRY_STATE}, podman ${PODMAN_STATE}"
}

main "$@"
