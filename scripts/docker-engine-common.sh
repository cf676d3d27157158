#!/usr/bin/env bash
# What scripts/docker-engine.sh and scripts/docker-engine-stop.sh share: where the PID of the
# dockerd they manage is kept, logging, timing, and process checks. Sourced, not run.
# shellcheck disable=SC2034 # the variables are read by the scripts that source this file

# The state of the engine a set-up started: "PID START" of that dockerd (START: its start time,
# so that a reused PID, or a dockerd someone else started, is never taken for it). Kept per
# checkout by default; .ci/run passes a folder of its own (DOCKER_ENGINE_STATE_DIR), so that it
# stops only an engine that this very invocation started.
CHECKOUT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
STATE_DIR="${DOCKER_ENGINE_STATE_DIR:-/tmp/staged-build-engine.$(printf '%s' "$CHECKOUT_ROOT" | cksum | cut -d' ' -f1)}"
PID_FILE="${STATE_DIR}/dockerd.pid"
SYSTEM_PID_FILE="/var/run/docker.pid"

log() { printf '[%s] %s\n' "$PROG" "$*"; }

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# Microseconds since the epoch, from bash's EPOCHREALTIME (locale-proof).
# Runs "$@" (exec) with no inherited descriptor above 2: a daemon must not keep its caller's
# files open, e.g. the lock of `flock LOCKFILE bash scripts/...`, which it would then hold forever.
exec_without_inherited_fds() {
  local fd
  for fd in /proc/self/fd/*; do
    fd=${fd##*/}
    if ((fd > 2)); then exec {fd}>&- 2>/dev/null || true; fi
  done
  exec "$@"
}

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
# Waits up to $2 seconds for PID $1 to exit; false if it is still alive.
wait_for_exit() {
  local pid="$1" deadline=$((SECONDS + $2))
  while is_alive "$pid"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

is_live_dockerd() {
  is_alive "$1" && [[ "$(cat "/proc/$1/comm" 2>/dev/null)" == "dockerd" ]]
}

# The start time of process PID (clock ticks after boot, field 22 of /proc/PID/stat); empty when gone.
start_time_of() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
  # The command name (field 2) may hold spaces: count the fields after its closing parenthesis.
  stat="${stat##*) }"
  awk '{ print $20 }' <<<"$stat"
}

# Records PID as the dockerd this set-up started.
record_engine() {
  mkdir -p "$STATE_DIR"
  printf '%s %s\n' "$1" "$(start_time_of "$1")" >"$PID_FILE"
}

# True when the record in PID_FILE names a live dockerd that is the very process recorded:
# same PID, same start time. Sets RECORDED_PID.
is_recorded_engine() {
  local start
  read -r RECORDED_PID start <"$PID_FILE" || true
  is_live_dockerd "${RECORDED_PID:-}" && [[ -n "${start:-}" && "$(start_time_of "$RECORDED_PID")" == "$start" ]]
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

# Installs one Debian package with apt, unless its command (the package's name) is on PATH: root on
# Debian only; ELSEWHERE says what to do on another system. apt's output goes to SETUP_LOG.
ensure_apt_package() {
  local package=$1 elsewhere=$2 start
  start="$(now_us)"
  if command -v "$package" >/dev/null; then
    log "package: $package already installed"
    return 0
  fi
  [[ "$(id -u)" -eq 0 ]] || die "$package is missing and installing it needs root; rerun $(basename "$0") as root, or install it (apt-get install $package)"
  [[ -f /etc/debian_version ]] || die "$package is missing and this is no Debian machine; $elsewhere, then rerun"
  log "package: installing $package (output in $SETUP_LOG)"
  export DEBIAN_FRONTEND=noninteractive
  if ! {
    apt-get install -y --no-install-recommends "$package" ||
      { apt-get update && apt-get install -y --no-install-recommends "$package"; }
  } >>"$SETUP_LOG" 2>&1 </dev/null; then
    printf 'error: apt-get install %s failed; see %s (last lines below), fix the cause and rerun\n' "$package" "$SETUP_LOG" >&2
    tail -n 20 "$SETUP_LOG" >&2
    exit 1
  fi
  log "package: installed $package in $(elapsed "$start")"
}
