#!/usr/bin/env bash
# The command line of the build driver: usage, errors, and main().
# Part of every generated build driver (assembled by src/shell/driver-script.ts, after the
# pipeline model as bash data). Only functions; sourced alone by the tests.
# shellcheck disable=SC2034,SC2154
set -euo pipefail
# --- Build driver: command line ---

usage() {
  cat <<USAGE
Usage: ${DRIVER_PATH} [--ci] [--dry-run] [--registry HOST[:PORT]] <command> [STAGE...]

Builds the ${PIPELINE_TITLE} images and package, stage by stage (${STAGES[*]}).

Commands:
$(for stage in "${STAGES[@]}"; do printf '  %-16s %s\n' "build_${stage}" "$(stage_description "${stage}")"; done)
  build            all stages in order, then the package in ./${ARTIFACT}
  smoke            run the package in ./dist in a fresh container of the ${SMOKE_STAGE} image and
                   check its output (build and build_${PACKAGE_STAGE} run it before ./dist is replaced)
  push [STAGE...]  push each stage's image under its input tag (default: ${PUBLISHED_STAGES[*]:-none})
  promote [STAGE...]
                   tag each stage's image with its moving tag (the model's name) and push that
  merge [STAGE...] join the images each platform's job pushed (BUILD_PLATFORMS) into one
                   manifest list under the input tag (docker manifest; each image's
                   architecture must be its tag's)
  promote_merged [STAGE...]
                   point the moving tag at the merged manifest list
  digest STAGE     print the registry digest of the stage's pushed input tag (also to
                   \$GITHUB_OUTPUT as name= and digest=, for a provenance attestation);
                   with BUILD_PLATFORMS, of the manifest list merge pushed
  pull STAGE       pull the stage's image by its input tag and tag it with the model's name
  pull_or_build STAGE
                   pull; only when the registry has no such image, build it (says which)
  shell            an interactive shell in the $(stage_parent "${PACKAGE_STAGE}") image (repository mounted unless --ci)
  clean            remove this pipeline's containers and images (by label) and ./dist/*, ./build/*
  check            the preflight alone: each stage has what its steps need (no docker needed);
                   it also runs with --dry-run (as warnings) and before every build (stops it)
  help             this text

Input tags: every image is also tagged <image>-<hash>, the hash (${INPUT_HASH_LENGTH} hex digits) of its
Dockerfile, the files it copies (as .dockerignore leaves them), its user IDs and its parent's
hash: the tag names exactly what was built from these inputs. push and pull use it.

