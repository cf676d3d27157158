#!/usr/bin/env bash
# The hand-written part of every generated package script. The generator puts the
# pipeline data and run_packager() (the packager's own commands) above this.
# shellcheck disable=SC2034,SC2154
set -euo pipefail
# --- Package script ---

# The numeric IDs the tarball's entries belong to: PACKAGE_IDS ("UID:GID"; the driver passes
# HOST_UID:HOST_GID in CI mode, where the image user may have other IDs, e.g. 1000 when the host
# IDs are root's 0:0), else the IDs of the user who runs this script (standard mode: HOST_UID:HOST_GID).
package_ids() {
  local ids=${PACKAGE_IDS:-$(id -u):$(id -g)}
  if [[ ! "${ids}" =~ ^[0-9]+:[0-9]+$ ]]; then
    printf 'error: PACKAGE_IDS=%s is not UID:GID (two whole numbers, e.g. 1000:1000); unset it to use the IDs of %s\n' "${ids}" "$(id -un)" >&2
    return 1
  fi
  printf '%s\n' "${ids}"
}

# The tarball of the package folder; every entry owned by package_ids, by number (no user or
# group names), whoever owns the files here.
make_tarball() {
  local ids
  ids=$(package_ids)
  tar --owner="${ids%%:*}" --group="${ids##*:}" --numeric-owner \
    -C "$(dirname "${PACKAGE_DIR}")" -czf "${ARTIFACT}" "$(basename "${PACKAGE_DIR}")"
}

# Runs the packager with its output in the packager log, then makes the tarball and its checksum.
main() {
  cd "$(dirname "${BASH_SOURCE[0]}")/${ROOT_FROM_SCRIPT}"
  local started=${SECONDS} status
  mkdir -p dist build
  rm -rf "${PACKAGE_DIR}" "${ARTIFACT}" "${CHECKSUM}"
  # CI mode: the driver passes BUILD_RUN_ID into the container. test_ci_mode.sh expects this
  # marker inside the container and never on the host (with the repository mounted, it would be).
  if [[ -n "${BUILD_RUN_ID:-}" ]]; then : >"${RUN_MARKER_PREFIX}${BUILD_RUN_ID}"; fi
  printf '==> %s: building ./%s (log: ./%s)\n' "${PACKAGER}" "${PACKAGE_DIR}" "${PACKAGER_LOG}"
  # A subshell with errexit of its own, outside any condition, so that the first failing
  # command stops the packager; its status is read from PIPESTATUS, not from tee.
  set +e
  (
    set -euo pipefail
    run_packager
  ) 2>&1 | tee "${PACKAGER_LOG}"
  status=${PIPESTATUS[0]}
  set -e
  if [[ "${status}" != 0 ]]; then
    printf 'error: %s failed (exit %s); full log in ./%s\n' "${PACKAGER}" "${status}" "${PACKAGER_LOG}" >&2
    exit "${status}"
  fi
  if [[ ! -d "${PACKAGE_DIR}" ]] || [[ -z "$(ls -A "${PACKAGE_DIR}")" ]]; then
    printf 'error: %s succeeded but ./%s is missing or empty; check the packager settings in .projenrc.ts\n' "${PACKAGER}" "${PACKAGE_DIR}" >&2
    exit 1
  fi
  make_tarball
  (cd "$(dirname "${ARTIFACT}")" && sha256sum "$(basename "${ARTIFACT}")" >"$(basename "${CHECKSUM}")")
  printf '<== %s: ./%s and ./%s in %ss\n' "${PACKAGER}" "${ARTIFACT}" "${CHECKSUM}" $((SECONDS - started))
}
