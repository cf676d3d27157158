#!/usr/bin/env bash
# The hand-written reader of .env, shared by the generated driver and validation script.
set -euo pipefail
# --- .env ---

# The last value of KEY in ./.env, without quotes or spaces; nothing when absent. Never sourced.
read_env_file_value() {
  local key=$1
  [[ -f .env ]] || return 0
  sed -n "s/^[[:space:]]*${key}[[:space:]]*=[[:space:]]*//p" .env | tail -n 1 | tr -d "\"'[:space:]"
}
