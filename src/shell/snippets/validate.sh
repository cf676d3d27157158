#!/usr/bin/env bash
# The hand-written part of every generated validation script. The generator puts the
# pipeline model (PIPELINE, STAGES, stage_image, ...) and DRIVER_PATH above this.
# shellcheck disable=SC2034,SC2154
set -euo pipefail
# --- Validation script ---

usage() {
  cat <<USAGE
Usage: ${VALIDATION_SCRIPT} [--docker PATH] [--driver PATH] [--image STAGE=REF]... [--label-prefix PREFIX] [--registry HOST[:PORT]]

Builds the ${PIPELINE_TITLE} pipeline in CI mode with ${DRIVER_PATH} and checks, for this run only:
  image building        every stage image exists and is the one this run built or confirmed: the
                        ID its run record (./${RUN_RECORD_DIR}/<run ID>.tsv) gives that name
  isolation             no container of the run and no build step had access to the host (below)
  package creation      ./${ARTIFACT} exists, is non-empty, and matches ./${CHECKSUM}
  smoke check           '${DRIVER_PATH} --ci smoke' runs the package of ./dist in a fresh container
                        of this run's ${SMOKE_STAGE} image: it exits 0, and its output matches
                        /${SMOKE_EXPECTED_OUTPUT}/ (read back from the container)
  configuration         image labels, user and workdir match the model; each image's user has a
                        non-zero UID and GID; ./dist belongs to HOST_UID:HOST_GID

How isolation is proved (the script's own containers and volumes never count as evidence):
  - The driver runs with DOCKER and PATH pointing at a recording docker client, which records
    every call, then runs the real client. Each recorded run/create must have no mount-like or
    host option in any spelling (-v, --volume[=], --mount, --tmpfs, --volumes-from, combined
    short flags such as -itv, --privileged, --device*, --gpus, --cap-add, --security-opt,
    --env-file, --runtime, --use-api-socket, --network/--pid/--ipc/--uts/--userns/--cgroupns host,
    -H/--context/--config); an option it does not know fails. Each recorded build must use the
    pipeline's own Dockerfile and the pipeline root as context, with no --build-context, --secret,
    --ssh, --allow, --security-opt, --add-host, host network or local cache directory. Every other
    call must be a command that gives no host access (inspect, ps, start, cp, rm, ...). Every stage
    must have been built through the recording client.
  - The engine's container events are watched from before the driver starts until after it
    ends (proved by two volumes of the script's own that the listener must see). Every container
    created, started or exec'd into in that window, --rm or not, is inspected at once: no mounts, binds,
    tmpfs, volumes-from, devices, added capabilities, security options, privileges or host
    namespaces. A container gone before inspection passes only if it never started, or if the
    legacy builder made it during a recorded build (that builder has no mount option); any other
    fails. The engine's replay of the window must show no container the listener missed (the
    engine keeps its last 256 events only, so for a long run the replay covers the end).
  - The Dockerfiles have no RUN option that reaches the host: --mount only of type cache
    (BuildKit cache mounts are engine-managed storage, never a host path, so CI mode allows them),
    --network only default/none, --security only sandbox.
  - The package script, given BUILD_RUN_ID, writes ./${RUN_MARKER_PREFIX}<run ID> in its container:
    it must be inside a kept container of the run and not on the host.
Not covered: what the driver itself does on the host outside containers; a client that bypasses
the recording client and talks to another engine; containers of other users of the same engine
during the run (they are counted as the run's: run this where nobody else uses the engine); the
network access of containers and build steps (isolation here is from the host, not the network).

Options:
  --docker PATH         docker client (default: \$DOCKER or docker)
  --driver PATH         build driver to run (default: ${DRIVER_PATH})
  --image STAGE=REF     check REF as the CI image of STAGE (default: the model's images)
  --label-prefix PREFIX label prefix of the images (default: ${LABEL_PIPELINE%.pipeline})
  --registry HOST[:PORT] the registry the driver puts the images under (default: \$BUILD_REGISTRY;
                        passed on to the driver as BUILD_REGISTRY)
  -h, --help            this text

Environment:
  BUILD_PLATFORM        one platform's build of several (e.g. linux/arm64), as the driver takes it:
                        the images checked are the driver's <image>-<architecture>

Results: timestamped lines in ./${RESULTS_LOG}; the last line is "N passed, M failed";
the exit status is non-zero when any check failed. Removes only the containers, volumes and
temporary files it created (its background listener too, also on Ctrl-C).
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
  # As the driver names them (image_of): under the registry, and, for one platform's build of
  # several (BUILD_PLATFORM, e.g. linux/arm64), ending in -<architecture>.
  printf '%s%s\n' "$(with_registry "$(stage_image "${stage}/ci")")" "$(platform_suffix "${BUILD_PLATFORM:-}")"
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
  if [[ -z "${uid}" ]]; then read_env_file_value HOST_UID uid || true; fi
  if [[ -z "${gid}" ]]; then read_env_file_value HOST_GID gid || true; fi
  uid=${uid:-$(id -u)}
  gid=${gid:-$(id -g)}
  # As the driver reads them: whole numbers, leading zeros dropped (01000 is 1000). Anything else
  # was refused by the driver; the ownership check then fails against an impossible owner.
  if ! [[ "${uid}" =~ ^[0-9]{1,10}$ && "${gid}" =~ ^[0-9]{1,10}$ ]]; then
    printf 'invalid:invalid\n'
    return 0
  fi
  printf '%d:%d\n' "$((10#${uid}))" "$((10#${gid}))"
}

# --- Checks ---

check_driver_build() {
  local started=${SECONDS}
  log "Building all stages: ${DRIVER} --ci build (run ${RUN_ID})"
  if BUILD_RUN_ID=${RUN_ID} KEEP_CONTAINERS=1 DOCKER=${WORK}/bin/docker PATH=${WORK}/bin:${PATH} \
    "${DRIVER}" --ci build >>"${RESULTS_LOG}" 2>&1; then
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
    check "image building: ${image} (${stage}) was built by this run (./${RUN_RECORD_DIR}/${RUN_ID}.tsv records its ID for that name)" \
      built_by_this_run "${stage}" "${image}"
    check "configuration: ${image} has ${LABEL_PIPELINE}=${PIPELINE}" \
      test "$(image_label "${image}" "${LABEL_PIPELINE}")" == "${PIPELINE}"
    check "configuration: ${image} has ${LABEL_STAGE}=${stage}" \
      test "$(image_label "${image}" "${LABEL_STAGE}")" == "${stage}"
    check "configuration: ${image} runs as user $(stage_user "${stage}")" \
      test "$(image_field "${image}" .Config.User)" == "$(stage_user "${stage}")"
    check_user_ids "${image}" "${stage}"
    check "configuration: ${image} has workdir $(stage_workdir "${stage}")" \
      test "$(image_field "${image}" .Config.WorkingDir)" == "$(stage_workdir "${stage}")"
  done
}

# The image ID this run's record gives REF for STAGE (the last one); fails when the run did not
# tag REF for STAGE. The driver writes the record; images carry no per-run label (it would defeat
# the legacy builder's cache).
recorded_image_id() {
  local stage=$1 ref=$2 record=${RUN_RECORD_DIR}/${RUN_ID}.tsv recorded_stage recorded_ref id found=''
  [[ -f "${record}" ]] || return 1
  while IFS=$'\t' read -r recorded_stage recorded_ref id; do
    if [[ "${recorded_stage}" == "${stage}" && "${recorded_ref}" == "${ref}" ]]; then found=${id}; fi
  done <"${record}"
  [[ -n "${found}" ]] && printf '%s\n' "${found}"
}

# STAGE REF: REF is the image this run built or confirmed for STAGE (its record names REF with REF's ID).
built_by_this_run() {
  local recorded
  recorded=$(recorded_image_id "$1" "$2") && [[ "${recorded}" == "$(image_field "$2" .Id)" ]]
}

# The IDs a container of the image runs with, from `id` in a probe container (configuration, not
# isolation evidence: it runs after the watch, labelled as the script's own, with no network).
check_user_ids() {
  local image=$1 stage=$2 ids uid gid
  ids=$("${DOCKER}" run --rm --network none --label "${LABEL_PROBE}=${RUN_ID}" --entrypoint sh "${image}" \
    -c 'id -u && id -g' 2>/dev/null | tr '\n' ' ' || true)
  read -r uid gid _ <<<"${ids}"
  if [[ "${uid:-}" =~ ^[0-9]+$ && "${gid:-}" =~ ^[0-9]+$ && "${uid}" != 0 && "${gid}" != 0 ]]; then
    pass "configuration: ${image} (${stage}) runs as a non-root user (uid ${uid}, gid ${gid})"
  else
    fail "configuration: ${image} (${stage}) runs as a non-root user (uid ${uid:-unknown}, gid ${gid:-unknown})"
  fi
}

check_package() {
  local ids
  check "package creation: ./${ARTIFACT} exists and is non-empty" test -s "${ARTIFACT}"
  check "package creation: ./${CHECKSUM} matches ./${ARTIFACT}" checksum_matches
  check "package creation: ./${ARTIFACT} holds $(basename "${PACKAGE_DIR}")/" tarball_holds_package
  ids=$(expected_ids)
  check "configuration: every file in ./dist belongs to ${ids} (HOST_UID:HOST_GID)" dist_owned_by "${ids}"
}

# The driver's smoke command, run through the recording client while the engine is watched (the
# build ran the check on the staged package already; this runs it on ./dist's package).
check_smoke_run() {
  local started=${SECONDS}
  log "Smoke check: ${DRIVER} --ci smoke (run ${RUN_ID})"
  if BUILD_RUN_ID=${RUN_ID} KEEP_CONTAINERS=1 DOCKER=${WORK}/bin/docker PATH=${WORK}/bin:${PATH} \
    "${DRIVER}" --ci smoke >>"${RESULTS_LOG}" 2>&1; then
    pass "smoke check: '${DRIVER} --ci smoke' exited 0 ($((SECONDS - started))s)"
  else
    fail "smoke check: '${DRIVER} --ci smoke' exited non-zero; its output is above in ./${RESULTS_LOG}"
  fi
}

# The smoke check, read back from the engine: the last container of the run made from this run's
# image of the first stage (the kept smoke-check container) holds ./dist's tarball, exited 0, and
# its output matches the model's pattern.
check_smoke_container() {
  local image image_id id created_at name _ found='' problem
  image=$(image_for "${SMOKE_STAGE}")
  image_id=$(recorded_image_id "${SMOKE_STAGE}" "${image}" || true)
  local what="smoke check: the package of ./dist ran in a fresh container of this run's ${image}, exited 0, and printed /${SMOKE_EXPECTED_OUTPUT}/"
  while read -r id created_at name _; do
    if [[ -n "${image_id}" && "$("${DOCKER}" container inspect --format '{{.Image}} {{ index .Config.Labels "'"${LABEL_RUN_ID}"'" }}' "${id}" 2>/dev/null)" == "${image_id} ${RUN_ID}" ]]; then
      found=${id}
      break
    fi
  done < <(tac "${WATCH_DIR}/created")
  if [[ -z "${found}" ]]; then
    fail "${what} (no kept container of this run was made from ${image}${image_id:+ (${image_id})})"
    return 0
  fi
  problem=$(smoke_container_problem "${found}")
  if [[ -z "${problem}" ]]; then pass "${what} (${name})"; else fail "${what} (${name}: ${problem})"; fi
}

# What is wrong with the smoke-check container ID ('' when nothing): it must hold the tarball of
# ./dist, have exited 0, and its output must match.
smoke_container_problem() {
  local id=$1 state copied
  state=$("${DOCKER}" container inspect --format '{{.State.Status}} {{.State.ExitCode}}' "${id}" 2>/dev/null || true)
  copied=$("${DOCKER}" cp "${id}:${SMOKE_TARBALL}" - 2>/dev/null | tar -xOf - 2>/dev/null | sha256sum | cut -d ' ' -f 1)
  if [[ ! -f "${ARTIFACT}" || "${copied}" != "$(sha256sum <"${ARTIFACT}" | cut -d ' ' -f 1)" ]]; then
    printf 'its %s is not ./%s' "${SMOKE_TARBALL}" "${ARTIFACT}"
  elif [[ "${state}" != 'exited 0' ]]; then
    printf 'state "%s", not "exited 0"' "${state}"
  elif ! "${DOCKER}" logs "${id}" >"${WORK}/smoke.out" 2>&1 || ! smoke_output_matches "${SMOKE_EXPECTED_OUTPUT}" "${WORK}/smoke.out"; then
    printf "its output does not match; it ends: '%s'" "$(output_tail "${WORK}/smoke.out")"
  fi
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
  [[ "${ids}" =~ ^[0-9]+:[0-9]+$ && -d dist && -z "$(find dist \( ! -uid "${ids%:*}" -o ! -gid "${ids#*:}" \) -print -quit)" ]]
}

# On exit, Ctrl-C included: the listener, this run's containers and volumes, the temporary files.
clean_up() {
  local containers volume
  stop_listener
  containers=$("${DOCKER}" ps --all --quiet --filter "label=${LABEL_RUN_ID}=${RUN_ID}" 2>/dev/null || true)
  if [[ -n "${containers}" ]]; then
    # shellcheck disable=SC2086 # IDs are one word each
    "${DOCKER}" rm --force ${containers} >/dev/null 2>&1 || true
  fi
  for volume in "${OWN_VOLUMES[@]}"; do "${DOCKER}" volume rm --force "${volume}" >/dev/null 2>&1 || true; done
  rm -f "${RUN_MARKER_PREFIX}${RUN_ID}"
  if [[ -n "${WORK:-}" ]]; then rm -rf "${WORK}"; fi
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
      --registry) [[ $# -ge 2 ]] || die "--registry needs HOST[:PORT]"; BUILD_REGISTRY=$2; shift 2 ;;
      -h | --help) usage; exit 0 ;;
      *) die "unknown argument '$1'; see --help" ;;
    esac
  done
  LABEL_PROBE=${LABEL_PIPELINE%.pipeline}.validation-probe
  # The driver reads the registry from BUILD_REGISTRY; the image names checked here follow it.
  REGISTRY=${BUILD_REGISTRY:-}
  if [[ -n "${REGISTRY}" ]]; then
    [[ -z "$(registry_problem "${REGISTRY}")" ]] || die "the registry '${REGISTRY}' $(registry_problem "${REGISTRY}")"
    export BUILD_REGISTRY=${REGISTRY}
  fi
  # The real client, as an absolute path: the recording client runs it, whatever PATH says.
  local real
  real=$(command -v "${DOCKER}" 2>/dev/null) || die "docker client '${DOCKER}' not found; install Docker or pass --docker PATH"
  [[ -x "${real}" ]] || die "docker client '${DOCKER}' is not a program (${real}); pass --docker PATH"
  DOCKER=$(realpath -- "${real}")
  cd "$(dirname "${BASH_SOURCE[0]}")/${ROOT_FROM_SCRIPT}"
  "${DOCKER}" info >/dev/null 2>&1 || die "cannot reach the Docker engine with '${DOCKER}'; start dockerd or set DOCKER_HOST"
  ENGINE=$(engine_of "${DOCKER}")
  use_engine_formats "${ENGINE}"
  [[ -x "${DRIVER}" ]] || die "build driver '${DRIVER}' is missing or not executable; run 'npx projen' or pass --driver PATH"
  local tool
  for tool in mkfifo realpath date find tac sha256sum tar python3; do
    command -v "${tool}" >/dev/null 2>&1 || die "'${tool}' is missing on this host; install coreutils/findutils/tar/python3"
  done
  PASSED=0
  FAILED=0
  RUN_ID="citest-$(date -u +%Y%m%dt%H%M%S)-$$"
  OWN_VOLUMES=()
  EVENTS_PID=''
  LISTENER_PID=''
  WORK=''
  trap clean_up EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/test_ci_mode.XXXXXX") || die "cannot create a temporary folder; check TMPDIR and free space"
  : >"${RESULTS_LOG}"
  log "Validating the ${PIPELINE_TITLE} CI-mode build, run ${RUN_ID}, docker client ${DOCKER}"

  write_recording_client "${DOCKER}" "${WORK}"
  start_watch
  check_driver_build
  check_smoke_run
  stop_watch
  check_recorded_calls
  check_dockerfiles
  check_run_containers
  check_marker
  check_images
  check_package
  check_smoke_container

  log "Removing this run's containers, volumes and temporary files; the images stay (they are the build's output)."
  # The last line, without a timestamp, so that test runners can read it.
  printf '%s passed, %s failed\n' "${PASSED}" "${FAILED}" | tee -a "${RESULTS_LOG}"
  [[ "${FAILED}" == 0 ]]
}
