#!/usr/bin/env bash
# How a run ends: on SIGINT/SIGTERM/SIGHUP it stops its docker command, removes its containers
# and leaves ./dist as it was; on every exit it removes its temporary files and releases the lock.
# Part of every generated build driver (assembled by src/shell/driver-script.ts, after the
# pipeline model as bash data). Only functions; sourced alone by the tests.
# shellcheck disable=SC2034,SC2154
set -euo pipefail
# --- Build driver: interruption and exit ---

# Installs the handlers of a real run (not a dry run) and makes its temporary folder.
start_run_handling() {
  RUNNING_PID=''
  DIST_STATE='./dist unchanged'
  RUN_TMP=$(mktemp -d "${TMPDIR:-/tmp}/staged-build-run.${RUN_ID}.XXXXXX" 2>/dev/null) \
    || die "${EXIT_WRITE}" "could not create a temporary folder in ${TMPDIR:-/tmp}; free space there or set TMPDIR to a writable folder"
  trap on_exit EXIT
  handle_signals
}

handle_signals() {
  trap 'on_signal INT' INT
  trap 'on_signal TERM' TERM
  trap 'on_signal HUP' HUP
}

# While ./dist is being replaced, a signal only is noted; resume_signals handles it afterwards.
defer_signals() {
  PENDING_SIGNAL=''
  trap 'PENDING_SIGNAL=INT' INT
  trap 'PENDING_SIGNAL=TERM' TERM
  trap 'PENDING_SIGNAL=HUP' HUP
}

resume_signals() {
  handle_signals
  if [[ -n "${PENDING_SIGNAL:-}" ]]; then on_signal "${PENDING_SIGNAL}"; fi
}

# Stops the docker command that is running, removes the run's containers and the package being
# copied out, and ends with one line: what happened, what was removed, the state of ./dist.
on_signal() {
  local signal=$1 code removed message
  trap '' INT TERM HUP # a second Ctrl-C must not cut the clean-up short
  case "${signal}" in
    INT) code=${EXIT_INTERRUPTED} ;;
    TERM) code=${EXIT_TERMINATED} ;;
    *) code=${EXIT_HANGUP} ;;
  esac
  stop_running_command
  removed=$(remove_run_containers)
  discard_run_files
  message="interrupted (SIG${signal}); ${removed}; ${DIST_STATE}"
  if [[ "${WRITES_LOG:-0}" == 1 ]]; then { printf '%s\n' "${message}" >>"${BUILD_LOG}"; } 2>/dev/null || true; fi
  printf '%s: %s\n' "${DRIVER_PATH}" "${message}" >&2
  exit "${code}"
}

# Kills the docker client of run/run_quiet (a killed build client makes the engine cancel the build).
stop_running_command() {
  if [[ -n "${RUNNING_PID:-}" ]]; then
    kill -KILL "${RUNNING_PID}" 2>/dev/null || true
    { wait "${RUNNING_PID}"; } 2>/dev/null || true
    RUNNING_PID=''
  fi
  wait 2>/dev/null || true # the log's tee
}

# Removes every container of this run (by its run-ID label, and the package container by name);
# prints what it did, e.g. "removed container desktop-app_package_X".
remove_run_containers() {
  local names=() name package
  package=$(container_name "${PACKAGE_STAGE}")
  mapfile -t names < <("${DOCKER}" ps --all --filter "label=${LABEL_RUN_ID}=${RUN_ID}" --format '{{.Names}}' 2>/dev/null || true)
  if "${DOCKER}" container inspect "${package}" >/dev/null 2>&1 && [[ " ${names[*]} " != *" ${package} "* ]]; then
    names+=("${package}")
  fi
  if [[ ${#names[@]} -eq 0 ]]; then
    printf 'no container of run %s was left' "${RUN_ID}"
  elif "${DOCKER}" rm --force "${names[@]}" >/dev/null 2>&1; then
    printf 'removed container%s %s' "$([[ ${#names[@]} -gt 1 ]] && echo s)" "${names[*]}"
  else
    printf "could not remove container(s) %s; remove them with '%s rm --force %s'" "${names[*]}" "${DOCKER}" "${names[*]}"
  fi
}

# The run's own files: its temporary folder and the package it was copying out (never ./dist).
discard_run_files() {
  if [[ -n "${RUN_TMP:-}" ]]; then rm -rf "${RUN_TMP}"; fi
  if [[ "${OWNS_STAGING:-0}" == 1 ]]; then rm -rf "$(staging_dir)" 2>/dev/null || true; fi
}

on_exit() {
  discard_run_files
  give_outputs_to_host_ids
  release_checkout_lock
}
