#!/usr/bin/env bash
# The package step: with the repository mounted (standard) or in a container with no mount (--ci).
# Part of every generated build driver (assembled by src/shell/driver-script.ts, after the
# pipeline model as bash data). Only functions; sourced alone by the tests.
# shellcheck disable=SC2034,SC2154
set -euo pipefail
# --- Build driver: package step ---

# Removes the previous package so that nothing stale is taken for this run's output.
reset_package_outputs() {
  [[ "${DRY_RUN}" == 1 ]] && return 0
  rm -rf "${PACKAGE_DIR}" "${ARTIFACT}" "${CHECKSUM}" "${PACKAGER_LOG}"
}

container_name() {
  printf '%s_%s_%s' "${PIPELINE}" "$1" "${RUN_ID}"
}

# Standard mode: the packager runs in the parent image with the repository mounted, as HOST_UID:HOST_GID.
package_with_mount() {
  local image
  image=$(image_of "$(stage_parent "${PACKAGE_STAGE}")")
  require_image "${image}" "$(stage_parent "${PACKAGE_STAGE}")"
  reset_package_outputs
  run "${DOCKER}" run --rm --name "$(container_name "${PACKAGE_STAGE}")" \
    --label "${LABEL_PIPELINE}=${PIPELINE}" --label "${LABEL_RUN_ID}=${RUN_ID}" \
    --user "${HOST_UID}:${HOST_GID}" --volume "${PWD}:$(stage_workdir "${PACKAGE_STAGE}")" \
    "${image}" bash "${PACKAGE_SCRIPT}" \
    || die "packaging failed; see ./${PACKAGER_LOG}"
}

# CI mode: no mount. The package stage's image holds the sources; a container of it runs the
# packager, and the package and its log are copied out with docker cp.
package_in_container() {
  local container workdir status=0
  build_stage "${PACKAGE_STAGE}" "${#STAGES[@]}"
  container=$(container_name "${PACKAGE_STAGE}")
  workdir=$(stage_workdir "${PACKAGE_STAGE}")
  reset_package_outputs
  run_quiet "${DOCKER}" create --name "${container}" --label "${LABEL_PIPELINE}=${PIPELINE}" \
    --label "${LABEL_RUN_ID}=${RUN_ID}" --env "BUILD_RUN_ID=${RUN_ID}" "$(image_of "${PACKAGE_STAGE}")" bash "${PACKAGE_SCRIPT}"
  run "${DOCKER}" start --attach "${container}" || status=$?
  run_quiet "${DOCKER}" cp "${container}:${workdir}/${PACKAGER_LOG}" "${PACKAGER_LOG}" \
    || say "(no packager log in the container)"
  if [[ "${status}" == 0 ]]; then
    run_quiet "${DOCKER}" cp "${container}:${workdir}/dist/." dist/ || status=$?
  fi
  if [[ "${KEEP_CONTAINERS:-0}" != 1 ]]; then run_quiet "${DOCKER}" rm "${container}"; fi
  [[ "${status}" == 0 ]] || die "packaging failed in container ${container}; see ./${PACKAGER_LOG}"
}

verify_package() {
  [[ "${DRY_RUN}" == 1 ]] && return 0
  [[ -s "${ARTIFACT}" ]] || die "the packager reported success but ./${ARTIFACT} is missing or empty; see ./${PACKAGER_LOG}"
  (cd "$(dirname "${ARTIFACT}")" && sha256sum --check --status "$(basename "${CHECKSUM}")") \
    || die "./${CHECKSUM} does not match ./${ARTIFACT}; rebuild the package"
  say "Package: ./${ARTIFACT} ($(du -h "${ARTIFACT}" | cut -f1)), checksum ./${CHECKSUM}"
}

build_package_stage() {
  local started=${SECONDS}
  if [[ "${MODE}" == ci ]]; then
    package_in_container
  else
    say "==> [${#STAGES[@]}/${#STAGES[@]}] ${PACKAGE_STAGE}: ${PACKAGER} in the $(stage_parent "${PACKAGE_STAGE}") image, repository mounted"
    require_inputs "${PACKAGE_STAGE}"
    package_with_mount
  fi
  verify_package
  say "<== ${PACKAGE_STAGE}: done $(elapsed_since "${started}")"
}
