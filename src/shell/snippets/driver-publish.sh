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

# Runs a docker registry command (push, pull, manifest; unless --dry-run), its output to the
# terminal and the build log, and to REGISTRY_OUTPUT; the last line of its error output goes to
# REGISTRY_ERROR, all of it to REGISTRY_ERROR_TEXT.
registry_command() {
  local status=0
  REGISTRY_ERROR=''
  REGISTRY_ERROR_TEXT=''
  REGISTRY_OUTPUT=''
  local args=("$@") flags=() words=1
  [[ "$1" == manifest ]] && words=2
  mapfile -t flags < <(loopback_flags "${*:1:words}" "${!#}")
  args=("${@:1:words}" "${flags[@]}" "${@:words+1}")
  announce "${DOCKER}" "${args[@]}" || return 0
  "${DOCKER}" "${args[@]}" 2>"${RUN_TMP}/registry.err" > >(tee "${RUN_TMP}/registry.out" | tee -a "${BUILD_LOG}" 2>/dev/null) &
  wait_for_command || status=$?
  REGISTRY_OUTPUT=$(cat "${RUN_TMP}/registry.out" 2>/dev/null || true)
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
# that platform's job) into one multi-platform manifest list under the plain input tag, in the
# registry: no image is pulled or built here. It uses the docker client's own manifest command
# (no Buildx): the same command runs on a GitHub runner and on a machine with only a Docker engine.
merge_stages() {
  local stage tag started
  require_manifest_platforms
  for stage in "$@"; do
    started=${SECONDS}
    tag=$(merged_input_tag "${stage}")
    platform_sources "${stage}"
    create_manifest_list "${stage}" "${tag}" "${PLATFORM_SOURCES[@]}"
    push_manifest_list "${tag}"
    if [[ "${DRY_RUN}" == 0 ]]; then record_merged_digest "${tag}" "${MANIFEST_DIGEST}"; fi
    say "<== ${stage}: ${tag} (${MANIFEST_DIGEST:-dry run}) names the images of ${BUILD_PLATFORMS} $(elapsed_since "${started}")"
  done
}

# promote_merged [STAGE...]: the moving tag (the model's image name) now names the same manifest
# list as the merged input tag (see merge_stages). The list is made again from the platforms'
# images (a list cannot be tagged in the registry without Buildx) and pushed only when it names
# the same images as the merged input tag's list: one that differs is refused, and nothing moves.
promote_merged_stages() {
  local stage image tag started merged=() promoted=()
  require_manifest_platforms
  for stage in "$@"; do
    started=${SECONDS}
    image=$(image_of "${stage}" '')
    tag=$(merged_input_tag "${stage}")
    platform_sources "${stage}"
    create_manifest_list "${stage}" "${image}" "${PLATFORM_SOURCES[@]}"
    if [[ "${DRY_RUN}" == 0 ]]; then
      mapfile -t promoted < <(manifest_field digest "${image}")
      mapfile -t merged < <(manifest_field digest "${tag}")
      if [[ "${promoted[*]}" != "${merged[*]}" ]]; then
        "${DOCKER}" manifest rm "${image}" >/dev/null 2>&1 || true
        die "${EXIT_REGISTRY}" "the platforms' images now are ${promoted[*]}, but ${tag} names ${merged[*]:-nothing (run merge first)}: a platform's image changed since merge; run merge again, then promote_merged (${image} was not moved)"
      fi
    fi
    push_manifest_list "${image}"
    say "<== ${stage}: ${image} (${MANIFEST_DIGEST:-dry run}) names the images of ${BUILD_PLATFORMS} $(elapsed_since "${started}")"
  done
}

# merge and promote_merged join what each platform's job pushed: they need BUILD_PLATFORMS, run
# outside any one platform's build, and need the docker client (Podman's manifest commands differ).
require_manifest_platforms() {
  joining_platforms \
    || die "${EXIT_SETTINGS}" "${COMMAND} needs BUILD_PLATFORMS (the platforms whose images it joins, e.g. BUILD_PLATFORMS='linux/amd64 linux/arm64') and no BUILD_PLATFORM"
  local platform
  for platform in ${BUILD_PLATFORMS}; do
    is_platform "${platform}" \
      || die "${EXIT_SETTINGS}" "BUILD_PLATFORMS names '${platform}', which is not a platform; use linux/amd64 or linux/arm64"
  done
  [[ "${ENGINE}" != podman ]] \
    || die "${EXIT_SETTINGS}" "${COMMAND} uses the docker client's manifest command, which Podman's differs from; run it with DOCKER=docker"
}

# Whether this run joins the platforms' images (merge, promote_merged, and digest after them):
# BUILD_PLATFORMS names them, and no one platform's build (BUILD_PLATFORM) is under way.
joining_platforms() {
  [[ -n "${BUILD_PLATFORMS:-}" && -z "${BUILD_PLATFORM:-}" ]]
}

# The plain input tag of a stage (no architecture): the tag merge joins the platforms' images under.
merged_input_tag() {
  printf '%s-%s\n' "$(image_of "$1" '')" "$(input_hash "$1")"
}

# PLATFORM_SOURCES: the input tag each platform's job pushed the stage's image under, in the order of BUILD_PLATFORMS.
platform_sources() {
  local stage=$1 hash platform
  hash=$(input_hash "${stage}")
  PLATFORM_SOURCES=()
  for platform in ${BUILD_PLATFORMS}; do PLATFORM_SOURCES+=("$(image_of "${stage}" "${platform}")-${hash}"); done
}

# loopback_flags COMMAND REF: the flag a registry COMMAND ("push", "pull", "manifest create", ...)
# needs for an image REF under a loopback registry (plain http there, see under_loopback_registry):
# the Docker engine trusts those itself, but the client's manifest commands need --insecure, and
# Podman's push and pull --tls-verify=false. Nothing for any other registry or command.
loopback_flags() {
  under_loopback_registry "$2" || return 0
  case "${ENGINE:-docker}/$1" in
    podman/push | podman/pull) printf '%s\n' --tls-verify=false ;;
    docker/manifest\ *) printf '%s\n' --insecure ;;
  esac
}