Options (in any order, before or after the command):
  --ci             CI mode: fully containerized, no mount of any kind; the package is
                   copied out of a container with docker create + docker cp
  --dry-run        print the docker commands that would run; run and write nothing
  --registry HOST[:PORT][/PATH]
                   put every image under this registry: it replaces the registry host of the
                   model's image names, or goes in front of names without one
                   (default: \$BUILD_REGISTRY, else the model's names)
  -h, --help       this text

Environment:
  DOCKER           docker client to use (default: docker on PATH); DOCKER=podman builds with Podman
  DOCKER_BUILDKIT  1 = BuildKit, 0 = legacy builder (default: BuildKit when buildx is present);
                   Podman ignores it (it builds with buildah)
  BUILD_REGISTRY   the registry, as --registry (the option wins)
  BUILD_PLATFORM   build for this platform (docker build --platform, e.g. linux/arm64) and tag
                   every image <tag>-<architecture> (one job per platform, on a native runner)
  BUILD_PLATFORMS  the platforms merge joins, e.g. "linux/amd64 linux/arm64"
  HOST_UID, HOST_GID
                   IDs for the image user and the files written to ./dist and ./build.
                   Precedence: environment, then .env, then the current user (id -u / id -g).
                   .env is created from id -u / id -g when missing.
  BUILD_RUN_ID     the run's ID: label ${LABEL_RUN_ID} on its containers, ./${RUN_RECORD_DIR}/<ID>.tsv (default: time and PID)
  KEEP_CONTAINERS  1 = keep the package and smoke-check containers after the run
  SMOKE_TIMEOUT    seconds the smoke check may take (default 300)

With BuildKit, builds record their cache in the image (BUILDKIT_INLINE_CACHE=1) and, for image
names with a registry, use the registry's image of the same input tag, else the moving tag, as
cache (--cache-from). The legacy builder uses only its local cache. BuildKit builds the stages'
Dockerfile.<stage>.buildkit renderings (apt and pip caches mounted), the legacy builder the plain ones.

Metrics: every build command appends one JSON line to ./${METRICS_FILE} (per stage: time, image
size, layers, all steps cached or not, context sent; the package's size and SHA-256) and prints
them as a table (also to \$GITHUB_STEP_SUMMARY when set). A stage's sizeBudget fails the build.

Logs: ./${BUILD_LOG} (all docker output), ./${PACKAGER_LOG} (packager output).
One run at a time per checkout: every command but help, check, shell and --dry-run holds
./build/.lock. On Ctrl-C (SIGINT) or SIGTERM the run removes its containers and leaves ./dist
as it was; the package moves into ./dist only once verified and smoke-checked.

Exit status:
$(print_exit_codes)
USAGE
}

# die [STATUS] MESSAGE: one line on stderr, then exit with STATUS (a code of the exit table,
# default EXIT_FAILURE).
die() {
  local status=${EXIT_FAILURE}
  if [[ $# -gt 1 && "$1" =~ ^[0-9]+$ ]]; then
    status=$1
    shift
  fi
  printf '%s: error: %s\n' "${DRIVER_PATH}" "$*" >&2
  exit "${status}"
}

usage_error() {
  printf '%s: error: %s\n' "${DRIVER_PATH}" "$*" >&2
  printf "Run '%s --help' for usage.\n" "${DRIVER_PATH}" >&2
  exit "${EXIT_USAGE}"
}

main() {
  MODE=standard
  DRY_RUN=0
  COMMAND=''
  REGISTRY_GIVEN=0
  REGISTRY_OPTION=''
  OPERANDS=()
  local arg expect_registry=0
  for arg in "$@"; do
    if [[ "${expect_registry}" == 1 ]]; then
      REGISTRY_OPTION=${arg}
      expect_registry=0
      continue
    fi
    case "${arg}" in
      --ci) MODE=ci ;;
      --dry-run) DRY_RUN=1 ;;
      --registry) REGISTRY_GIVEN=1 expect_registry=1 ;;
      --registry=*) REGISTRY_GIVEN=1 REGISTRY_OPTION=${arg#--registry=} ;;
      -h | --help | help) COMMAND=help ;;
      -*) usage_error "unknown option '${arg}'" ;;
      *) if [[ -z "${COMMAND}" ]]; then COMMAND=${arg}; else OPERANDS+=("${arg}"); fi ;;
    esac
  done
  [[ "${expect_registry}" == 0 ]] || usage_error "--registry needs a value: --registry HOST[:PORT], e.g. --registry 127.0.0.1:5000"
  if [[ -z "${COMMAND}" ]]; then
    usage >&2
    exit "${EXIT_USAGE}"
  fi
  if [[ "${COMMAND}" == help ]]; then
    usage
    exit "${EXIT_OK}"
  fi
  check_operands

  cd "$(dirname "${BASH_SOURCE[0]}")/${ROOT_FROM_SCRIPT}"
  if [[ "${COMMAND}" == check ]]; then check_stages && exit "${EXIT_OK}"; fi
  DOCKER=${DOCKER:-docker}
  CI_FLAG=''
  if [[ "${MODE}" == ci ]]; then CI_FLAG=' --ci'; fi
  RUN_COMMAND="${DRIVER_PATH} $*"
  RUN_ID=${BUILD_RUN_ID:-$(date -u +%Y%m%dt%H%M%S)-$$}
  [[ "${RUN_ID}" =~ ^[a-z0-9][a-z0-9_.-]*$ ]] || die "${EXIT_SETTINGS}" "BUILD_RUN_ID='${RUN_ID}' must be lowercase letters, digits, '.', '_' and '-'"
  resolve_registry
  check_build_platform
  if [[ "${DRY_RUN}" == 0 ]]; then check_prerequisites; fi
  choose_builder
  if [[ "${DRY_RUN}" == 0 ]]; then start_run_handling; fi
  # Commands that write ./dist, ./build or the log: one at a time per checkout.
  if [[ "${DRY_RUN}" == 0 && "${COMMAND}" != shell ]]; then take_checkout_lock; fi
  resolve_ids
  if [[ "${COMMAND}" != clean ]]; then prepare_output_dirs; fi
  say "${PIPELINE_TITLE}: ${COMMAND}${OPERANDS[*]:+ ${OPERANDS[*]}}, ${MODE} mode, $(builder_title), docker client ${DOCKER}, IDs ${HOST_UID}:${HOST_GID}${REGISTRY:+, registry ${REGISTRY}}$([[ "${DRY_RUN}" == 1 ]] && echo ', dry run')"

  case "${COMMAND}" in build | build_*) preflight_before_build "${COMMAND}" ;; esac
  case "${COMMAND}" in
    build) build_all ;;
    shell) open_shell ;;
    clean) clean ;;
    smoke) smoke_check "${ARTIFACT}" ;;
    push) push_stages "${OPERANDS[@]}" ;;
    promote) promote_stages "${OPERANDS[@]}" ;;
    merge) merge_stages "${OPERANDS[@]}" ;;
    promote_merged) promote_merged_stages "${OPERANDS[@]}" ;;
    pull) pull_stage "${OPERANDS[0]}" ;;
    digest) print_pushed_digest "${OPERANDS[0]}" ;;
    pull_or_build) pull_or_build "${OPERANDS[0]}" ;;
    build_*) build_one "${COMMAND#build_}" ;;
  esac
}

# The command is known and has the stages it takes: push and promote any number (none: the
# published ones), pull and pull_or_build one, the others none.
check_operands() {
  local stage
  case "${COMMAND}" in
    build | shell | clean | check | smoke | build_*)
      [[ ${#OPERANDS[@]} == 0 ]] || usage_error "one command at a time (got '${COMMAND}' and '${OPERANDS[0]}')"
      ;;
    push | promote | merge | promote_merged)
      if [[ ${#OPERANDS[@]} == 0 ]]; then
        [[ ${#PUBLISHED_STAGES[@]} -gt 0 ]] \
          || usage_error "no stage is published in the model (publish: 'branch' or 'release'); name the stages, e.g. '${COMMAND} ${STAGES[0]}'"
        OPERANDS=("${PUBLISHED_STAGES[@]}")
      fi
      ;;
    pull | pull_or_build | digest)
      [[ ${#OPERANDS[@]} == 1 ]] || usage_error "${COMMAND} takes one stage, e.g. '${COMMAND} ${STAGES[0]}' (stages: ${STAGES[*]})"
      ;;
    *) usage_error "unknown command '${COMMAND}'" ;;
  esac
  for stage in "${OPERANDS[@]}"; do
    stage_description "${stage}" >/dev/null || usage_error "unknown stage '${stage}' (stages: ${STAGES[*]})"
  done
}
