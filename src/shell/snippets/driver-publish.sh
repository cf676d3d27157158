#!/usr/bin/env bash
# Publishing: the registry of a run, and push, promote, pull and pull_or_build.
# Part of every generated build driver (assembled by src/shell/driver-script.ts, after the
# pipeline model as bash data). Only functions; sourced alone by the tests.
# shellcheck disable=SC2034,SC2154
set -euo pipefail
# --- Build driver: publishing ---

# Images travel under their input tag (<image>-<hash>, see input_tag), which names exactly what
# was built from the current inputs; the moving tag (the model's image name) is pushed only by
# promote. pull tells an image that is absent from the registry apart from any other failure.

# The registry of the run: --registry, else BUILD_REGISTRY (none: the model's image names).
resolve_registry() {
  local source=--registry problem
  if [[ "${REGISTRY_GIVEN:-0}" == 1 ]]; then
    REGISTRY=${REGISTRY_OPTION}
  else
    REGISTRY=${BUILD_REGISTRY:-}
    source=BUILD_REGISTRY
    [[ -n "${REGISTRY}" ]] || return 0
  fi
  problem=$(registry_problem "${REGISTRY}")
  [[ -z "${problem}" ]] || die "${EXIT_SETTINGS}" "${source} '${REGISTRY}' ${problem}"
}

# An image that is pushed or pulled must name its registry: Docker would take docker.io for it.
require_registry() {
  registry_host "$1" >/dev/null \
    || die "${EXIT_SETTINGS}" "image $1 names no registry, so Docker would use docker.io; give one with --registry HOST[:PORT] or BUILD_REGISTRY"
}

# The image under the stage's input tag must be here: otherwise it was never built, or its inputs
# changed since (its Dockerfile, a file it copies, its IDs, its parent).
require_input_tag() {
  local stage=$1 tag=$2
  [[ "${DRY_RUN}" == 1 ]] && return 0
  "${DOCKER}" image inspect "${tag}" >/dev/null 2>&1 \
    || die "${EXIT_PREREQUISITE}" "image ${tag} is not here: stage ${stage} is not built from the current inputs (never built, or its Dockerfile, a file it copies, its IDs or its parent changed); build it with '${DRIVER_PATH}${CI_FLAG} build_${stage}'"
}

# Runs docker push or pull (unless --dry-run), its output to the terminal and the build log; the
# last line of its error output goes to REGISTRY_ERROR, all of it to REGISTRY_ERROR_TEXT.
registry_command() {
  local status=0
  REGISTRY_ERROR=''
  REGISTRY_ERROR_TEXT=''
  announce "${DOCKER}" "$@" || return 0
  "${DOCKER}" "$@" 2>"${RUN_TMP}/registry.err" > >(tee -a "${BUILD_LOG}" 2>/dev/null) &
  wait_for_command || status=$?
  REGISTRY_ERROR_TEXT=$(cat "${RUN_TMP}/registry.err" 2>/dev/null || true)
  { printf '%s\n' "${REGISTRY_ERROR_TEXT}" >>"${BUILD_LOG}"; } 2>/dev/null || true
  REGISTRY_ERROR=$(tail -n 1 <<<"${REGISTRY_ERROR_TEXT}")
  REGISTRY_ERROR=${REGISTRY_ERROR:-exit status ${status}}
  return "${status}"
}

# Whether a failed pull's error output says that the registry has no such image (the OCI
# distribution errors MANIFEST_UNKNOWN and NAME_UNKNOWN). Anything else (no answer, a refused
# connection, denied access, not logged in) is not "absent". Docker Hub answers "pull access
# denied ... may require 'docker login'" for both a missing repository and a private one, so that
# answer counts as a failure.
pull_error_is_absent() {
  local text=${1,,}
  [[ "${text}" == *'manifest unknown'* || "${text}" == *'name unknown'* || "${text}" == *'manifest_unknown'* \
    || "${text}" == *'name_unknown'* || "${text}" == *'repository name not known to registry'* ]]
}

