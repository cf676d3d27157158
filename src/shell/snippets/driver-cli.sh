#!/usr/bin/env bash
# The command line of the build driver: usage, errors, and main().
# Part of every generated build driver (assembled by src/shell/driver-script.ts, after the
# pipeline model as bash data). Only functions; sourced alone by the tests.
# shellcheck disable=SC2034,SC2154
set -euo pipefail
# --- Build driver: command line ---

usage() {
  cat <<USAGE
Usage: ${DRIVER_PATH} [--ci] [--dry-run] <command>

Builds the ${PIPELINE_TITLE} images and package, stage by stage (${STAGES[*]}).

Commands:
$(for stage in "${STAGES[@]}"; do printf '  %-16s %s\n' "build_${stage}" "$(stage_description "${stage}")"; done)
  build            all stages in order, then the package in ./${ARTIFACT}
  shell            an interactive shell in the $(stage_parent "${PACKAGE_STAGE}") image (repository mounted unless --ci)
  clean            remove this pipeline's containers and images (by label) and ./dist/*, ./build/*
  check            the preflight alone: each stage has what its steps need (no docker needed);
                   it also runs with --dry-run (as warnings) and before every build (stops it)
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
One run at a time per checkout: build, build_<stage> and clean hold ./build/.lock
(help, --dry-run and shell do not). On Ctrl-C (SIGINT) or SIGTERM the run removes its
containers and leaves ./dist as it was; the package moves into ./dist only once verified.

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
    exit "${EXIT_USAGE}"
  fi
  if [[ "${COMMAND}" == help ]]; then
    usage
    exit "${EXIT_OK}"
  fi
  case "${COMMAND}" in
    build | shell | clean | check | build_*) ;;
    *) usage_error "unknown command '${COMMAND}'" ;;
  esac

  cd "$(dirname "${BASH_SOURCE[0]}")/${ROOT_FROM_SCRIPT}"
  if [[ "${COMMAND}" == check ]]; then check_stages && exit "${EXIT_OK}"; fi
  DOCKER=${DOCKER:-docker}
  CI_FLAG=''
  if [[ "${MODE}" == ci ]]; then CI_FLAG=' --ci'; fi
  RUN_COMMAND="${DRIVER_PATH} $*"
  RUN_ID=${BUILD_RUN_ID:-$(date -u +%Y%m%dt%H%M%S)-$$}
  [[ "${RUN_ID}" =~ ^[a-z0-9][a-z0-9_.-]*$ ]] || die "${EXIT_SETTINGS}" "BUILD_RUN_ID='${RUN_ID}' must be lowercase letters, digits, '.', '_' and '-'"
  if [[ "${DRY_RUN}" == 0 ]]; then check_prerequisites; fi
  choose_builder
  if [[ "${DRY_RUN}" == 0 ]]; then start_run_handling; fi
  # Commands that write ./dist, ./build or the log: one at a time per checkout.
  if [[ "${DRY_RUN}" == 0 && "${COMMAND}" != shell ]]; then take_checkout_lock; fi
  resolve_ids
  if [[ "${COMMAND}" != clean ]]; then prepare_output_dirs; fi
  say "${PIPELINE_TITLE}: ${COMMAND}, ${MODE} mode, $([[ "${DOCKER_BUILDKIT}" == 1 ]] && echo BuildKit || echo 'legacy builder'), docker client ${DOCKER}, IDs ${HOST_UID}:${HOST_GID}$([[ "${DRY_RUN}" == 1 ]] && echo ', dry run')"

  case "${COMMAND}" in build | build_*) preflight_before_build "${COMMAND}" ;; esac
  case "${COMMAND}" in
    build) build_all ;;
    shell) open_shell ;;
    clean) clean ;;
    build_*) build_one "${COMMAND#build_}" ;;
  esac
}
