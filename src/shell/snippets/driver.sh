#!/usr/bin/env bash
# The hand-written part of every generated build driver. The generator puts the pipeline
# model (PIPELINE, STAGES, stage_image, ...) and DRIVER_PATH/ROOT_FROM_SCRIPT above this.
# shellcheck disable=SC2034,SC2154
set -euo pipefail
# --- Build driver ---

usage() {
  cat <<USAGE
Usage: ${DRIVER_PATH} [--ci] [--dry-run] <command>

Builds the ${PIPELINE_TITLE} images and package, stage by stage (${STAGES[*]}).

Commands:
$(for stage in "${STAGES[@]}"; do printf '  %-16s %s\n' "build_${stage}" "$(stage_description "${stage}")"; done)
  build            all stages in order, then the package in ./${ARTIFACT}
  shell            an interactive shell in the $(stage_parent "${PACKAGE_STAGE}") image (repository mounted unless --ci)
  clean            remove this pipeline's containers and images (by label) and ./dist/*, ./build/*
  help             this text

Options (in any order, before or after the command):
  --ci             CI mode: fully containerized, no mount of any kind; the package is
                   copied out of a container with docker create + docker cp
  --dry-run        print the docker commands that would run; run and write nothing
  -h, --help       this text

Environment:
  DOCKER           docker client to use (default: docker on PATH)
  DOCKER_BUILDKIT  1 = BuildKit, 0 = legacy builder (default: BuildKit when buildx is present)
  HOST_UID, HOST_GID
                   IDs for the image user and the files written to ./dist and ./build.
                   Precedence: environment, then .env, then the current user (id -u / id -g).
                   .env is created from id -u / id -g when missing.
  BUILD_RUN_ID     label value ${LABEL_RUN_ID} put on every image and container (default: time and PID)
  KEEP_CONTAINERS  1 = keep the package container after copying the package out

Logs: ./${BUILD_LOG} (all docker output), ./${PACKAGER_LOG} (packager output).
USAGE
}

die() {
  printf '%s: error: %s\n' "${DRIVER_PATH}" "$*" >&2
  exit 1
}

usage_error() {
  printf '%s: error: %s\n' "${DRIVER_PATH}" "$*" >&2
  printf "Run '%s --help' for usage.\n" "${DRIVER_PATH}" >&2
  exit 2
}

# Progress lines go to the terminal and, when not a dry run, to the build log.
say() {
  printf '%s\n' "$*"
  if [[ "${DRY_RUN}" == 0 && -d build ]]; then printf '%s\n' "$*" >>"${BUILD_LOG}"; fi
}

# Prints a command as a shell line; fails on a dry run, where the command must not run.
announce() {
  local line
  printf -v line '%q ' "$@"
  say "+ ${line% }"
  [[ "${DRY_RUN}" == 0 ]]
}

# Runs a docker command (unless --dry-run); its output also goes to the build log.
run() {
  announce "$@" || return 0
  "$@" 2>&1 | tee -a "${BUILD_LOG}"
}

# Like run, for commands whose output is data, not log.
run_quiet() {
  announce "$@" || return 0
  "$@" >/dev/null
}

# Like run, attached to the terminal (the interactive shell), so nothing goes through a pipe.
run_attached() {
  announce "$@" || return 0
  "$@"
}

# "in 1m05s", or "(dry run)" when nothing ran.
elapsed_since() {
  local seconds=$((SECONDS - $1))
  if [[ "${DRY_RUN}" == 1 ]]; then printf '(dry run)'; else printf 'in %dm%02ds' $((seconds / 60)) $((seconds % 60)); fi
}

# --- Settings: mode, docker client, builder, IDs ---

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

# --- Commands ---

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
  run "${DOCKER}" "${args[@]}" . || die "building stage ${stage} failed; see ./${BUILD_LOG}"
  say "<== ${stage}: ${image} built $(elapsed_since "${started}")"
}

# Removes the previous package so that nothing stale is taken for this run's output.
reset_package_outputs() {
  [[ "${DRY_RUN}" == 1 ]] && return 0
  rm -rf "${PACKAGE_DIR}" "${ARTIFACT}" "${CHECKSUM}" "${PACKAGER_LOG}"
}

container_name() {
  printf '%s_%s_%s' "${PIPELINE}" "$1" "${RUN_ID}"
}

# Standard mode: the packager runs in the parent image with the repository mounted, as HOST_UID:HOST_GID.
package_with_mount() {
  local image
  image=$(image_of "$(stage_parent "${PACKAGE_STAGE}")")
  require_image "${image}" "$(stage_parent "${PACKAGE_STAGE}")"
  reset_package_outputs
  run "${DOCKER}" run --rm --name "$(container_name "${PACKAGE_STAGE}")" \
    --label "${LABEL_PIPELINE}=${PIPELINE}" --label "${LABEL_RUN_ID}=${RUN_ID}" \
    --user "${HOST_UID}:${HOST_GID}" --volume "${PWD}:$(stage_workdir "${PACKAGE_STAGE}")" \
    "${image}" bash "${PACKAGE_SCRIPT}" \
    || die "packaging failed; see ./${PACKAGER_LOG}"
}

