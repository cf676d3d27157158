#!/usr/bin/env bash
# Building the image stages, one or all.
# Part of every generated build driver (assembled by src/shell/driver-script.ts, after the
# pipeline model as bash data). Only functions; sourced alone by the tests.
# shellcheck disable=SC2034,SC2154
set -euo pipefail
# --- Build driver: image stages ---

image_of() {
  stage_image "$1/${MODE}"
}

build_stage() {
  local stage=$1 number=$2 started=${SECONDS} image parent
  image=$(image_of "${stage}")
  say "==> [${number}/${#STAGES[@]}] ${stage}: $(stage_description "${stage}")"
  require_inputs "${stage}"
  local args=(build --file "$(stage_dockerfile "${stage}")" --tag "${image}"
    --label "${LABEL_RUN_ID}=${RUN_ID}")
  # BuildKit: plain progress for a readable log. Legacy builder: remove the intermediate
  # container of a failed step too, so that a failure leaves nothing unlabelled behind.
  if [[ "${DOCKER_BUILDKIT}" == 1 ]]; then args+=(--progress=plain); else args+=(--force-rm); fi
  if parent=$(stage_parent "${stage}"); then
    require_image "$(image_of "${parent}")" "${parent}"
    args+=(--build-arg "$(stage_image_arg "${stage}")=$(image_of "${parent}")")
  fi
  if stage_takes_user_ids "${stage}" >/dev/null; then
    args+=(--build-arg "HOST_UID=${IMAGE_UID}" --build-arg "HOST_GID=${IMAGE_GID}")
  fi
  run "${DOCKER}" "${args[@]}" . || die "${EXIT_STAGE_BUILD}" "building stage ${stage} failed; see ./${BUILD_LOG}"
  say "<== ${stage}: ${image} built $(elapsed_since "${started}")"
}


build_one() {
  local stage=$1 index
  for index in "${!STAGES[@]}"; do
    if [[ "${STAGES[${index}]}" == "${stage}" ]]; then
      if [[ "${stage}" == "${PACKAGE_STAGE}" ]]; then build_package_stage; else build_stage "${stage}" $((index + 1)); fi
      return 0
    fi
  done
  usage_error "unknown stage '${stage}' (stages: ${STAGES[*]})"
}

build_all() {
  local started=${SECONDS} stage
  for stage in "${STAGES[@]}"; do build_one "${stage}"; done
  say "Built ${#STAGES[@]} stages $(elapsed_since "${started}") (${MODE} mode)."
}
