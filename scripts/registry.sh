#!/usr/bin/env bash
# Give this project a real container registry on loopback, for the publishing tests: Debian's
# docker-registry (the distribution registry), with a configuration and a storage folder of its
# own. Stop it again with scripts/registry-stop.sh.
set -euo pipefail

readonly PROG="registry"
# shellcheck source=scripts/docker-engine-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/docker-engine-common.sh"
# shellcheck source=scripts/registry-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/registry-common.sh"
readonly PACKAGE="docker-registry"

SETUP_LOG="${DOCKER_ENGINE_LOG:-/tmp/staged-build-docker-engine.log}"
START_TIMEOUT="${REGISTRY_START_TIMEOUT:-30}"
STATE="" # "already running" or "started (pid N)", for the summary

usage() {
  cat <<EOF
Usage: $(basename "$0") [--help]

Serve a real container registry on ${REGISTRY_ADDRESS} (loopback), for the tests that push to and
pull from one (npx projen test finds it through STAGED_BUILD_REGISTRY, default 127.0.0.1:5000):
  1. package:  apt-get install ${PACKAGE} (Debian's distribution registry), unless installed
  2. registry: unless a registry already answers on ${REGISTRY_ADDRESS}, start
               '${PACKAGE} serve ${REGISTRY_CONFIG}'
               with its storage in ${REGISTRY_STORAGE};
               its PID and start time go to ${REGISTRY_PID_FILE}
               (scripts/registry-stop.sh with the same state folder stops it and removes the folder)

Idempotent: a registry that already answers is left alone and not recorded, so the stop script
keeps it. Something else listening on the port is an error.

Environment:
  STAGED_BUILD_REGISTRY    loopback HOST:PORT to serve on (default 127.0.0.1:5000)
  REGISTRY_STATE_DIR       state folder: PID, configuration, storage, log (default: one per checkout, in /tmp)
  REGISTRY_START_TIMEOUT   seconds to wait for the registry to answer (default 30)
  DOCKER_ENGINE_LOG        apt output (default /tmp/staged-build-docker-engine.log)
EOF
}

# --- step 1: package ----------------------------------------------------------

# The package only installs: nothing starts it here (no service manager; policy-rc.d).
ensure_package() {
  ensure_apt_package "$PACKAGE" "start a registry on $REGISTRY_ADDRESS yourself"
}

# --- step 2: registry ---------------------------------------------------------

write_config() {
  mkdir -p "$REGISTRY_STORAGE"
  cat >"$REGISTRY_CONFIG" <<EOF
# Written by scripts/registry.sh: a registry for the tests, on loopback only, no authentication.
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: ${REGISTRY_STORAGE}
  delete:
    enabled: true
http:
  addr: ${REGISTRY_HOST}:${REGISTRY_PORT}
EOF
}

# Waits until the registry answers; on failure (the process exited, or no answer within
# START_TIMEOUT) prints the error with the registry's log tail and returns 1.
wait_for_registry() {
  local pid="$1" deadline
  deadline=$((SECONDS + START_TIMEOUT))
  until [[ "$(probe_registry)" == registry ]]; do
    if ! is_alive "$pid"; then
      printf 'error: %s (pid %s) exited before answering; see %s (last lines below), fix the cause and rerun\n' "$PACKAGE" "$pid" "$REGISTRY_LOG" >&2
      tail -n 20 "$REGISTRY_LOG" >&2 || true
      return 1
    fi
    if ((SECONDS >= deadline)); then
      printf 'error: %s (pid %s) did not answer on %s within %ss; see %s, or raise REGISTRY_START_TIMEOUT\n' "$PACKAGE" "$pid" "$REGISTRY_ADDRESS" "$START_TIMEOUT" "$REGISTRY_LOG" >&2
      return 1
    fi
    sleep 0.1
  done
}

start_registry() {
  local start pid
  start="$(now_us)"
  write_config
  # Own session and no inherited descriptors: it outlives this script and never holds its caller's pipes.
  exec_without_inherited_fds setsid nohup "$PACKAGE" serve "$REGISTRY_CONFIG" </dev/null >"$REGISTRY_LOG" 2>&1 &
  pid=$!
  # Recorded at once, so that registry-stop.sh can stop it even if this script is interrupted.
  printf '%s %s\n' "$pid" "$(start_time_of "$pid")" >"$REGISTRY_PID_FILE"
  if ! wait_for_registry "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    rm -f "$REGISTRY_PID_FILE"
    exit 1
  fi
  STATE="started (pid $pid)"
  log "registry: started $PACKAGE (pid $pid) on $REGISTRY_ADDRESS in $(elapsed "$start"); state in $REGISTRY_STATE_DIR"
}

ensure_registry() {
  case "$(probe_registry)" in
    registry)
      STATE="already running"
      log "registry: one already answers on $REGISTRY_ADDRESS; left alone"
      ;;
    other)
      die "something that is not a registry listens on $REGISTRY_ADDRESS; stop it, or choose a free port with STAGED_BUILD_REGISTRY=127.0.0.1:PORT (for this script and the tests)"
      ;;
    *)
      mkdir -p "$REGISTRY_STATE_DIR"
      if [[ -f "$REGISTRY_PID_FILE" ]] && is_recorded_registry; then
        die "the registry recorded in $REGISTRY_PID_FILE (pid $RECORDED_PID) runs but does not answer on $REGISTRY_ADDRESS; stop it with scripts/registry-stop.sh, then rerun"
      fi
      start_registry
      ;;
  esac
}

main() {
  parse_args "$@"
  local start
  start="$(now_us)"
  parse_registry_address
  ensure_package
  ensure_registry
  log "ready in $(elapsed "$start"): registry on $REGISTRY_ADDRESS ${STATE}"
}

main "$@"
