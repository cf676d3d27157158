#!/usr/bin/env bash
# Removing this pipeline's containers, images and outputs (selected by label).
# Part of every generated build driver (assembled by src/shell/driver-script.ts, after the
# pipeline model as bash data). Only functions; sourced alone by the tests.
# shellcheck disable=SC2034,SC2154
set -euo pipefail
# --- Build driver: clean ---

# Removes images in passes: an image that still has children (docker refuses it) goes in a later
# pass, once they are gone. Docker's listing order is no parent order (images of one second tie).
remove_images() {
  local ids=("$@") left=() pass id
  for pass in 1 2 3 4 5 6; do
    left=()
    for id in "${ids[@]}"; do
      "${DOCKER}" image inspect "${id}" >/dev/null 2>&1 || continue # removed with a child already
      "${DOCKER}" rmi --force "${id}" >/dev/null 2>&1 || left+=("${id}")
    done
    [[ ${#left[@]} -gt 0 ]] || return 0
    ids=("${left[@]}")
  done
  die "${EXIT_FAILURE}" "could not remove image(s) ${left[*]} after ${pass} passes; see '${DOCKER} rmi ${left[0]}'"
}

# Removes only what carries this pipeline's label, and the build outputs.
clean() {
  local filter="label=${LABEL_PIPELINE}=${PIPELINE}" ids
  if [[ "${DRY_RUN}" == 1 ]]; then
    say "+ ${DOCKER} ps --all --quiet --filter ${filter} | xargs -r ${DOCKER} rm --force"
    say "+ ${DOCKER} images --all --quiet --filter ${filter} | xargs -r ${DOCKER} rmi --force   (in passes, children first)"
    say "+ rm -rf ./dist/* ./build/*"
    return 0
  fi
  ids=$("${DOCKER}" ps --all --quiet --filter "${filter}")
  if [[ -n "${ids}" ]]; then xargs "${DOCKER}" rm --force <<<"${ids}" >/dev/null; fi
  printf 'Removed %s container(s) labelled %s=%s.\n' "$(wc -w <<<"${ids}")" "${LABEL_PIPELINE}" "${PIPELINE}"
  ids=$("${DOCKER}" images --all --quiet --filter "${filter}" | awk '!seen[$0]++')
  # shellcheck disable=SC2086 # one ID per word
  if [[ -n "${ids}" ]]; then remove_images ${ids}; fi
  printf 'Removed %s image(s) labelled %s=%s.\n' "$(wc -w <<<"${ids}")" "${LABEL_PIPELINE}" "${PIPELINE}"
  # Last, and not through say(): the build log is among what goes.
  WRITES_LOG=0
  local error
  error=$(rm -rf ./dist/* ./build/* 2>&1) \
    || die "${EXIT_WRITE}" "could not empty ./dist and ./build: $(write_error_reason "${error%%$'\n'*}"); make them writable, then rerun"
  printf 'Emptied ./dist and ./build.\n'
}
