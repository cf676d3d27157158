#!/usr/bin/env bash
# Progress output, the build log, and how the driver runs (or only announces) commands.
# Part of every generated build driver (assembled by src/shell/driver-script.ts, after the
# pipeline model as bash data). Only functions; sourced alone by the tests.
# shellcheck disable=SC2034,SC2154
set -euo pipefail
# --- Build driver: output and logging ---

# Progress lines go to the terminal and, when not a dry run, to the build log.
say() {
  printf '%s\n' "$*"
  if [[ "${DRY_RUN}" == 0 && -d build ]]; then printf '%s\n' "$*" >>"${BUILD_LOG}"; fi
}

# Prints a command as a shell line; fails on a dry run, where the command must not run.
announce() {
  local line
  printf -v line '%q ' "$@"
  say "+ ${line% }"
  [[ "${DRY_RUN}" == 0 ]]
}

# Runs a docker command (unless --dry-run); its output also goes to the build log.
run() {
  announce "$@" || return 0
  "$@" 2>&1 | tee -a "${BUILD_LOG}"
}

# Like run, for commands whose output is data, not log.
run_quiet() {
  announce "$@" || return 0
  "$@" >/dev/null
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