# CI mode: no mount. The package stage's image holds the sources; a container of it runs the
# packager, and the package and its log are copied out with docker cp.
package_in_container() {
  local container workdir status=0
  build_stage "${PACKAGE_STAGE}" "${#STAGES[@]}"
  container=$(container_name "${PACKAGE_STAGE}")
  workdir=$(stage_workdir "${PACKAGE_STAGE}")
  reset_package_outputs
  run_quiet "${DOCKER}" create --name "${container}" --label "${LABEL_PIPELINE}=${PIPELINE}" \
    --label "${LABEL_RUN_ID}=${RUN_ID}" "$(image_of "${PACKAGE_STAGE}")" bash "${PACKAGE_SCRIPT}"
  run "${DOCKER}" start --attach "${container}" || status=$?
  run_quiet "${DOCKER}" cp "${container}:${workdir}/${PACKAGER_LOG}" "${PACKAGER_LOG}" \
    || say "(no packager log in the container)"
  if [[ "${status}" == 0 ]]; then
    run_quiet "${DOCKER}" cp "${container}:${workdir}/dist/." dist/ || status=$?
  fi
  if [[ "${KEEP_CONTAINERS:-0}" != 1 ]]; then run_quiet "${DOCKER}" rm "${container}"; fi
  [[ "${status}" == 0 ]] || die "packaging failed in container ${container}; see ./${PACKAGER_LOG}"
}

verify_package() {
  [[ "${DRY_RUN}" == 1 ]] && return 0
  [[ -s "${ARTIFACT}" ]] || die "the packager reported success but ./${ARTIFACT} is missing or empty; see ./${PACKAGER_LOG}"
  (cd "$(dirname "${ARTIFACT}")" && sha256sum --check --status "$(basename "${CHECKSUM}")") \
    || die "./${CHECKSUM} does not match ./${ARTIFACT}; rebuild the package"
  say "Package: ./${ARTIFACT} ($(du -h "${ARTIFACT}" | cut -f1)), checksum ./${CHECKSUM}"
}

build_package_stage() {
  local started=${SECONDS}
  if [[ "${MODE}" == ci ]]; then
    package_in_container
  else
    say "==> [${#STAGES[@]}/${#STAGES[@]}] ${PACKAGE_STAGE}: ${PACKAGER} in the $(stage_parent "${PACKAGE_STAGE}") image, repository mounted"
    require_inputs "${PACKAGE_STAGE}"
    package_with_mount
  fi
  verify_package
  say "<== ${PACKAGE_STAGE}: done $(elapsed_since "${started}")"
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

open_shell() {
  local stage image tty=()
  stage=$(stage_parent "${PACKAGE_STAGE}")
  image=$(image_of "${stage}")
  require_image "${image}" "${stage}"
  if [[ -t 0 && -t 1 ]]; then tty=(--tty); fi
  if [[ "${MODE}" == ci ]]; then
    run_attached "${DOCKER}" run --rm --interactive "${tty[@]}" --label "${LABEL_PIPELINE}=${PIPELINE}" "${image}" bash
  else
    run_attached "${DOCKER}" run --rm --interactive "${tty[@]}" --label "${LABEL_PIPELINE}=${PIPELINE}" \
      --user "${HOST_UID}:${HOST_GID}" --volume "${PWD}:$(stage_workdir "${stage}")" "${image}" bash
  fi
}

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
  die "could not remove image(s) ${left[*]} after ${pass} passes; see '${DOCKER} rmi ${left[0]}'"
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
  rm -rf ./dist/* ./build/*
  printf 'Emptied ./dist and ./build.\n'
}

# --- Entry point ---

main() {
  MODE=standard
  DRY_RUN=0
  COMMAND=''
  local arg
  for arg in "$@"; do
    case "${arg}" in
      --ci) MODE=ci ;;
      --dry-run) DRY_RUN=1 ;;
      -h | --help | help) COMMAND=help ;;
      -*) usage_error "unknown option '${arg}'" ;;
      *)
        [[ -z "${COMMAND}" ]] || usage_error "one command at a time (got '${COMMAND}' and '${arg}')"
        COMMAND=${arg}
        ;;
    esac
  done
  if [[ -z "${COMMAND}" ]]; then
    usage >&2
    exit 2
  fi
  if [[ "${COMMAND}" == help ]]; then
    usage
    exit 0
  fi
  case "${COMMAND}" in
    build | shell | clean | build_*) ;;
    *) usage_error "unknown command '${COMMAND}'" ;;
  esac

  cd "$(dirname "${BASH_SOURCE[0]}")/${ROOT_FROM_SCRIPT}"
  DOCKER=${DOCKER:-docker}
  CI_FLAG=''
  if [[ "${MODE}" == ci ]]; then CI_FLAG=' --ci'; fi
  RUN_ID=${BUILD_RUN_ID:-$(date -u +%Y%m%dt%H%M%S)-$$}
  [[ "${RUN_ID}" =~ ^[a-z0-9][a-z0-9_.-]*$ ]] || die "BUILD_RUN_ID='${RUN_ID}' must be lowercase letters, digits, '.', '_' and '-'"
  if [[ "${DRY_RUN}" == 0 ]]; then check_prerequisites; fi
  choose_builder
  resolve_ids
  if [[ "${COMMAND}" != clean ]]; then prepare_output_dirs; fi
  say "${PIPELINE_TITLE}: ${COMMAND}, ${MODE} mode, $([[ "${DOCKER_BUILDKIT}" == 1 ]] && echo BuildKit || echo 'legacy builder'), docker client ${DOCKER}, IDs ${HOST_UID}:${HOST_GID}$([[ "${DRY_RUN}" == 1 ]] && echo ', dry run')"

  case "${COMMAND}" in
    build) build_all ;;
    shell) open_shell ;;
    clean) clean ;;
    build_*) build_one "${COMMAND#build_}" ;;
  esac
}
