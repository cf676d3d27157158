#!/usr/bin/env bash
# Building the image stages, one or all.
# Part of every generated build driver (assembled by src/shell/driver-script.ts, after the
# pipeline model as bash data). Only functions; sourced alone by the tests.
# shellcheck disable=SC2034,SC2154
set -euo pipefail
# --- Build driver: image stages ---

# image_of STAGE [PLATFORM]: the image of a stage in this run's mode, under the run's registry
# (see with_registry). A build for one platform of several (BUILD_PLATFORM, e.g. linux/arm64)
# tags its images <tag>-<architecture>, so that each platform's job pushes its own tags and the
# merge command joins them into one manifest under the plain tag.
image_of() {
  printf '%s%s\n' "$(with_registry "$(stage_image "$1/${MODE}")")" "$(platform_suffix "${2-${BUILD_PLATFORM:-}}")"
}

# BUILD_PLATFORM, when set, is one platform as docker build --platform takes it: linux/ARCH.
check_build_platform() {
  [[ -z "${BUILD_PLATFORM:-}" ]] || is_platform "${BUILD_PLATFORM}" \
    || die "${EXIT_SETTINGS}" "BUILD_PLATFORM='${BUILD_PLATFORM}' is not a platform; use linux/amd64 or linux/arm64 (or unset it for the engine's own)"
}

# The Dockerfile a stage is built from: its BuildKit rendering (with cache mounts) when the builder
# has cache mounts (CACHE_MOUNTS=1, see choose_builder), else the plain one, which any builder builds.
stage_dockerfile_to_build() {
  local stage=$1
  if [[ "${CACHE_MOUNTS}" == 1 ]] && stage_buildkit_dockerfile "${stage}"; then return 0; fi
  stage_dockerfile "${stage}"
}

# No per-run label on the image: a label value that changes gives the legacy builder a new image
# ID every run, and every stage built FROM it then misses its cache. What this run built or
# confirmed is in its run record instead (see record_stage in driver-metrics.sh).
build_stage() {
  local stage=$1 number=$2 started=${SECONDS} image tag parent output=/dev/null
  image=$(image_of "${stage}")
  tag=$(input_tag "${stage}")
  say "==> [${number}/${#STAGES[@]}] ${stage}: $(stage_description "${stage}")"
  require_inputs "${stage}"
  local args=(build --file "$(stage_dockerfile_to_build "${stage}")" --tag "${image}" --tag "${tag}")
  # The one place the platform reaches a build: every builder (BuildKit, legacy, buildah) takes it.
  if [[ -n "${BUILD_PLATFORM:-}" ]]; then args+=(--platform "${BUILD_PLATFORM}"); fi
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
  if [[ "${DRY_RUN}" == 0 ]]; then output=${RUN_TMP}/build-${stage}.out; fi
  local clock=${EPOCHREALTIME}
  run_recorded "${output}" "${DOCKER}" "${args[@]}" . || die "${EXIT_STAGE_BUILD}" "building stage ${stage} failed; see ./${BUILD_LOG}"
  [[ "${DRY_RUN}" == 1 ]] || record_stage "${stage}" "${image}" "${tag}" "${clock}" "${output}"
  say "<== ${stage}: ${image} built $(elapsed_since "${started}")$(stage_summary "${stage}")"
}

# Like run (output to the terminal and the build log), with the output also in FILE, which
# record_stage reads (whether every step came from the cache, the context size).
run_recorded() {
  local file=$1
  shift
  announce "$@" || return 0
  : >"${file}"
  "$@" > >(tee -a "${BUILD_LOG}" "${file}" 2>/dev/null) 2>&1 &
  wait_for_command
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

# build_STAGE: one stage, then its metrics.
build_one() {
  start_metrics
  build_named_stage "$1"
  finish_metrics
}

build_named_stage() {
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
  start_metrics
  for stage in "${STAGES[@]}"; do build_named_stage "${stage}"; done
  say "Built ${#STAGES[@]} stages $(elapsed_since "${started}") (${MODE} mode)."
  finish_metrics
}
