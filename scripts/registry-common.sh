#!/usr/bin/env bash
# What scripts/registry.sh and scripts/registry-stop.sh share: the address the registry serves on,
# the state folder of the registry a set-up started, and how to tell that a registry answers.
# Sourced, after scripts/docker-engine-common.sh (logging, timing, process checks). Not run.
# shellcheck disable=SC2034 # the variables are read by the scripts that source this file

# The address the tests push to and pull from (one variable for the scripts and the tests):
# a loopback HOST:PORT, 127.0.0.1:5000 unless STAGED_BUILD_REGISTRY says otherwise.
REGISTRY_ADDRESS="${STAGED_BUILD_REGISTRY:-127.0.0.1:5000}"

# The state of a registry this set-up started: "PID START" of the process, its configuration and
# its storage. One folder per checkout by default; .ci/run passes a folder of its own
# (REGISTRY_STATE_DIR), so that it stops only a registry that this very invocation started.
REGISTRY_STATE_DIR="${REGISTRY_STATE_DIR:-/tmp/staged-build-registry.$(printf '%s' "$CHECKOUT_ROOT" | cksum | cut -d' ' -f1)}"
REGISTRY_PID_FILE="${REGISTRY_STATE_DIR}/registry.pid"
REGISTRY_CONFIG="${REGISTRY_STATE_DIR}/config.yml"
REGISTRY_STORAGE="${REGISTRY_STATE_DIR}/storage"
REGISTRY_LOG="${REGISTRY_STATE_DIR}/registry.log"

# Checks REGISTRY_ADDRESS: a loopback host (127.x.x.x or localhost) and a port; sets REGISTRY_HOST
# and REGISTRY_PORT. The docker client trusts a loopback registry over plain http, no other.
parse_registry_address() {
  if [[ ! "$REGISTRY_ADDRESS" =~ ^(127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}|localhost):([0-9]{1,5})$ ]] ||
    ((BASH_REMATCH[2] < 1 || BASH_REMATCH[2] > 65535)); then
    die "STAGED_BUILD_REGISTRY='$REGISTRY_ADDRESS' must be a loopback HOST:PORT, e.g. 127.0.0.1:5000 (docker trusts only a loopback registry over plain http)"
  fi
  REGISTRY_HOST="${BASH_REMATCH[1]}"
  REGISTRY_PORT="${BASH_REMATCH[2]}"
}

# What answers on the address: "registry" (an OCI distribution registry: GET /v2/ gives 200 or 401
# with the Docker-Distribution-Api-Version header), "other" (something else listens), or "none".
probe_registry() {
  local response status=0
  # shellcheck disable=SC2016 # the inner script gets host and port as its arguments
  response="$(timeout 5 bash -c '
    exec 3<>"/dev/tcp/$1/$2" || exit 3
    printf "GET /v2/ HTTP/1.0\r\nHost: %s:%s\r\n\r\n" "$1" "$2" >&3
    head -c 4096 <&3' _ "$REGISTRY_HOST" "$REGISTRY_PORT" 2>/dev/null)" || status=$?
  if [[ "$status" == 3 ]]; then
    printf 'none'
  elif [[ "$response" =~ ^HTTP/[0-9.]+\ (200|401) ]] && grep -qi '^Docker-Distribution-Api-Version: registry/2' <<<"${response//$'\r'/}"; then
    printf 'registry'
  else
    printf 'other'
  fi
}

# True when PID is a live docker-registry process.
is_live_registry() {
  is_alive "$1" && [[ "$(cat "/proc/$1/comm" 2>/dev/null)" == "docker-registry" ]]
}

# True when the record names a live docker-registry that is the very process recorded (same PID,
# same start time). Sets RECORDED_PID.
is_recorded_registry() {
  local start
  read -r RECORDED_PID start <"$REGISTRY_PID_FILE" || true
  is_live_registry "${RECORDED_PID:-}" && [[ -n "${start:-}" && "$(start_time_of "$RECORDED_PID")" == "$start" ]]
}
