#!/usr/bin/env bash
# One run at a time per checkout: a lock on build/.lock (flock on an open descriptor).
# Part of every generated build driver (assembled by src/shell/driver-script.ts, after the
# pipeline model as bash data). Only functions; sourced alone by the tests.
# shellcheck disable=SC2034,SC2154
set -euo pipefail
# --- Build driver: checkout lock ---

# The kernel releases a flock when its holder dies, so the lock itself is never stale; the file
# only says who holds it ("PID command"). The holder removes the file before it lets go, so that
# a finished run leaves nothing in ./build; a run that opened the file just before it went then
# holds a lock on a removed file, sees that (-ef), and locks the new one instead. A run killed
# with SIGKILL leaves its line behind: the next run takes over and says so.

# Takes the lock of this checkout, or dies at once naming the run that holds it.
take_checkout_lock() {
  local lock=build/.lock error locked=0
  make_dirs build
  if ! error=$({ : >>"${lock}"; } 2>&1); then
    die "${EXIT_WRITE}" "could not write ./${lock}: $(write_error_reason "${error}"); $(write_fix "${lock}")"
  fi
  while true; do
    exec {LOCK_FD}>>"${lock}"
    flock --nonblock "${LOCK_FD}" || break
    if [[ "${lock}" -ef "/dev/fd/${LOCK_FD}" ]]; then
      locked=1
      break
    fi
    exec {LOCK_FD}>&- # the file was removed by the run that held it: lock the new one
  done
  if [[ "${locked}" == 0 ]]; then
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
  LOCK_HELD=1
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

# Removes the lock file while still holding the lock; the lock itself goes with the descriptor
# when the run exits. Only the holder does this.
release_checkout_lock() {
  [[ "${LOCK_HELD:-0}" == 1 ]] || return 0
  rm -f build/.lock
  LOCK_HELD=0
}