# push [STAGE...]: each stage's image under its input tag.
push_stages() {
  local stage tag started
  for stage in "$@"; do
    started=${SECONDS}
    tag=$(input_tag "${stage}")
    require_registry "${tag}"
    require_input_tag "${stage}" "${tag}"
    say "==> push ${stage}: ${tag}"
    registry_command push "${tag}" \
      || die "${EXIT_REGISTRY}" "pushing ${tag} failed: ${REGISTRY_ERROR}; check that $(registry_host "${tag}") is reachable and that you are logged in to it (docker login); see ./${BUILD_LOG}"
    say "<== ${stage}: pushed ${tag} $(elapsed_since "${started}")"
  done
}

# promote [STAGE...]: the moving tag (the model's image name) now names the stage's image built
# from the current inputs, and is pushed.
promote_stages() {
  local stage tag image started
  for stage in "$@"; do
    started=${SECONDS}
    tag=$(input_tag "${stage}")
    image=$(image_of "${stage}")
    require_registry "${image}"
    require_input_tag "${stage}" "${tag}"
    say "==> promote ${stage}: ${image} = ${tag}"
    run_quiet "${DOCKER}" tag "${tag}" "${image}" || die "${EXIT_FAILURE}" "could not tag ${tag} as ${image}: ${COMMAND_ERROR}"
    registry_command push "${image}" \
      || die "${EXIT_REGISTRY}" "pushing ${image} failed: ${REGISTRY_ERROR}; check that $(registry_host "${image}") is reachable and that you are logged in to it (docker login); see ./${BUILD_LOG}"
    say "<== ${stage}: pushed ${image} $(elapsed_since "${started}")"
  done
}

# try_pull STAGE: pulls the stage's image by its input tag and tags it with the stage's image name.
# Sets PULL_OUTCOME: pulled, absent (the registry has no such image) or failed (any other reason).
try_pull() {
  local stage=$1 tag image
  tag=$(input_tag "${stage}")
  image=$(image_of "${stage}")
  require_registry "${tag}"
  if registry_command pull "${tag}"; then
    run_quiet "${DOCKER}" tag "${tag}" "${image}" || die "${EXIT_FAILURE}" "could not tag ${tag} as ${image}: ${COMMAND_ERROR}"
    PULL_OUTCOME=pulled
  elif pull_error_is_absent "${REGISTRY_ERROR_TEXT}"; then
    PULL_OUTCOME=absent
  else
    PULL_OUTCOME=failed
  fi
}

# pull STAGE: the image built from the current inputs, from the registry.
pull_stage() {
  local stage=$1 tag started=${SECONDS}
  tag=$(input_tag "${stage}")
  say "==> pull ${stage}: ${tag}"
  try_pull "${stage}"
  case "${PULL_OUTCOME}" in
    pulled) say "<== ${stage}: pulled ${tag}, tagged $(image_of "${stage}") $(elapsed_since "${started}")" ;;
    absent) die "${EXIT_PULL_ABSENT}" "image ${tag} is absent from the registry (${REGISTRY_ERROR}): nothing was pushed from these inputs; build it with '${DRIVER_PATH}${CI_FLAG} build_${stage}', or use pull_or_build ${stage}" ;;
    *) die "${EXIT_REGISTRY}" "pulling ${tag} failed: ${REGISTRY_ERROR}; check that $(registry_host "${tag}") is reachable and that you are logged in to it (docker login); see ./${BUILD_LOG}" ;;
  esac
}

