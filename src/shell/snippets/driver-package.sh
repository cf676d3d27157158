#!/usr/bin/env bash
# The package step: with the repository mounted (standard) or in a container with no mount (--ci).
# Part of every generated build driver (assembled by src/shell/driver-script.ts, after the
# pipeline model as bash data). Only functions; sourced alone by the tests.
# shellcheck disable=SC2034,SC2154
set -euo pipefail
# --- Build driver: package step ---

# The package arrives in a staging folder inside ./build (the file system of ./dist), is verified
# there, and only then moves into ./dist by renames, so that a failure or an interruption never
# leaves a half-written or mixed ./dist: before the move it is unchanged, after it complete.

container_name() {
  printf '%s_%s_%s' "${PIPELINE}" "$1" "${RUN_ID}"
}

# The run's staging folder: what the packager puts in dist/ lands here first.
staging_dir() {
  printf 'build/.package-%s' "${RUN_ID}"
}

# A fresh, empty staging folder, owned by HOST_UID:HOST_GID (standard mode writes to it as them).
new_staging_dir() {
  [[ "${DRY_RUN}" == 1 ]] && return 0
  rm -rf "$(staging_dir)"
  OWNS_STAGING=1
  make_dirs "$(staging_dir)"
  give_to_host_ids "$(staging_dir)"
}

# Standard mode: the packager runs in the parent image with the repository mounted, as
# HOST_UID:HOST_GID; the staging folder is mounted over its dist/.
package_with_mount() {
  local image workdir
  image=$(image_of "$(stage_parent "${PACKAGE_STAGE}")")
  workdir=$(stage_workdir "${PACKAGE_STAGE}")
  require_image "${image}" "$(stage_parent "${PACKAGE_STAGE}")"
  new_staging_dir
  run "${DOCKER}" run --rm --name "$(container_name "${PACKAGE_STAGE}")" \
    --label "${LABEL_PIPELINE}=${PIPELINE}" --label "${LABEL_RUN_ID}=${RUN_ID}" \
    --user "${HOST_UID}:${HOST_GID}" --volume "${PWD}:${workdir}" --volume "${PWD}/$(staging_dir):${workdir}/dist" \
    "${image}" bash "${PACKAGE_SCRIPT}" \
    || die "${EXIT_PACKAGE}" "packaging failed; see ./${PACKAGER_LOG}"
}

# CI mode: no mount. The package stage's image holds the sources; a container of it runs the
# packager, and the package and its log are copied out with docker cp. The image user may have
# other IDs than HOST_UID:HOST_GID (root's 0:0 become 1000): PACKAGE_IDS gives the tarball's
# entries the host IDs all the same.
package_in_container() {
  local container workdir status=0 copy_error=''
  build_stage "${PACKAGE_STAGE}" "${#STAGES[@]}"
  container=$(container_name "${PACKAGE_STAGE}")
  workdir=$(stage_workdir "${PACKAGE_STAGE}")
  new_staging_dir
  run_quiet "${DOCKER}" create --name "${container}" --label "${LABEL_PIPELINE}=${PIPELINE}" \
    --label "${LABEL_RUN_ID}=${RUN_ID}" --env "BUILD_RUN_ID=${RUN_ID}" --env "PACKAGE_IDS=${HOST_UID}:${HOST_GID}" \
    "$(image_of "${PACKAGE_STAGE}")" bash "${PACKAGE_SCRIPT}" \
    || die "${EXIT_FAILURE}" "could not create the package container ${container}: ${COMMAND_ERROR}"
  run "${DOCKER}" start --attach "${container}" || status=$?
  run_quiet "${DOCKER}" cp "${container}:${workdir}/${PACKAGER_LOG}" "${PACKAGER_LOG}" \
    || say "(could not copy the packager log out of the container: ${COMMAND_ERROR})"
  if [[ "${status}" == 0 ]]; then
    run_quiet "${DOCKER}" cp "${container}:${workdir}/dist/." "$(staging_dir)/" || copy_error=${COMMAND_ERROR:-unknown error}
  fi
  if [[ "${KEEP_CONTAINERS:-0}" != 1 ]]; then
    run_quiet "${DOCKER}" rm "${container}" || say "(could not remove container ${container}: ${COMMAND_ERROR})"
  fi
  [[ "${status}" == 0 ]] || die "${EXIT_PACKAGE}" "packaging failed in container ${container} (exit status ${status}); see ./${PACKAGER_LOG}"
  if [[ -n "${copy_error}" ]]; then
    die "${EXIT_WRITE}" "could not copy the package out of container ${container} into ./$(staging_dir): $(write_error_reason "${copy_error}"); $(write_fix "$(staging_dir)"); ./dist is unchanged"
  fi
}

