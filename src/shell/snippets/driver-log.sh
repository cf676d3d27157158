#!/usr/bin/env bash
# Progress output, the build log, and how the driver runs (or only announces) commands.
# Part of every generated build driver (assembled by src/shell/driver-script.ts, after the
# pipeline model as bash data). Only functions; sourced alone by the tests.
# shellcheck disable=SC2034,SC2154
set -euo pipefail
# --- Build driver: output and logging ---

# Only the run that holds the checkout lock writes the build log (take_checkout_lock sets
# WRITES_LOG=1), so that the lines of two runs never interleave. A dry run never writes it.

# Progress lines go to the terminal and, for the run holding the lock, to the build log.
say() {
  printf '%s\n' "$*"
  if [[ "${WRITES_LOG:-0}" == 1 ]]; then append_to_log "$*"; fi
}

# Appends one line to the build log; a full disk or a read-only ./build is named, not a raw error.
append_to_log() {
  local error
  if ! error=$({ printf '%s\n' "$1" >>"${BUILD_LOG}"; } 2>&1); then
    WRITES_LOG=0
    die "${EXIT_WRITE}" "could not write ./${BUILD_LOG}: $(write_error_reason "${error}"); $(write_fix "${BUILD_LOG}")"
  fi
}

# The reason at the end of a tool's error message ("...: No space left on device").
write_error_reason() {
  local reason=${1##*: }
  printf '%s' "${reason:-unknown error}"
}

# What to do when FILE cannot be written.
write_fix() {
  printf 'free space on its file system (df -h ./%s) or make it writable, then rerun' "$(dirname "$1")"
}

# Writes TEXT to FILE (replacing it); dies naming the file, the reason and the fix when it cannot.
write_file() {
  local file=$1 text=$2 error
  if ! error=$({ printf '%s' "${text}" >"${file}"; } 2>&1); then
    die "${EXIT_WRITE}" "could not write ./${file}: $(write_error_reason "${error}"); $(write_fix "${file}")"
  fi
}

# Creates folders (mkdir -p); dies naming the folder when it cannot.
make_dirs() {
  local dir error
  for dir in "$@"; do
    error=$(mkdir -p -- "${dir}" 2>&1) \
      || die "${EXIT_WRITE}" "could not create ./${dir}: $(write_error_reason "${error}"); $(write_fix "${dir}")"
  done
}

# Prints a command as a shell line; fails on a dry run, where the command must not run.
announce() {
  local line
  printf -v line '%q ' "$@"
  say "+ ${line% }"
  [[ "${DRY_RUN}" == 0 ]]
}

# Runs a command in the background and waits for it, so that a signal is handled at once (bash
# runs a trap only after a foreground command ends); RUNNING_PID lets the handler stop it.
wait_for_command() {
  RUNNING_PID=$!
  local status=0
  wait "${RUNNING_PID}" || status=$?
  RUNNING_PID=''
  wait # the log's tee, so that its last lines come before the next ones
  return "${status}"
}

# Runs a docker command (unless --dry-run); its output also goes to the build log.
# A log that cannot be written is reported by the next say(), with the file named.
run() {
  announce "$@" || return 0
  "$@" > >(tee -a "${BUILD_LOG}" 2>/dev/null) 2>&1 &
  wait_for_command
}

# Like run, for commands whose output is data, not log. Their error output is kept in
# COMMAND_ERROR (its last line), for the caller's one-line message.
run_quiet() {
  announce "$@" || return 0
  local status=0
  "$@" >/dev/null 2>"${RUN_TMP}/stderr" &
  wait_for_command || status=$?
  COMMAND_ERROR=$(tail -n 1 "${RUN_TMP}/stderr" 2>/dev/null || true)
  return "${status}"
}

# Like run, attached to the terminal (the interactive shell), so nothing goes through a pipe.
run_attached() {
  announce "$@" || return 0
  "$@"
}

# "in 1m05s", or "(dry run)" when nothing ran.
elapsed_since() {
  local seconds=$((SECONDS - $1))
  if [[ "${DRY_RUN}" == 1 ]]; then printf '(dry run)'; else printf 'in %dm%02ds' $((seconds / 60)) $((seconds % 60)); fi
}
