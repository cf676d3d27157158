#!/usr/bin/env bash
# Settings of a run: docker client, builder, HOST_UID/HOST_GID, prerequisites, output folders.
# Part of every generated build driver (assembled by src/shell/driver-script.ts, after the
# pipeline model as bash data). Only functions; sourced alone by the tests.
# shellcheck disable=SC2034,SC2154
set -euo pipefail
# --- Build driver: settings ---

# HOST_UID/HOST_GID: environment, then .env, then id -u / id -g (one precedence, documented).
resolve_ids() {
  local env_uid=${HOST_UID:-} env_gid=${HOST_GID:-}
  if [[ ! -f .env ]]; then
    if [[ "${DRY_RUN}" == 1 ]]; then
      say "# .env is missing; a real run creates it with HOST_UID=$(id -u) HOST_GID=$(id -g)"
    else
      printf '# Created by %s from id -u / id -g. Edit to build with other IDs.\nHOST_UID=%s\nHOST_GID=%s\n' \
        "${DRIVER_PATH}" "$(id -u)" "$(id -g)" >.env
      say "Created .env with HOST_UID=$(id -u) HOST_GID=$(id -g) (the current user); edit it to use other IDs."
    fi
  fi
  HOST_UID=${env_uid:-$(read_env_file_value HOST_UID)}
  HOST_GID=${env_gid:-$(read_env_file_value HOST_GID)}
  HOST_UID=${HOST_UID:-$(id -u)}
  HOST_GID=${HOST_GID:-$(id -g)}
  [[ "${HOST_UID}" =~ ^[0-9]+$ ]] || die "HOST_UID='${HOST_UID}' is not a number; fix it in the environment or in .env"
  [[ "${HOST_GID}" =~ ^[0-9]+$ ]] || die "HOST_GID='${HOST_GID}' is not a number; fix it in the environment or in .env"
  # The image user must not be root: when the host IDs are root's, the image user gets the default
  # IDs, and the files copied to ./dist and ./build are still given to HOST_UID:HOST_GID.
  IMAGE_UID=${HOST_UID}
  IMAGE_GID=${HOST_GID}
  if [[ "${HOST_UID}" == 0 ]]; then IMAGE_UID=${DEFAULT_IMAGE_ID}; fi
  if [[ "${HOST_GID}" == 0 ]]; then IMAGE_GID=${DEFAULT_IMAGE_ID}; fi
}

choose_builder() {
  if [[ -n "${DOCKER_BUILDKIT:-}" ]]; then
    [[ "${DOCKER_BUILDKIT}" == 0 || "${DOCKER_BUILDKIT}" == 1 ]] || die "DOCKER_BUILDKIT='${DOCKER_BUILDKIT}' must be 0 or 1"
  elif command -v "${DOCKER}" >/dev/null 2>&1 && "${DOCKER}" buildx version >/dev/null 2>&1; then
    DOCKER_BUILDKIT=1
  else
    DOCKER_BUILDKIT=0
  fi
  if [[ "${REQUIRES_BUILDKIT}" == 1 && "${DOCKER_BUILDKIT}" == 0 ]]; then
    die "the ${PIPELINE_TITLE} Dockerfiles use BuildKit cache mounts, which the legacy builder cannot build; set DOCKER_BUILDKIT=1 with a client that has BuildKit (DOCKER=/usr/bin/docker)"
  fi
  export DOCKER_BUILDKIT
}

check_prerequisites() {
  command -v "${DOCKER}" >/dev/null 2>&1 || die "docker client '${DOCKER}' not found; install Docker or set DOCKER=/path/to/docker"
  "${DOCKER}" info >/dev/null 2>&1 || die "cannot reach the Docker engine with '${DOCKER}'; start the engine (dockerd) or set DOCKER_HOST"
  local tool
  for tool in tar sha256sum; do
    command -v "${tool}" >/dev/null 2>&1 || die "'${tool}' is missing on this host; install it (coreutils/tar)"
  done
  [[ "${PWD}" != *:* ]] || die "the repository path '${PWD}' contains ':', which docker cannot mount or copy; move it"
}

# Every path a stage copies must exist; a dry run only warns, so that the plan is still shown.
require_inputs() {
  local stage=$1 input message
  while IFS= read -r input; do
    [[ -e "${input}" ]] && continue
    message="stage ${stage} copies '${input}', which is missing in ${PWD}; add it or change the stage in .projenrc.ts"
    if [[ "${DRY_RUN}" == 1 ]]; then say "# warning: ${message}"; else die "${message}"; fi
  done < <(stage_inputs "${stage}")
}

require_image() {
  local image=$1 stage=$2
  [[ "${DRY_RUN}" == 1 ]] && return 0
  "${DOCKER}" image inspect "${image}" >/dev/null 2>&1 \
    || die "image ${image} is missing; build it first with '${DRIVER_PATH}${CI_FLAG} build_${stage}'"
}

# ./dist and ./build belong to HOST_UID:HOST_GID: the build log and docker cp's files are
# written as the invoking user, so (as root) they are given back on exit, failures included.
give_outputs_to_host_ids() {
  chown -R "${HOST_UID}:${HOST_GID}" dist build 2>/dev/null || true
}

prepare_output_dirs() {
  [[ "${DRY_RUN}" == 1 ]] && return 0
  mkdir -p dist build
  # Standard mode writes through a mount as HOST_UID:HOST_GID, so the folders must be theirs first.
  if [[ "$(id -u)" == 0 ]]; then
    chown "${HOST_UID}:${HOST_GID}" dist build
    trap give_outputs_to_host_ids EXIT
  fi
  printf '\n=== %s %s%s %s ===\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${DRIVER_PATH}" "${CI_FLAG}" "${COMMAND}" >>"${BUILD_LOG}"
}
