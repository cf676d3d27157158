#!/usr/bin/env bash
# The preflight: the generated preflight.py checks that each stage has what its steps need.
# Part of every generated build driver (assembled by src/shell/driver-script.ts, after the
# pipeline model as bash data). Only functions; sourced alone by the tests.
# shellcheck disable=SC2034,SC2154
set -euo pipefail
# --- Build driver: preflight ---

# The preflight program: generated next to the package script, in the support folder.
preflight_program() {
  printf '%s/preflight.py' "$(dirname "${PACKAGE_SCRIPT}")"
}

# Runs the preflight on the stages up to $1 (all when empty); its lines go to PREFLIGHT_OUTPUT.
# Returns 0 (no problem), 1 (problems) or 2 (it could not run).
run_preflight() {
  local stage=$1 args=() status=0
  if [[ -n "${stage}" ]]; then args=(--stage "${stage}"); fi
  if ! command -v python3 >/dev/null 2>&1; then
    PREFLIGHT_OUTPUT="preflight: python3 is missing on this host; install python3 (the preflight runs before every build)"
    return 2
  fi
  PREFLIGHT_OUTPUT=$(python3 "$(preflight_program)" "${args[@]}" 2>&1) || status=$?
  return "${status}"
}

# The check command: every finding on stdout; exit EXIT_PREFLIGHT when there is a problem.
check_stages() {
  local status=0
  run_preflight '' || status=$?
  printf '%s\n' "${PREFLIGHT_OUTPUT}"
  if [[ "${status}" != 0 ]]; then
    printf '%s: error: the preflight found problems (listed above); fix the repository or the model in .projenrc.ts\n' "${DRIVER_PATH}" >&2
    exit "${EXIT_PREFLIGHT}"
  fi
}

# Before build and build_<stage>: a dry run shows the problems as warnings and goes on; a real
# run stops before any docker command when there is one.
preflight_before_build() {
  local command=$1 stage='' status=0 line
  if [[ "${command}" == build_* ]]; then
    stage=${command#build_}
    stage_description "${stage}" >/dev/null || return 0 # an unknown stage: the build step says so
  fi
  run_preflight "${stage}" || status=$?
  if [[ "${DRY_RUN}" == 1 ]]; then
    while IFS= read -r line; do say "# ${line/ problem: / warning: }"; done <<<"${PREFLIGHT_OUTPUT}"
    return 0
  fi
  if [[ "${status}" == 0 ]]; then
    say "${PREFLIGHT_OUTPUT##*$'\n'}"
    return 0
  fi
  while IFS= read -r line; do
    if [[ "${line}" == *' problem: '* || "${status}" == 2 ]]; then printf '%s\n' "${line}" >&2; fi
  done <<<"${PREFLIGHT_OUTPUT}"
  printf '%s: error: the preflight found problems (listed above), so nothing was built; fix them, then run %s check\n' "${DRIVER_PATH}" "${DRIVER_PATH}" >&2
  exit "${EXIT_PREFLIGHT}"
}
