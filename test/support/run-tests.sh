#!/usr/bin/env bash
# The test task (`npx projen test`). With arguments: one jest process, given them. Without: two jest
# processes at the same time, because the unit tests need only the CPU while the end-to-end tests
# mostly wait for the engine and the network:
#   - the end-to-end tests (test/e2e) and the unit tests that drive the real engine set-up scripts or
#     Podman, one file at a time (they share one engine, one Podman store and one set of example
#     images), with their output as it comes;
#   - every other unit test, one file at a time, its output shown when it ends.
# Each writes its own jest-junit report in test-reports/ (.ci/run counts them all). Exits non-zero
# when either fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

if (($# > 0)); then exec npx jest --ci --runInBand "$@"; fi

readonly SERIAL=(test/e2e/ test/engine-scripts.test.ts test/engine.test.ts)

mkdir -p test-reports
unit_log=$(mktemp "${TMPDIR:-/tmp}/staged-build-unit-tests.XXXXXX")
trap 'rm -f "${unit_log}"' EXIT
started=${SECONDS}

JEST_JUNIT_OUTPUT_NAME=junit-unit.xml npx jest --ci --runInBand \
  --testPathIgnorePatterns /node_modules/ "${SERIAL[@]}" >"${unit_log}" 2>&1 &
unit_pid=$!
echo "[test] unit tests started in the background (pid ${unit_pid}); their output follows the engine tests'"

serial_status=0
JEST_JUNIT_OUTPUT_NAME=junit-e2e.xml npx jest --ci --runInBand --coverage=false "${SERIAL[@]}" || serial_status=$?
echo "[test] engine tests ended (status ${serial_status}) after $((SECONDS - started))s; waiting for the unit tests"

unit_status=0
wait "${unit_pid}" || unit_status=$?
echo "[test] unit tests ended (status ${unit_status}) after $((SECONDS - started))s; their output:"
cat "${unit_log}"
((serial_status == 0 && unit_status == 0))
