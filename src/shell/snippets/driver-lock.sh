#!/usr/bin/env bash
# One run at a time per checkout: a lock on build/.lock (flock on an open descriptor).
# Part of every generated build driver (assembled by src/shell/driver-script.ts, after the
# pipeline model as bash data). Only functions; sourced alone by the tests.
# shellcheck disable=SC2034,SC2154
set -euo pipefail
# --- Build driver: checkout lock ---

# The kernel releases a flock when its holder dies, so the lock itself is never stale; the file
# only says who holds it ("PID command"). A run that ended without emptying it (killed with
# SIGKILL) left its line behind: the next run takes over and says so.

# Takes the lock of this checkout, or dies at once naming the run that holds it.
take_checkout_lock() {
  local lock=build/.lock error
  make_dirs build
  if ! error=$({ : >>"${lock}"; } 2>&1); then
    die "${EXIT_WRITE}" "could not write ./${lock}: $(write_error_reason "${error}"); $(write_fix "${lock}")"
  fi
  exec {LOCK_FD}>>"${lock}"
  if ! flock --nonblock "${LOCK_FD}"; then
    read_lock_holder "${lock}" 10
    if [[ -z "${LOCK_HOLDER_PID}" ]]; then
      die "${EXIT_LOCKED}" "another build is running in this checkout (./${lock} is locked); wait for it to finish, then rerun"
    elif kill -0 "${LOCK_HOLDER_PID}" 2>/dev/null; then
      die "${EXIT_LOCKED}" "another build is running in this checkout (PID ${LOCK_HOLDER_PID}: ${LOCK_HOLDER_COMMAND}); wait for it to finish or stop it with 'kill ${LOCK_HOLDER_PID}', then rerun"
    else
      # Its docker commands inherited the lock and outlive it.
      die "${EXIT_LOCKED}" "another build holds ./${lock}: PID ${LOCK_HOLDER_PID} (${LOCK_HOLDER_COMMAND}) has ended, but docker commands it started still run; wait for them to end, then rerun"
    fi
  fi
  read_lock_holder "${lock}" 1
  write_file "${lock}" "$$ ${RUN_COMMAND}"$'\n'
  WRITES_LOG=1
  if [[ -n "${LOCK_HOLDER_PID}" ]]; then
    say "Notice: took over ./${lock} from an earlier run that ended without releasing it (PID ${LOCK_HOLDER_PID}: ${LOCK_HOLDER_COMMAND})."
  fi
}

# Sets LOCK_HOLDER_PID and LOCK_HOLDER_COMMAND from the lock file ('' when it is empty). The
# holder writes its line just after locking, so an empty file is read up to TRIES times, 0.1 s apart.
read_lock_holder() {
  local lock=$1 tries=$2 line=''
  while ((tries-- > 0)); do
    line=$(head -n 1 "${lock}" 2>/dev/null || true)
    [[ -z "${line}" && ${tries} -gt 0 ]] || break
    sleep 0.1
  done
  LOCK_HOLDER_PID=${line%% *}
  LOCK_HOLDER_COMMAND=${line#* }
}

# Empties the lock file (no holder); the lock itself goes with the descriptor when the run exits.
release_checkout_lock() {
  [[ -n "${LOCK_FD:-}" ]] || return 0
  { : >build/.lock; } 2>/dev/null || true
}
