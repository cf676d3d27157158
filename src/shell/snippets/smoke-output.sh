#!/usr/bin/env bash
# Reading the output of the package's smoke check: does it match the expected pattern, and its
# last line for a one-line message.
# Part of the generated build driver and validation script (after the pipeline model as bash
# data). Only functions; sourced alone by the tests.
# shellcheck disable=SC2034,SC2154
set -euo pipefail
# --- Smoke check output ---

# smoke_output_matches PATTERN FILE: whether the text of FILE matches PATTERN, a regular expression
# of the model (Python's re, multi-line: ^ and $ match at each line), as the preflight reads it.
smoke_output_matches() {
  python3 -c '
import re, sys
with open(sys.argv[2], encoding="utf-8", errors="replace") as output:
    sys.exit(0 if re.search(sys.argv[1], output.read(), re.MULTILINE) else 1)
' "$1" "$2"
}

# output_tail FILE: its last non-blank line, without control characters, at most 200 characters
# ("(no output)" when there is none).
output_tail() {
  local line
  line=$(tr -d '\000-\010\013-\037\177' <"$1" 2>/dev/null | awk 'NF { last = $0 } END { print last }')
  if [[ -z "${line}" ]]; then
    printf '(no output)'
  elif [[ ${#line} -gt 200 ]]; then
    printf '%s...' "${line:0:200}"
  else
    printf '%s' "${line}"
  fi
}
