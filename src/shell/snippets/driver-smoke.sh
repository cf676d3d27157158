#!/usr/bin/env bash
# The smoke check: the package, unpacked in a fresh container of the first stage's image, is run
# with the model's arguments, and must exit 0 with the expected output.
# Part of every generated build driver (assembled by src/shell/driver-script.ts, after the
# pipeline model as bash data). Only functions; sourced alone by the tests.
# shellcheck disable=SC2034,SC2154
set -euo pipefail
# --- Build driver: smoke check ---

# The first stage's image has none of the later stages' tools or dependencies, so a package that
# only works where it was built fails here. The container gets no mount in either mode (the
# tarball is copied in with docker cp) and no network. Its output goes to the build log.

# smoke_check TARBALL [WHERE]: runs the check on TARBALL (./dist's package, or the staged one
# during a build); WHERE ends the failure message (e.g. "; ./dist is unchanged").
smoke_check() {
  local tarball=$1 where=${2:-} started=${SECONDS} image container status=0 timeout=${SMOKE_TIMEOUT:-300}
  if [[ -z "${SMOKE_EXPECTED_OUTPUT}" ]]; then
    # A real build stops at the preflight before this; a dry run shows the plan anyway.
    [[ "${DRY_RUN}" == 1 ]] || die "${EXIT_SMOKE}" "no smoke check is declared for the package; add smokeCheck to the packager in .projenrc.ts"
    say "# warning: no smoke check is declared for the package, so a real run stops here; add smokeCheck to the packager in .projenrc.ts"
    return 0
  fi
  [[ "${timeout}" =~ ^[1-9][0-9]{0,5}$ ]] || die "${EXIT_SETTINGS}" "SMOKE_TIMEOUT='${timeout}' must be a whole number of seconds above 0"
  image=$(image_of "${SMOKE_STAGE}")
  say "==> smoke check: ${SMOKE_COMMAND} in a fresh container of ${image} (the ${SMOKE_STAGE} stage), no mount, no network"
  if [[ "${DRY_RUN}" == 0 ]]; then
    [[ -s "${tarball}" ]] || die "${EXIT_PREREQUISITE}" "the package ./${tarball} is missing or empty; build it first with '${DRIVER_PATH}${CI_FLAG} build_${PACKAGE_STAGE}'"
    command -v python3 >/dev/null 2>&1 || die "${EXIT_PREREQUISITE}" "python3 is missing on this host; install python3 (the smoke check matches the output with it)"
  fi
  require_image "${image}" "${SMOKE_STAGE}"
  container=$(container_name smoke)
  remove_earlier_smoke_container "${container}"
  local args=(create --name "${container}" --label "${LABEL_PIPELINE}=${PIPELINE}" --label "${LABEL_RUN_ID}=${RUN_ID}"
    --network none --entrypoint sh) entry
  for entry in "${SMOKE_ENVIRONMENT[@]}"; do args+=(--env "${entry}"); done
  run_quiet "${DOCKER}" "${args[@]}" "${image}" -c "${SMOKE_SCRIPT}" smoke "${SMOKE_ARGUMENTS[@]}" \
    || die "${EXIT_FAILURE}" "could not create the smoke-check container ${container}: ${COMMAND_ERROR}"
  run_quiet "${DOCKER}" cp "${tarball}" "${container}:${SMOKE_TARBALL}" \
    || die "${EXIT_FAILURE}" "could not copy ./${tarball} into the smoke-check container ${container}: ${COMMAND_ERROR}"
  run_smoke_container "${container}" "${timeout}" || status=$?
  if [[ "${KEEP_CONTAINERS:-0}" != 1 || "${status}" == 124 ]]; then
    run_quiet "${DOCKER}" rm --force "${container}" || say "(could not remove container ${container}: ${COMMAND_ERROR})"
  fi
  if [[ "${DRY_RUN}" == 1 ]]; then
    say "# then: the output must match /${SMOKE_EXPECTED_OUTPUT}/ and the exit status be 0"
    return 0
  fi
  smoke_verdict "${status}" "${timeout}" "${image}" "${where}"
  say "<== smoke check passed: exit status 0, output matches /${SMOKE_EXPECTED_OUTPUT}/ $(elapsed_since "${started}")"
}

# A kept smoke-check container of this same run (KEEP_CONTAINERS=1, an earlier smoke step) goes
# first, so that the name is free; a container of that name from another run is never touched.
remove_earlier_smoke_container() {
  local container=$1 run
  [[ "${DRY_RUN}" == 1 ]] && return 0
  run=$("${DOCKER}" container inspect --format "{{ index .Config.Labels \"${LABEL_RUN_ID}\" }}" "${container}" 2>/dev/null) || return 0
  if [[ "${run}" == "${RUN_ID}" ]]; then
    run_quiet "${DOCKER}" rm --force "${container}" || die "${EXIT_FAILURE}" "could not remove the earlier smoke-check container ${container}: ${COMMAND_ERROR}"
  fi
}

# Starts the container attached, for at most TIMEOUT seconds (status 124 when it took longer).
# Its output goes to the run's temporary folder, then to the terminal and the build log.
run_smoke_container() {
  local container=$1 timeout=$2 status=0 line
  announce "${DOCKER}" start --attach "${container}" || return 0
  timeout --kill-after=10 "${timeout}" "${DOCKER}" start --attach "${container}" >"${RUN_TMP}/smoke.out" 2>&1 &
  wait_for_command || status=$?
  while IFS= read -r line || [[ -n "${line}" ]]; do say "    ${line}"; done <"${RUN_TMP}/smoke.out"
  return "${status}"
}

# Dies with one line when the run failed: the command, what went wrong, the output's last line.
smoke_verdict() {
  local status=$1 timeout=$2 image=$3 where=$4 output="${RUN_TMP}/smoke.out" problem
  if [[ "${status}" == 124 || "${status}" == 137 ]]; then
    problem="did not finish within ${timeout}s (SMOKE_TIMEOUT)"
  elif [[ "${status}" != 0 ]]; then
    problem="exited ${status}"
  elif ! smoke_output_matches "${SMOKE_EXPECTED_OUTPUT}" "${output}"; then
    problem="exited 0, but its output does not match /${SMOKE_EXPECTED_OUTPUT}/"
  else
    return 0
  fi
  die "${EXIT_SMOKE}" "smoke check failed: '${SMOKE_COMMAND}' ${problem} in a fresh container of ${image}; output ends: '$(output_tail "${output}")'; see ./${BUILD_LOG}${where}"
}
