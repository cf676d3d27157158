#!/usr/bin/env bash
# Stop the registry that scripts/registry.sh started (by the PID and start time it recorded in its
# state folder), and remove that folder with the registry's storage. A registry that registry.sh
# found already running, or that another checkout or invocation started, is left alone.
set -euo pipefail

readonly PROG="registry-stop"
# shellcheck source=scripts/docker-engine-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/docker-engine-common.sh"
# shellcheck source=scripts/registry-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/registry-common.sh"

STOP_TIMEOUT="${REGISTRY_STOP_TIMEOUT:-10}"

usage() {
  cat <<EOF
Usage: $(basename "$0") [--help]

Stop the registry that scripts/registry.sh started with the same state folder: send SIGTERM to
the process recorded in
  ${REGISTRY_PID_FILE}
(PID and start time; a reused PID or a registry started by someone else is never stopped), wait
for it to exit (SIGKILL after ${STOP_TIMEOUT}s), then remove the state folder: the record, the
configuration and the registry's storage (the images pushed to it).
Without a record (the registry was already running when registry.sh ran, or another checkout or
invocation started it) it does nothing.

Environment:
  REGISTRY_STATE_DIR     state folder (default: one per checkout, in /tmp); .ci/run passes its
                         own, so that it stops only the registry this invocation started
  REGISTRY_STOP_TIMEOUT  seconds to wait after SIGTERM (default 10)
EOF
}

stop_registry() {
  local pid="$1" start
  start="$(now_us)"
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_for_exit "$pid" "$STOP_TIMEOUT"; then
    log "docker-registry (pid $pid) still running after ${STOP_TIMEOUT}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_for_exit "$pid" 10 || die "docker-registry (pid $pid) survived SIGKILL; check 'ps -p $pid' and stop it by hand"
  fi
  log "stopped docker-registry (pid $pid) in $(elapsed "$start")"
}

main() {
  parse_args "$@"
  if [[ ! -f "$REGISTRY_PID_FILE" ]]; then
    log "nothing to stop: no $REGISTRY_PID_FILE (no registry started by registry.sh with this state folder; any running registry is left alone)"
    return 0
  fi
  if is_recorded_registry; then
    stop_registry "$RECORDED_PID"
  else
    log "the registry recorded in $REGISTRY_PID_FILE (pid ${RECORDED_PID:-?}) is not running any more, or pid ${RECORDED_PID:-?} is another process now; nothing stopped"
  fi
  # Only what registry.sh wrote there: the record, the configuration, the log and the storage.
  rm -rf "$REGISTRY_STORAGE" "$REGISTRY_CONFIG" "$REGISTRY_LOG" "$REGISTRY_PID_FILE"
  rmdir "$REGISTRY_STATE_DIR" 2>/dev/null || true
}

main "$@"
