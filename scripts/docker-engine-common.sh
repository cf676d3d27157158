#!/usr/bin/env bash
# What scripts/docker-engine.sh and scripts/docker-engine-stop.sh share: where the PID of the
# dockerd they manage is kept, logging, timing, and process checks. Sourced, not run.
# shellcheck disable=SC2034 # the variables are read by the scripts that source this file

STATE_DIR="${DOCKER_ENGINE_STATE_DIR:-/tmp}"
PID_FILE="${STATE_DIR}/staged-build-dockerd.pid"
SYSTEM_PID_FILE="/var/run/docker.pid"

log() { printf '[%s] %s\n' "$PROG" "$*"; }

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# Microseconds since the epoch, from bash's EPOCHREALTIME (locale-proof).
now_us() {
  printf '%s' "${EPOCHREALTIME/[.,]/}"
}

# Seconds elapsed since a now_us value, with one decimal: "2.1s".
elapsed() {
  local ds=$((($(now_us) - $1) / 100000))
  printf '%d.%ds' $((ds / 10)) $((ds % 10))
}

# True when PID is a running process. A zombie counts as gone: PID 1 on such
# machines may reap orphans late, and kill -0 succeeds on zombies.
is_alive() {
  local state
  [[ "$1" =~ ^[0-9]+$ ]] || return 1
  state="$(awk '$1 == "State:" { print $2 }' "/proc/$1/status" 2>/dev/null || true)"
  [[ -n "$state" && "$state" != "Z" ]]
}

# True when PID names a live dockerd process.
is_live_dockerd() {
  is_alive "$1" && [[ "$(cat "/proc/$1/comm" 2>/dev/null)" == "dockerd" ]]
}

# Both scripts take only --help (their usage() says what they do).
parse_args() {
  while (($# > 0)); do
    case "$1" in
      -h | --help)
        usage
        exit 0
        ;;
      *) die "unknown argument '$1'; see $(basename "$0") --help" ;;
    esac
  done
}