# manifest_field FIELD REF: each value of FIELD ("digest", "architecture") in the entries of the
# manifest list REF, in order: the list made here, else the registry's (docker manifest inspect).
manifest_field() {
  local flags=()
  mapfile -t flags < <(loopback_flags 'manifest inspect' "$2")
  "${DOCKER}" manifest inspect "${flags[@]}" "$2" 2>/dev/null | sed -n "s/^ *\"$1\": *\"\\([^\"]*\\)\".*/\\1/p"
}

# create_manifest_list STAGE TARGET SOURCE...: a manifest list of the SOURCE images (each already
# in the registry), made here as TARGET (not pushed yet). Each source's architecture, read from
# the registry, must be the one its tag names: an image of another architecture pushed under a
# platform's tag is refused, and nothing is pushed.
create_manifest_list() {
  local stage=$1 target=$2 expected=() architectures=() platform
  shift 2
  require_registry "${target}"
  say "==> ${COMMAND} ${stage}: ${target} = ${*}"
  registry_command manifest create --amend "${target}" "$@" \
    || die "${EXIT_REGISTRY}" "could not join $* into ${target}: ${REGISTRY_ERROR} (each platform's job must have pushed its image first: push with BUILD_PLATFORM set)"
  [[ "${DRY_RUN}" == 0 ]] || return 0
  for platform in ${BUILD_PLATFORMS}; do expected+=("${platform##*/}"); done
  mapfile -t architectures < <(manifest_field architecture "${target}")
  if [[ "${architectures[*]}" != "${expected[*]}" ]]; then
    "${DOCKER}" manifest rm "${target}" >/dev/null 2>&1 || true
    die "${EXIT_REGISTRY}" "the images $* are for ${architectures[*]:-no architecture}, not ${expected[*]} as their tags say: a platform's job pushed an image of another architecture; nothing was pushed to ${target}"
  fi
}

