#!/usr/bin/env bash
# Image names under another registry: what --registry and BUILD_REGISTRY do to the model's names.
# Part of the generated build driver and validation script (after the pipeline model as bash
# data). Only functions; sourced alone by the tests.
# shellcheck disable=SC2034,SC2154
set -euo pipefail
# --- Image names and the registry ---

# A registry is HOST[:PORT], optionally followed by a path under which the images go
# (127.0.0.1:5000/ci-run-7): lowercase, as Docker's reference grammar has it.
readonly REGISTRY_PATTERN='^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?(/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)*$'

# One platform's build of several (BUILD_PLATFORM) tags its images <tag>-<architecture>:
# platform_suffix linux/arm64 -> "-arm64"; no platform -> "". The driver and test_ci_mode.sh name images by it.
platform_suffix() {
  local platform=${1:-}
  printf '%s' "${platform:+-${platform##*/}}"
}

# Whether VALUE is a platform as docker build --platform takes it here: linux/ARCH.
is_platform() {
  [[ "$1" =~ ^linux/[a-z0-9]+$ ]]
}

# Whether the image REF is under a loopback registry (localhost, 127.*, [::1]): Docker's rule for a
# registry that may be reached over plain http.
under_loopback_registry() {
  local host
  host=$(registry_host "$1") || return 1
  case "${host%:*}" in
    localhost | 127.* | '[::1]') return 0 ;;
    *) return 1 ;;
  esac
}

# registry_problem VALUE: why VALUE is not a registry (nothing when it is one).
registry_problem() {
  local value=$1
  if [[ -z "${value}" ]]; then
    printf 'is empty'
  elif ! [[ "${value}" =~ ${REGISTRY_PATTERN} ]]; then
    printf 'is not HOST[:PORT][/PATH] in lowercase (e.g. ghcr.io/owner or 127.0.0.1:5000)'
  fi
}

# The registry host an image name starts with (Docker's rule: a first component with ".", ":" or
# "localhost"); fails when the name has none (Docker would take docker.io for it).
registry_host() {
  local name=$1 first
  [[ "${name}" == */* ]] || return 1
  first=${name%%/*}
  [[ "${first}" == *.* || "${first}" == *:* || "${first}" == localhost ]] || return 1
  printf '%s\n' "${first}"
}

# with_registry NAME: NAME under REGISTRY ('' leaves it as it is): REGISTRY replaces the name's
# registry host, or goes in front of a name that has none.
# ghcr.io/owner/app:linux_ci -> 127.0.0.1:5000/owner/app:linux_ci; local/app:base -> 127.0.0.1:5000/local/app:base
with_registry() {
  local name=$1 host
  if [[ -z "${REGISTRY:-}" ]]; then
    printf '%s\n' "${name}"
  elif host=$(registry_host "${name}"); then
    printf '%s/%s\n' "${REGISTRY}" "${name#"${host}"/}"
  else
    printf '%s/%s\n' "${REGISTRY}" "${name}"
  fi
}
