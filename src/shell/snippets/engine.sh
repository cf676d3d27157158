#!/usr/bin/env bash
# Which engine a client talks to: Docker or Podman. Detected once per run (the driver's
# choose_builder, the validation script's main); everything that differs by engine reads ENGINE.
# Part of the generated build driver and validation script. Only functions; sourced alone by the tests.
# shellcheck disable=SC2034,SC2154
set -euo pipefail
# --- Engine: Docker or Podman ---

# engine_of CLIENT: prints "podman" when CLIENT is Podman (also behind a wrapper named docker, such
# as podman-docker), else "docker". `version` is a command every client has and that touches no
# container; Podman's names its client "Podman Engine".
engine_of() {
  if "$1" version 2>/dev/null | grep 'Podman Engine' >/dev/null; then
    printf 'podman\n'
  else
    printf 'docker\n'
  fi
}
