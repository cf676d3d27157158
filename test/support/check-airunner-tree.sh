#!/usr/bin/env bash
# Checks the generated AiRunner build against AiRunner's real sources, by hand (its code is never
# committed here): lays the generated AiRunner files into a temporary copy of AiRunner's tree
# (git archive of its HEAD), then runs there the preflight (the driver's check command), the
# driver's dry run of the CI build, and the spec recorder on the generated PyInstaller spec.
#
#   bash test/support/check-airunner-tree.sh /path/to/airunner   # a checkout of Capsize-Games/airunner
#
# Exit status: 0 when all three report no problem; the temporary copy is removed.
set -euo pipefail

PROJECT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
readonly PROJECT
# The temporary copy, removed on exit.
COPY=
# The files the AiRunner pipeline generates, relative to its root (the project root).
readonly GENERATED=(.dockerignore .env.example docs/BUILD.md package/linux src/airunner/bin/docker.sh test_ci_mode.sh
  .github/workflows/docker-release.yml .github/workflows/linux-dispatch.yml)

die() {
  printf 'check-airunner-tree: error: %s\n' "$*" >&2
  exit 2
}

step() {
  printf '\n=== %s\n' "$*"
}

main() {
  local airunner=${1:-} copy status=0 started=${SECONDS}
  [[ -n "${airunner}" ]] || die "give the path of an AiRunner checkout, e.g. bash $0 /work/airunner"
  git -C "${airunner}" rev-parse --verify HEAD >/dev/null 2>&1 || die "${airunner} is not a git checkout of AiRunner; clone Capsize-Games/airunner there"
  COPY=$(mktemp -d "${TMPDIR:-/tmp}/airunner-tree-XXXXXX")
  trap 'rm -rf "${COPY}"' EXIT
  copy=${COPY}
  printf 'AiRunner %s (%s), laid out in %s\n' "$(git -C "${airunner}" rev-parse --short=9 HEAD)" \
    "$(sed -n 's/.*version="\([^"]*\)".*/\1/p' "${airunner}/setup.py")" "${copy}"
  git -C "${airunner}" archive HEAD | tar -x -C "${copy}"
  local path
  for path in "${GENERATED[@]}"; do
    rm -rf "${copy:?}/${path}"
    mkdir -p "$(dirname "${copy}/${path}")"
    cp -a "${PROJECT}/${path}" "${copy}/${path}"
  done

  step "preflight: ./src/airunner/bin/docker.sh check"
  (cd "${copy}" && ./src/airunner/bin/docker.sh check) || status=1

  step "dry run: ./src/airunner/bin/docker.sh --ci --dry-run build (warnings, if any)"
  local plan
  plan=$(cd "${copy}" && ./src/airunner/bin/docker.sh --ci --dry-run build 2>&1) || status=1
  if grep -n 'warning' <<<"${plan}"; then status=1; else printf 'no warning; %s docker commands planned\n' "$(grep -c '^+ ' <<<"${plan}")"; fi

  step "spec recorder: package/linux/airunner.spec"
  python3 "${PROJECT}/test/support/spec-recorder.py" "${copy}/package/linux/airunner.spec" || status=1

  step "result"
  if [[ "${status}" == 0 ]]; then printf 'zero problems (in %ss)\n' $((SECONDS - started)); else printf 'PROBLEMS found (see above)\n'; fi
  return "${status}"
}

main "$@"
