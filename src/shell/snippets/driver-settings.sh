#!/usr/bin/env bash
# Settings of a run: docker client, builder, HOST_UID/HOST_GID, prerequisites, output folders.
# Part of every generated build driver (assembled by src/shell/driver-script.ts, after the
# pipeline model as bash data). Only functions; sourced alone by the tests.
# shellcheck disable=SC2034,SC2154
set -euo pipefail
# --- Build driver: settings ---

# HOST_UID/HOST_GID: environment, then .env, then id -u / id -g (one precedence, documented).
resolve_ids() {
  if [[ ! -f .env ]]; then create_env_file; fi
  resolve_id HOST_UID "$(id -u)"
  resolve_id HOST_GID "$(id -g)"
  # The image user must not be root: when the host IDs are root's, the image user gets the default
  # IDs, and the files copied to ./dist and ./build are still given to HOST_UID:HOST_GID.
  IMAGE_UID=${HOST_UID}
  IMAGE_GID=${HOST_GID}
  if [[ "${HOST_UID}" == 0 ]]; then IMAGE_UID=${DEFAULT_IMAGE_ID}; fi
  if [[ "${HOST_GID}" == 0 ]]; then IMAGE_GID=${DEFAULT_IMAGE_ID}; fi
  if ! [[ "${IMAGE_UID}" =~ ^[0-9]{1,10}$ && "${IMAGE_GID}" =~ ^[0-9]{1,10}$ ]] || ((10#${IMAGE_UID} == 0 || 10#${IMAGE_GID} == 0)); then
    die "${EXIT_SETTINGS}" "the image user would get the IDs ${IMAGE_UID}:${IMAGE_GID}, but it is never root; give the stage's user a defaultId above 0 in .projenrc.ts"
  fi
  IDS_RESOLVED=1
}

# Sets NAME (HOST_UID or HOST_GID) from the environment, else .env, else FALLBACK, as a plain
# decimal number: a whole number from 0 to 4294967294 (leading zeros dropped, so 00 is 0).
resolve_id() {
  local name=$1 fallback=$2 value source='the environment'
  value=${!name:-}
  if [[ -z "${value}" ]]; then
    source=.env
    read_env_file_value "${name}" value || die "${EXIT_SETTINGS}" "${ENV_FILE_ERROR}"
  fi
  if [[ -z "${value}" ]]; then
    source="id -$([[ "${name}" == HOST_UID ]] && echo u || echo g)"
    value=${fallback}
  fi
  if ! [[ "${value}" =~ ^[0-9]{1,10}$ ]] || ((10#${value} > 4294967294)); then
    die "${EXIT_SETTINGS}" "${name}='${value}' (from ${source}) is not a whole number from 0 to 4294967294; fix it in ${source}"
  fi
  printf -v "${name}" '%d' "$((10#${value}))"
}

create_env_file() {
  if [[ "${DRY_RUN}" == 1 ]]; then
    say "# .env is missing; a real run creates it with HOST_UID=$(id -u) HOST_GID=$(id -g)"
    return 0
  fi
  write_file .env "$(printf '# Created by %s from id -u / id -g. Edit to build with other IDs.\nHOST_UID=%s\nHOST_GID=%s' \
    "${DRIVER_PATH}" "$(id -u)" "$(id -g)")"$'\n'
  say "Created .env with HOST_UID=$(id -u) HOST_GID=$(id -g) (the current user); edit it to use other IDs."
}

# ENGINE (docker or podman) and BUILDER, detected once per run; what differs by builder reads BUILDER:
#   buildkit  Docker with BuildKit (DOCKER_BUILDKIT=1, or by default when buildx is present)
#   legacy    Docker's legacy builder (DOCKER_BUILDKIT=0, or no buildx)
#   buildah   Podman, whatever DOCKER_BUILDKIT says: it takes the legacy builder's options here
#             (no --progress, no inline cache, no --cache-from) and builds RUN --mount=type=cache.
choose_builder() {
  if [[ -n "${DOCKER_BUILDKIT:-}" ]]; then
    [[ "${DOCKER_BUILDKIT}" == 0 || "${DOCKER_BUILDKIT}" == 1 ]] || die "${EXIT_SETTINGS}" "DOCKER_BUILDKIT='${DOCKER_BUILDKIT}' must be 0 or 1"
  fi
  ENGINE=docker
  if command -v "${DOCKER}" >/dev/null 2>&1; then ENGINE=$(engine_of "${DOCKER}"); fi
  if [[ "${ENGINE}" == podman ]]; then
    BUILDER=buildah
    DOCKER_BUILDKIT=0
  elif [[ -n "${DOCKER_BUILDKIT:-}" ]]; then
    BUILDER=$([[ "${DOCKER_BUILDKIT}" == 1 ]] && echo buildkit || echo legacy)
  elif command -v "${DOCKER}" >/dev/null 2>&1 && "${DOCKER}" buildx version >/dev/null 2>&1; then
    BUILDER=buildkit
    DOCKER_BUILDKIT=1
  else
    BUILDER=legacy
    DOCKER_BUILDKIT=0
  fi
  export DOCKER_BUILDKIT
  # Cache mounts (the stages' Dockerfile.<stage>.buildkit renderings) wherever BuildKit builds. An
  # engine whose builder has RUN --mount=type=cache without BuildKit (Podman's buildah) sets
  # CACHE_MOUNTS=1 after this; see stage_dockerfile_to_build.
  CACHE_MOUNTS=${DOCKER_BUILDKIT}
}

# The builder's name for the run's first line.
builder_title() {
  case "${BUILDER}" in
    buildkit) printf 'BuildKit' ;;
    legacy) printf 'legacy builder' ;;
    buildah) printf 'buildah (Podman)' ;;
  esac
}

check_prerequisites() {
  command -v "${DOCKER}" >/dev/null 2>&1 || die "${EXIT_PREREQUISITE}" "docker client '${DOCKER}' not found; install Docker or set DOCKER=/path/to/docker"
  "${DOCKER}" info >/dev/null 2>&1 || die "${EXIT_PREREQUISITE}" "cannot reach the Docker engine with '${DOCKER}'; start the engine (dockerd) or set DOCKER_HOST"
  local tool
  for tool in tar sha256sum flock; do
    command -v "${tool}" >/dev/null 2>&1 || die "${EXIT_PREREQUISITE}" "'${tool}' is missing on this host; install it (Debian: coreutils, tar, util-linux)"
  done
  [[ "${PWD}" != *:* ]] || die "${EXIT_PREREQUISITE}" "the repository path '${PWD}' contains ':', which docker cannot mount or copy; move it"
}

# Every path a stage copies must exist; a dry run only warns, so that the plan is still shown.
require_inputs() {
  local stage=$1 input message
  while IFS= read -r input; do
    [[ -e "${input}" ]] && continue
    message="stage ${stage} copies '${input}', which is missing in ${PWD}; add it or change the stage in .projenrc.ts"
    if [[ "${DRY_RUN}" == 1 ]]; then say "# warning: ${message}"; else die "${EXIT_PREREQUISITE}" "${message}"; fi
  done < <(stage_inputs "${stage}")
}

require_image() {
  local image=$1 stage=$2
  [[ "${DRY_RUN}" == 1 ]] && return 0
  "${DOCKER}" image inspect "${image}" >/dev/null 2>&1 \
    || die "${EXIT_PREREQUISITE}" "image ${image} is missing; build it first with '${DRIVER_PATH}${CI_FLAG} build_${stage}'"
}

# Gives a path ([-R] for a whole tree) to HOST_UID:HOST_GID when running as root (the container
# and docker cp write as root); dies naming what could not be changed.
give_to_host_ids() {
  local error
  [[ "$(id -u)" == 0 ]] || return 0
  if ! error=$(chown "${@:1:$#-1}" "${HOST_UID}:${HOST_GID}" "${@: -1}" 2>&1); then
    die "${EXIT_WRITE}" "could not give ./${*: -1} to ${HOST_UID}:${HOST_GID}: $(write_error_reason "${error%%$'\n'*}"); make it writable, then rerun"
  fi
}

# ./build holds the logs, written as the invoking user: as root they are given back on exit,
# failures included. (The package is given to HOST_UID:HOST_GID before it moves into ./dist.)
give_outputs_to_host_ids() {
  [[ "${IDS_RESOLVED:-0}" == 1 && "$(id -u)" == 0 ]] || return 0
  chown -R "${HOST_UID}:${HOST_GID}" build 2>/dev/null || true
}

# ./dist and ./build exist, are writable and (as root) belong to HOST_UID:HOST_GID, since standard
# mode writes through a mount as those IDs. Checked before any work, so that a read-only ./dist
# fails at once, not after the build.
prepare_output_dirs() {
  [[ "${DRY_RUN}" == 1 ]] && return 0
  local dir
  make_dirs dist build
  for dir in dist build; do
    [[ -w "${dir}" ]] || die "${EXIT_WRITE}" "./${dir} is not writable ($(not_writable_reason "${dir}")); make it writable (remount it read-write or fix its owner), then rerun"
    give_to_host_ids "${dir}"
  done
  if [[ "${WRITES_LOG:-0}" == 1 ]]; then
    append_to_log ''
    append_to_log "=== $(date -u +%Y-%m-%dT%H:%M:%SZ) ${RUN_COMMAND} ==="
  fi
}

# Why a folder is not writable: a read-only file system, the immutable attribute, or permissions.
not_writable_reason() {
  if [[ "$(findmnt --noheadings --output OPTIONS --target "$1" 2>/dev/null)" =~ (^|,)ro(,|$) ]]; then
    printf 'read-only file system'
  elif [[ "$(lsattr -d -- "$1" 2>/dev/null)" =~ ^[^[:space:]]*i ]]; then
    printf "immutable: 'chattr -i ./%s' makes it writable" "$1"
  else
    printf 'permission denied for %s' "$(id -un 2>/dev/null || id -u)"
  fi
}
