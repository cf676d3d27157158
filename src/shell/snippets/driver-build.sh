#!/usr/bin/env bash
# Building the image stages, one or all.
# Part of every generated build driver (assembled by src/shell/driver-script.ts, after the
# pipeline model as bash data). Only functions; sourced alone by the tests.
# shellcheck disable=SC2034,SC2154
set -euo pipefail
# --- Build driver: image stages ---

# The image of a stage in this run's mode, under the run's registry (see with_registry).
image_of() {
  with_registry "$(stage_image "$1/${MODE}")"
}

build_stage() {
  local stage=$1 number=$2 started=${SECONDS} image tag parent
  image=$(image_of "${stage}")
  tag=$(input_tag "${stage}")
  say "==> [${number}/${#STAGES[@]}] ${stage}: $(stage_description "${stage}")"
  require_inputs "${stage}"
  local args=(build --file "$(stage_dockerfile "${stage}")" --tag "${image}" --tag "${tag}"
    --label "${LABEL_RUN_ID}=${RUN_ID}")
  # BuildKit: plain progress for a readable log, and the cache metadata in the image, so that the
  # registry's copy can serve as the build cache of a later run on another machine. Legacy builder:
  # remove the intermediate container of a failed step too, so that a failure leaves nothing
  # unlabelled behind. Podman's buildah takes the legacy builder's options (see choose_builder).
  if [[ "${BUILDER}" == buildkit ]]; then
    args+=(--progress=plain --build-arg BUILDKIT_INLINE_CACHE=1)
    cache_from_args "${image}" "${tag}"
  else
    args+=(--force-rm)
  fi
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


# BuildKit only, for an image name with a registry: the registry's copy of the image built from
# these inputs, else its moving tag, as cache (BuildKit skips one it cannot find). The legacy
# builder is given none: it would use only images present locally, and with --cache-from it no
# longer uses its local layer cache for anything else.
cache_from_args() {
  local image=$1 tag=$2
  registry_host "${image}" >/dev/null || return 0
  args+=(--cache-from "${tag}" --cache-from "${image}")
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
