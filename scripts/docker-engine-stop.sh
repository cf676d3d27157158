#!/usr/bin/env bash
# Stop the dockerd that scripts/docker-engine.sh started (by the PID and start
# time it recorded in its state folder). An engine that docker-engine.sh found
# already running, or that another checkout or invocation started, is left alone.
set -euo pipefail

readonly PROG="docker-engine-stop"
# shellcheck source=scripts/docker-engine-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/docker-engine-common.sh"

STOP_TIMEOUT="${DOCKER_ENGINE_STOP_TIMEOUT:-30}"

usage() {
  cat <<EOF
Usage: $(basename "$0") [--help]

Stop the dockerd that scripts/docker-engine.sh started with the same state
folder: send SIGTERM to the process recorded in
  ${PID_FILE}
(PID and start time; a reused PID or a dockerd started by someone else is never
stopped), wait for it to exit (SIGKILL after ${STOP_TIMEOUT}s), and remove the record.
Without a record (the engine was already running when docker-engine.sh ran, or
another checkout or invocation started it) it does nothing.

Environment:
  DOCKER_ENGINE_STATE_DIR     state folder (default: one per checkout, in /tmp);
                              .ci/run passes its own, so that it stops only the
                              engine this invocation started
  DOCKER_ENGINE_STOP_TIMEOUT  seconds to wait after SIGTERM (default 30)
EOF
}

stop_dockerd() {
  local pid="$1" start
  start="$(now_us)"
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_for_exit "$pid" "$STOP_TIMEOUT"; then
    log "dockerd (pid $pid) still running after ${STOP_TIMEOUT}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_for_exit "$pid" 10 ||
      die "dockerd (pid $pid) survived SIGKILL; check 'ps -p $pid' and stop it by hand"
  fi
  # A killed dockerd leaves its PID file behind; the next start would refuse it.
  if [[ "$(cat "$SYSTEM_PID_FILE" 2>/dev/null || true)" == "$pid" ]]; then
    rm -f "$SYSTEM_PID_FILE"
  fi
  log "stopped dockerd (pid $pid) in $(elapsed "$start")"
}

main() {
  parse_args "$@"
  if [[ ! -f "$PID_FILE" ]]; then
    log "nothing to stop: no $PID_FILE (no engine started by docker-engine.sh with this state folder; any running engine is left alone)"
    return 0
  fi
  if is_recorded_engine; then
    [[ "$(id -u)" -eq 0 ]] || die "stopping dockerd (pid $RECORDED_PID) must run as root; rerun $(basename "$0") with sudo or as root"
    stop_dockerd "$RECORDED_PID"
  else
    log "the engine recorded in $PID_FILE (pid ${RECORDED_PID:-?}) is not running any more, or pid ${RECORDED_PID:-?} is another process now; nothing stopped"
  fi
  rm -f "$PID_FILE"
  rmdir "$STATE_DIR" 2>/dev/null || true
}

main "$@"