# push_manifest_list TARGET: pushes the list create_manifest_list made (and forgets it here); its
# registry digest goes to MANIFEST_DIGEST.
push_manifest_list() {
  local target=$1
  MANIFEST_DIGEST=''
  registry_command manifest push --purge "${target}" \
    || die "${EXIT_REGISTRY}" "pushing the manifest list ${target} failed: ${REGISTRY_ERROR}; check that $(registry_host "${target}") is reachable and that you are logged in to it (docker login); see ./${BUILD_LOG}"
  [[ "${DRY_RUN}" == 0 ]] || return 0
  MANIFEST_DIGEST=$(grep -o 'sha256:[0-9a-f]\{64\}' <<<"${REGISTRY_OUTPUT}" | tail -n 1 || true)
  [[ -n "${MANIFEST_DIGEST}" ]] || die "${EXIT_REGISTRY}" "docker manifest push printed no digest for ${target} (it printed: ${REGISTRY_OUTPUT:-nothing}); see ./${BUILD_LOG}"
}

# The digests of the manifest lists merge pushed from this checkout: ./build/merged-digests.tsv,
# one "<input tag><TAB><digest>" line each (the last line of a tag wins); read by digest.
record_merged_digest() {
  append_line "${MERGED_DIGESTS}" "$1"$'\t'"$2"
}

recorded_merged_digest() {
  [[ -f "${MERGED_DIGESTS}" ]] || return 0
  awk -F '\t' -v tag="$1" '$1 == tag { digest = $2 } END { if (digest != "") print digest }' "${MERGED_DIGESTS}"
}

# digest STAGE: the registry's digest of the stage's image under its input tag, as pushed by this
# job (what a provenance attestation names): prints <repository>@sha256:..., and, in a GitHub
# job, writes name=<repository> and digest=sha256:... to the step's outputs ($GITHUB_OUTPUT).
# After merge (BUILD_PLATFORMS set, no BUILD_PLATFORM) it is the digest of the manifest list merge
# pushed from this checkout; otherwise that of the image push sent from this engine.
print_pushed_digest() {
  local stage=$1 tag repository line found=''
  if joining_platforms; then
    tag=$(merged_input_tag "${stage}")
    repository=${tag%:*}
    if [[ "${DRY_RUN}" == 1 ]]; then
      say "# digest ${stage}: a real run prints the digest of the manifest list merge pushed as ${tag} (./${MERGED_DIGESTS})"
      return 0
    fi
    found=$(recorded_merged_digest "${tag}")
    [[ -n "${found}" ]] || die "${EXIT_PREREQUISITE}" "no manifest list ${tag} was pushed from this checkout (./${MERGED_DIGESTS}); join the platforms' images first with '${DRIVER_PATH}${CI_FLAG} merge ${stage}'"
    found="${repository}@${found}"
  else
    tag=$(input_tag "${stage}")
    repository=${tag%:*}
    require_input_tag "${stage}" "${tag}"
    announce "${DOCKER}" image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "${tag}" || return 0
    while IFS= read -r line; do
      if [[ "${line}" == "${repository}@sha256:"* ]]; then found=${line}; fi
    done < <("${DOCKER}" image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' "${tag}")
    [[ -n "${found}" ]] || die "${EXIT_PREREQUISITE}" "image ${tag} has no digest from ${repository}: it was not pushed from here; push it first with '${DRIVER_PATH}${CI_FLAG} push ${stage}'"
  fi
  printf '%s\n' "${found}"
  if [[ -n "${GITHUB_OUTPUT:-}" ]]; then printf 'name=%s\ndigest=%s\n' "${repository}" "${found#*@}" >>"${GITHUB_OUTPUT}"; fi
}