# Checks the staged package: the tarball is there and not empty, and its checksum is there, not
# empty, and matches. Names the file as it would appear in ./dist.
verify_package() {
  if [[ "${DRY_RUN}" == 1 ]]; then
    say "# then: verify the package in ./$(staging_dir) (tarball and checksum)"
    return 0
  fi
  local staged staged_artifact staged_checksum
  staged=$(staging_dir)
  staged_artifact=${staged}/${ARTIFACT#dist/}
  staged_checksum=${staged}/${CHECKSUM#dist/}
  [[ -s "${staged_artifact}" ]] \
    || die "${EXIT_VERIFICATION}" "the packager reported success but ./${ARTIFACT} is missing or empty; see ./${PACKAGER_LOG}; ./dist is unchanged"
  [[ -s "${staged_checksum}" ]] \
    || die "${EXIT_VERIFICATION}" "./${CHECKSUM} is missing or empty after writing it; see ./${PACKAGER_LOG}, check the free space (df -h .), then rerun; ./dist is unchanged"
  (cd "${staged}" && sha256sum --check --status "${CHECKSUM#dist/}" 2>/dev/null) \
    || die "${EXIT_VERIFICATION}" "./${CHECKSUM} does not match ./${ARTIFACT}; rebuild the package; ./dist is unchanged"
}

# Moves the staged package into ./dist: each of its entries replaces the one of the same name.
# Signals wait until the move is done; a failed move puts everything back and names the file.
commit_package() {
  if [[ "${DRY_RUN}" == 1 ]]; then
    say "# then: move the package from ./$(staging_dir) into ./dist"
    return 0
  fi
  local staged replaced entries=() name moved=() kept=()
  staged=$(staging_dir)
  replaced="build/.replaced-${RUN_ID}"
  give_to_host_ids -R "${staged}"
  mapfile -t entries < <(ls -A "${staged}")
  make_dirs "${replaced}"
  defer_signals
  for name in "${entries[@]}"; do
    if [[ -e "dist/${name}" || -L "dist/${name}" ]]; then
      move_entry "dist/${name}" "${replaced}/${name}" || undo_commit "dist/${name}"
      kept+=("${name}")
    fi
  done
  for name in "${entries[@]}"; do
    move_entry "${staged}/${name}" "dist/${name}" || undo_commit "dist/${name}"
    moved+=("${name}")
  done
  rm -rf "${replaced}"
  DIST_STATE="./dist holds the new package"
  resume_signals
}

# Renames FROM to TO; the reason of a failure goes to MOVE_ERROR (no raw mv message).
move_entry() {
  local error
  error=$(mv -T -- "$1" "$2" 2>&1) && return 0
  MOVE_ERROR=$(write_error_reason "${error}")
  return 1
}

# After a failed move in commit_package: the new entries go back to staging, the replaced ones
# back into ./dist, and the run dies naming the file. Reads commit_package's locals.
undo_commit() {
  local file=$1 name error="${MOVE_ERROR}" restored=1
  for name in "${moved[@]}"; do move_entry "dist/${name}" "${staged}/${name}" || restored=0; done
  for name in "${kept[@]}"; do move_entry "${replaced}/${name}" "dist/${name}" || restored=0; done
  if [[ "${restored}" == 1 ]]; then
    rm -rf "${replaced}"
    die "${EXIT_WRITE}" "could not write ./${file}: ${error}; $(write_fix "${file}"); ./dist is unchanged"
  fi
  die "${EXIT_WRITE}" "could not write ./${file}: ${error}; $(write_fix "${file}"); ./dist is incomplete: the entries it had are in ./${replaced}"
}

build_package_stage() {
  local started=${SECONDS} clock=${EPOCHREALTIME}
  if [[ "${MODE}" == ci ]]; then
    package_in_container
  else
    say "==> [${#STAGES[@]}/${#STAGES[@]}] ${PACKAGE_STAGE}: ${PACKAGER} in the $(stage_parent "${PACKAGE_STAGE}") image, repository mounted"
    require_inputs "${PACKAGE_STAGE}"
    package_with_mount
  fi
  verify_package
  # The package runs before it reaches ./dist: a package that does not start never replaces one.
  smoke_check "$(staging_dir)/${ARTIFACT#dist/}" '; ./dist is unchanged'
  commit_package
  if [[ "${DRY_RUN}" == 0 ]]; then
    say "Package: ./${ARTIFACT} ($(du -h "${ARTIFACT}" | cut -f1)), checksum ./${CHECKSUM}"
  fi
  record_package "${clock}"
  say "<== ${PACKAGE_STAGE}: done $(elapsed_since "${started}")"
}
