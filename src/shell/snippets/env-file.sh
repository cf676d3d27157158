#!/usr/bin/env bash
# The hand-written reader of .env, shared by the generated driver and validation script.
set -euo pipefail
# --- .env ---

# The value of KEY in ./.env, which must be a whole number, bare or in quotes ("1000", '1000');
# the last assignment wins, "export KEY=..." counts too; nothing when .env or KEY is absent.
# Never sourced. Any other value (1 2, "12"34, 12abc, an empty value) is an error naming the line:
# the message goes to ENV_FILE_ERROR and the status is 1.
# With VAR, the value goes into that variable (the caller reports the error); without, it is
# printed (and the error too, on stderr).
read_env_file_value() {
  local key=$1 target=${2:-} line number=0 raw found=''
  ENV_FILE_ERROR=''
  if [[ -f .env ]]; then
    while IFS= read -r line || [[ -n "${line}" ]]; do
      number=$((number + 1))
      [[ "${line}" =~ ^[[:space:]]*(export[[:space:]]+)?${key}[[:space:]]*=(.*)$ ]] || continue
      raw=${BASH_REMATCH[2]}
      raw=${raw#"${raw%%[![:space:]]*}"} # without leading and trailing blanks (and a CR)
      raw=${raw%"${raw##*[![:space:]]}"}
      if [[ "${raw}" =~ ^([0-9]+)$ || "${raw}" =~ ^\"([0-9]+)\"$ || "${raw}" =~ ^\'([0-9]+)\'$ ]]; then
        found=${BASH_REMATCH[1]}
      else
        ENV_FILE_ERROR="./.env line ${number}: ${key}=${raw} is not a whole number; write it as ${key}=1000 (digits only, optionally in quotes), or remove the line"
        break
      fi
    done <.env
  fi
  if [[ -n "${ENV_FILE_ERROR}" ]]; then
    if [[ -z "${target}" ]]; then printf 'error: %s\n' "${ENV_FILE_ERROR}" >&2; fi
    return 1
  fi
  if [[ -n "${target}" ]]; then printf -v "${target}" '%s' "${found}"; else printf '%s' "${found}"; fi
}
