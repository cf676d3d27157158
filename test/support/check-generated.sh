#!/usr/bin/env bash
# The second half of the `check:generated` task (a step of the workflows' quality gate): after
# synthesis, the checked-out tree must be exactly as committed. Run on a clean checkout, as CI does:
# any change or new file means the committed generated files are not what the model makes.
set -euo pipefail

main() {
  local changes
  changes=$(git status --porcelain --untracked-files=all)
  if [[ -n "${changes}" ]]; then
    printf '%s\n' "${changes}" >&2
    echo "error: synthesis changed the files above: the committed generated files are stale; run 'npx projen' and commit the result" >&2
    exit 1
  fi
  echo "check:generated: the committed generated files are what the model makes"
}

main "$@"
