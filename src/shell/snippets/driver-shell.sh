#!/usr/bin/env bash
# The interactive shell in the package stage's parent image.
# Part of every generated build driver (assembled by src/shell/driver-script.ts, after the
# pipeline model as bash data). Only functions; sourced alone by the tests.
# shellcheck disable=SC2034,SC2154
set -euo pipefail
# --- Build driver: shell ---

open_shell() {
  local stage image tty=()
  stage=$(stage_parent "${PACKAGE_STAGE}")
  image=$(image_of "${stage}")
  require_image "${image}" "${stage}"
  if [[ -t 0 && -t 1 ]]; then tty=(--tty); fi
  if [[ "${MODE}" == ci ]]; then
    run_attached "${DOCKER}" run --rm --interactive "${tty[@]}" --label "${LABEL_PIPELINE}=${PIPELINE}" \
      --label "${LABEL_RUN_ID}=${RUN_ID}" "${image}" bash
  else
    run_attached "${DOCKER}" run --rm --interactive "${tty[@]}" --label "${LABEL_PIPELINE}=${PIPELINE}" \
      --label "${LABEL_RUN_ID}=${RUN_ID}" --user "${HOST_UID}:${HOST_GID}" --volume "${PWD}:$(stage_workdir "${stage}")" "${image}" bash
  fi
}