# pull_or_build STAGE: pull; build only when the registry has no such image, and say which.
pull_or_build() {
  local stage=$1 tag
  tag=$(input_tag "${stage}")
  try_pull "${stage}"
  case "${PULL_OUTCOME}" in
    pulled)
      if [[ "${DRY_RUN}" == 1 ]]; then
        say "# pull_or_build ${stage}: a real run builds the stage (build_${stage}) only when the registry has no ${tag}"
      else
        say "pull_or_build ${stage}: pulled ${tag} from the registry (built from these same inputs), so it is not rebuilt"
      fi
      ;;
    absent)
      say "pull_or_build ${stage}: building it, because ${tag} is absent from the registry (${REGISTRY_ERROR})"
      preflight_before_build "build_${stage}"
      build_one "${stage}"
      ;;
    *)
      die "${EXIT_REGISTRY}" "pull_or_build ${stage}: pulling ${tag} failed, so nothing was built (only an absent image is built): ${REGISTRY_ERROR}; check that $(registry_host "${tag}") is reachable and that you are logged in to it (docker login)"
      ;;
  esac
}

# merge [STAGE...]: for a build on several platforms (BUILD_PLATFORMS, e.g. "linux/amd64
# linux/arm64"), joins each platform's image under the input tag (<tag>-<arch>-<hash>, pushed by
# that platform's job) into one multi-platform manifest under the plain input tag, in the
# registry (docker buildx imagetools create: no image is pulled or built here).
merge_stages() {
  local stage hash tag platform sources started
  [[ -n "${BUILD_PLATFORMS:-}" && -z "${BUILD_PLATFORM:-}" ]] \
    || die "${EXIT_SETTINGS}" "merge needs BUILD_PLATFORMS (the platforms whose images it joins, e.g. BUILD_PLATFORMS='linux/amd64 linux/arm64') and no BUILD_PLATFORM"
  for stage in "$@"; do
    started=${SECONDS}
    hash=$(input_hash "${stage}")
    tag="$(image_of "${stage}" '')-${hash}"
    require_registry "${tag}"
    sources=()
    for platform in ${BUILD_PLATFORMS}; do sources+=("$(image_of "${stage}" "${platform}")-${hash}"); done
    registry_command buildx imagetools create --tag "${tag}" "${sources[@]}" \
      || die "${EXIT_FAILURE}" "could not join ${sources[*]} into ${tag}: ${REGISTRY_ERROR} (each platform's job must have pushed its image first)"
    say "<== ${stage}: ${tag} names the images of ${BUILD_PLATFORMS} $(elapsed_since "${started}")"
  done
}

# promote_merged [STAGE...]: the moving tag (the model's image name) now names the merged
# multi-platform manifest of the stage's input tag (see merge_stages).
promote_merged_stages() {
  local stage tag image
  for stage in "$@"; do
    image=$(image_of "${stage}" '')
    tag="${image}-$(input_hash "${stage}")"
    require_registry "${image}"
    registry_command buildx imagetools create --tag "${image}" "${tag}" \
      || die "${EXIT_FAILURE}" "could not tag ${tag} as ${image}: ${REGISTRY_ERROR} (run merge first)"
  done
}

# digest STAGE: the registry's digest of the stage's image under its input tag, as pushed by this
# job (what a provenance attestation names): prints <repository>@sha256:..., and, in a GitHub
# job, writes name=<repository> and digest=sha256:... to the step's outputs ($GITHUB_OUTPUT).
print_pushed_digest() {
  local stage=$1 tag repository line found=''
  tag=$(input_tag "${stage}")
  repository=${tag%:*}
  require_input_tag "${stage}" "${tag}"
  announce "${DOCKER}" image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "${tag}" || return 0
  while IFS= read -r line; do
    if [[ "${line}" == "${repository}@sha256:"* ]]; then found=${line}; fi
  done < <("${DOCKER}" image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "${tag}")
  [[ -n "${found}" ]] || die "${EXIT_PREREQUISITE}" "image ${tag} has no digest from ${repository}: it was not pushed from here; push it first with '${DRIVER_PATH}${CI_FLAG} push ${stage}'"
  printf '%s\n' "${found}"
  if [[ -n "${GITHUB_OUTPUT:-}" ]]; then printf 'name=%s\ndigest=%s\n' "${repository}" "${found#*@}" >>"${GITHUB_OUTPUT}"; fi
}
