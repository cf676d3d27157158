#!/usr/bin/env bash
# The hand-written part of every generated validation script. The generator puts the
# pipeline model (PIPELINE, STAGES, stage_image, ...) and DRIVER_PATH above this.
# shellcheck disable=SC2034,SC2154
set -euo pipefail
# --- Validation script ---

usage() {
  cat <<USAGE
Usage: ${VALIDATION_SCRIPT} [--docker PATH] [--driver PATH] [--image STAGE=REF]... [--label-prefix PREFIX]

Builds the ${PIPELINE_TITLE} pipeline in CI mode with ${DRIVER_PATH} and checks, for this run only:
  image building        every stage image exists and carries this run's ID label
  isolation             no container of this run has a mount; a file written inside stays inside
  package creation      ./${ARTIFACT} exists, is non-empty, and matches ./${CHECKSUM}
  configuration         image labels, user and workdir match the model; ./dist belongs to HOST_UID:HOST_GID

Options:
  --docker PATH         docker client (default: \$DOCKER or docker)
  --driver PATH         build driver to run (default: ${DRIVER_PATH})
  --image STAGE=REF     check REF as the CI image of STAGE (default: the model's images)
  --label-prefix PREFIX label prefix of the images (default: ${LABEL_PIPELINE%.pipeline})
  -h, --help            this text

Results: timestamped lines in ./${RESULTS_LOG}; the last line is "N passed, M failed";
the exit status is non-zero when any check failed. Removes only the containers it created.
USAGE
}

log() {
  local line
  line="$(date -u +%Y-%m-%dT%H:%M:%SZ) $*"
  printf '%s\n' "${line}"
  printf '%s\n' "${line}" >>"${RESULTS_LOG}"
}

pass() {
  PASSED=$((PASSED + 1))
  log "PASS $*"
}

fail() {
  FAILED=$((FAILED + 1))
  log "FAIL $*"
}

# check NAME COMMAND...: one check, which passes when the command succeeds.
check() {
  local name=$1
  shift
  if "$@"; then pass "${name}"; else fail "${name}"; fi
}

die() {
  printf '%s: error: %s\n' "${VALIDATION_SCRIPT}" "$*" >&2
  exit 2
}

image_for() {
  local stage=$1 override
  for override in "${IMAGE_OVERRIDES[@]}"; do
    if [[ "${override%%=*}" == "${stage}" ]]; then
      printf '%s\n' "${override#*=}"
      return 0
    fi
  done
  stage_image "${stage}/ci"
}

image_label() {
  "${DOCKER}" image inspect --format "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null
}

image_field() {
  "${DOCKER}" image inspect --format "{{ $2 }}" "$1" 2>/dev/null
}

# The IDs the driver gives ./dist, with the driver's precedence: environment, .env, id.
expected_ids() {
  local uid=${HOST_UID:-} gid=${HOST_GID:-}
  uid=${uid:-$(read_env_file_value HOST_UID)}
  gid=${gid:-$(read_env_file_value HOST_GID)}
  printf '%s:%s\n' "${uid:-$(id -u)}" "${gid:-$(id -g)}"
}

# --- Checks ---

check_driver_build() {
  local started=${SECONDS}
  log "Building all stages: ${DRIVER} --ci build (run ${RUN_ID})"
  if BUILD_RUN_ID=${RUN_ID} KEEP_CONTAINERS=1 DOCKER=${DOCKER} "${DRIVER}" --ci build >>"${RESULTS_LOG}" 2>&1; then
    pass "driver: '${DRIVER} --ci build' exited 0 ($((SECONDS - started))s)"
  else
    fail "driver: '${DRIVER} --ci build' exited non-zero; its output is above in ./${RESULTS_LOG}"
  fi
}

check_images() {
  local stage image
  for stage in "${STAGES[@]}"; do
    image=$(image_for "${stage}")
    if ! "${DOCKER}" image inspect "${image}" >/dev/null 2>&1; then
      fail "image building: ${image} (${stage}) does not exist"
      continue
    fi
    check "image building: ${image} (${stage}) was built by this run (${LABEL_RUN_ID}=${RUN_ID})" \
      test "$(image_label "${image}" "${LABEL_RUN_ID}")" == "${RUN_ID}"
    check "configuration: ${image} has ${LABEL_PIPELINE}=${PIPELINE}" \
      test "$(image_label "${image}" "${LABEL_PIPELINE}")" == "${PIPELINE}"
    check "configuration: ${image} has ${LABEL_STAGE}=${stage}" \
      test "$(image_label "${image}" "${LABEL_STAGE}")" == "${stage}"
    check "configuration: ${image} runs as user $(stage_user "${stage}")" \
      test "$(image_field "${image}" .Config.User)" == "$(stage_user "${stage}")"
    check "configuration: ${image} has workdir $(stage_workdir "${stage}")" \
      test "$(image_field "${image}" .Config.WorkingDir)" == "$(stage_workdir "${stage}")"
  done
}

# A container of each CI image writes a file in its workdir; with no mount, the host never sees it.
check_isolation_probe() {
  local stage image probe=".isolation-probe-${RUN_ID}"
  for stage in "${STAGES[@]}"; do
    image=$(image_for "${stage}")
    "${DOCKER}" image inspect "${image}" >/dev/null 2>&1 || continue
    if ! "${DOCKER}" run --name "${PIPELINE}_probe_${stage}_${RUN_ID}" --label "${LABEL_RUN_ID}=${RUN_ID}" \
      "${image}" sh -c "touch '$(stage_workdir "${stage}")/${probe}'" >>"${RESULTS_LOG}" 2>&1; then
      fail "isolation: could not run a container of ${image}"
      continue
    fi
    check "isolation: a file written in a ${stage} container does not appear on the host" test ! -e "${probe}"
    rm -f "${probe}"
  done
}

check_no_mounts() {
  local containers container mounts
  containers=$("${DOCKER}" ps --all --quiet --filter "label=${LABEL_RUN_ID}=${RUN_ID}")
  if [[ -z "${containers}" ]]; then
    fail "isolation: no container of this run was found to inspect"
    return
  fi
  for container in ${containers}; do
    mounts=$("${DOCKER}" inspect --format '{{ len .Mounts }}' "${container}")
    check "isolation: container $("${DOCKER}" inspect --format '{{ .Name }}' "${container}") has no mount (found ${mounts})" \
      test "${mounts}" == 0
  done
}

check_package() {
  local ids
  check "package creation: ./${ARTIFACT} exists and is non-empty" test -s "${ARTIFACT}"
  check "package creation: ./${CHECKSUM} matches ./${ARTIFACT}" checksum_matches
  check "package creation: ./${ARTIFACT} holds $(basename "${PACKAGE_DIR}")/" tarball_holds_package
  ids=$(expected_ids)
  check "configuration: every file in ./dist belongs to ${ids} (HOST_UID:HOST_GID)" dist_owned_by "${ids}"
}

checksum_matches() {
  [[ -f "${CHECKSUM}" ]] && (cd "$(dirname "${ARTIFACT}")" && sha256sum --check --status "$(basename "${CHECKSUM}")")
}

tarball_holds_package() {
  # grep without -q reads all of tar's output, so that pipefail sees no SIGPIPE.
  [[ -f "${ARTIFACT}" ]] && tar -tzf "${ARTIFACT}" | grep "^$(basename "${PACKAGE_DIR}")/." >/dev/null
}

dist_owned_by() {
  local ids=$1
  [[ -d dist && -z "$(find dist \( ! -uid "${ids%:*}" -o ! -gid "${ids#*:}" \) -print -quit)" ]]
}

remove_own_containers() {
  local containers
  containers=$("${DOCKER}" ps --all --quiet --filter "label=${LABEL_RUN_ID}=${RUN_ID}" 2>/dev/null || true)
  if [[ -n "${containers}" ]]; then
    # shellcheck disable=SC2086 # IDs are one word each
    "${DOCKER}" rm --force ${containers} >/dev/null 2>&1 || true
  fi
  rm -f ".isolation-probe-${RUN_ID}"
}

main() {
  DOCKER=${DOCKER:-docker}
  DRIVER=./${DRIVER_PATH}
  IMAGE_OVERRIDES=()
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --docker) [[ $# -ge 2 ]] || die "--docker needs a path"; DOCKER=$2; shift 2 ;;
      --driver) [[ $# -ge 2 ]] || die "--driver needs a path"; DRIVER=$2; shift 2 ;;
      --image)
        [[ $# -ge 2 && "$2" == *=* ]] || die "--image needs STAGE=REF, e.g. --image ${STAGES[0]}=$(stage_image "${STAGES[0]}/ci")"
        stage_image "${2%%=*}/ci" >/dev/null || die "--image: unknown stage '${2%%=*}' (stages: ${STAGES[*]})"
        IMAGE_OVERRIDES+=("$2"); shift 2 ;;
      --label-prefix)
        [[ $# -ge 2 ]] || die "--label-prefix needs a prefix"
        LABEL_PIPELINE=$2.pipeline; LABEL_STAGE=$2.stage; LABEL_RUN_ID=$2.run-id; shift 2 ;;
      -h | --help) usage; exit 0 ;;
      *) die "unknown argument '$1'; see --help" ;;
    esac
  done
  cd "$(dirname "${BASH_SOURCE[0]}")/${ROOT_FROM_SCRIPT}"
  command -v "${DOCKER}" >/dev/null 2>&1 || die "docker client '${DOCKER}' not found; install Docker or pass --docker PATH"
  "${DOCKER}" info >/dev/null 2>&1 || die "cannot reach the Docker engine with '${DOCKER}'; start dockerd or set DOCKER_HOST"
  [[ -x "${DRIVER}" ]] || die "build driver '${DRIVER}' is missing or not executable; run 'npx projen' or pass --driver PATH"
  PASSED=0
  FAILED=0
  RUN_ID="citest-$(date -u +%Y%m%dt%H%M%S)-$$"
  : >"${RESULTS_LOG}"
  trap remove_own_containers EXIT
  log "Validating the ${PIPELINE_TITLE} CI-mode build, run ${RUN_ID}, docker client ${DOCKER}"

  check_driver_build
  check_images
  check_isolation_probe
  check_no_mounts
  check_package

  log "Removing this run's containers; the images stay (they are the build's output)."
  # The last line, without a timestamp, so that test runners can read it.
  printf '%s passed, %s failed\n' "${PASSED}" "${FAILED}" | tee -a "${RESULTS_LOG}"
  [[ "${FAILED}" == 0 ]]
}
