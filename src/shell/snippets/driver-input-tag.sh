#!/usr/bin/env bash
# Input tags: every image is also tagged <image>-<hash of what it is built from>, so that a tag
# names exactly what was built from a commit's inputs (push and pull use it).
# Part of every generated build driver (assembled by src/shell/driver-script.ts, after the
# pipeline model as bash data). Only functions; sourced alone by the tests.
# shellcheck disable=SC2034,SC2154
set -euo pipefail
# --- Build driver: input tags ---

# The hash covers: the stage's Dockerfile; each file its steps copy (path, executable or not,
# content; what .dockerignore leaves out of the build context is left out here too, see
# load_context_ignore); the user IDs of a stage that creates its user; and the parent stage's
# hash. Not the image names: a registry or the build mode does not change it.

# input_tag STAGE: the stage's image name, tagged with the hash of its inputs,
# e.g. local/desktop-app:base_ci-3f9a1c2e4b5d.
input_tag() {
  printf '%s-%s\n' "$(image_of "$1")" "$(input_hash "$1")"
}

# input_hash STAGE: the first INPUT_HASH_LENGTH hex digits of the SHA-256 of the stage's inputs.
input_hash() {
  local stage=$1 parent input
  load_context_ignore
  {
    printf 'staged-build inputs 1\0dockerfile\0'
    file_digest "$(stage_dockerfile "${stage}")"
    if parent=$(stage_parent "${stage}"); then printf 'parent\0%s\0' "$(input_hash "${parent}")"; fi
    if stage_takes_user_ids "${stage}" >/dev/null; then printf 'ids\0%s:%s\0' "${IMAGE_UID}" "${IMAGE_GID}"; fi
    while IFS= read -r input; do input_digest "${input}"; done < <(stage_inputs "${stage}")
  } | sha256sum | cut -c "1-${INPUT_HASH_LENGTH}"
}

# The SHA-256 of one file, then a NUL ("missing" when it is not there).
file_digest() {
  if [[ -f "$1" ]]; then
    printf '%s\0' "$(sha256sum <"$1" | cut -d ' ' -f 1)"
  else
    printf 'missing\0'
  fi
}

# input_digest PATH: one record per file under PATH (a file or a folder) that the build context
# holds: its path, whether it is executable, and its content's hash (a link: its target).
input_digest() {
  local input=${1#./} path files=() flags=() index digest
  input=${input%/}
  if [[ ! -e "${input}" && ! -L "${input}" ]]; then
    printf 'missing\0%s\0' "${input}"
    return 0
  fi
  while IFS= read -r -d '' path; do
    if context_ignored "${path}"; then continue; fi
    if [[ -L "${path}" ]]; then
      printf 'link\0%s\0%s\0' "${path}" "$(readlink -- "${path}")"
    else
      files+=("${path}")
      if [[ -x "${path}" ]]; then flags+=(x); else flags+=(-); fi
    fi
  done < <(find "${input}" \( -type f -o -type l \) -print0 | LC_ALL=C sort -z)
  [[ ${#files[@]} -gt 0 ]] || return 0
  # One sha256sum for all the files; its records are "<hash>  <path>", NUL-ended. A file it
  # could not read gets no record: "unreadable" stands for its hash.
  local -A sums=()
  while IFS= read -r -d '' digest; do
    sums["${digest#*  }"]=${digest%% *}
  done < <(printf '%s\0' "${files[@]}" | xargs -0 sha256sum --zero -- 2>/dev/null || true)
  for index in "${!files[@]}"; do
    printf 'file\0%s\0%s\0%s\0' "${files[index]}" "${flags[index]}" "${sums["${files[index]}"]:-unreadable}"
  done
}

# Reads the .dockerignore patterns that the hash can apply exactly as Docker does: a name at the
# top of the context ("dist", "*.log", "/build") and a name at any depth ("**/__pycache__").
# Other forms are not applied, and a "!" exception turns them all off: the hash may then cover
# more files than the build context (a needless rebuild), never fewer (a stale image).
load_context_ignore() {
  local line
  CONTEXT_IGNORE_TOP=()
  CONTEXT_IGNORE_ANY=()
  [[ -f .dockerignore ]] || return 0
  while IFS= read -r line || [[ -n "${line}" ]]; do
    line=${line%$'\r'}
    line=${line#"${line%%[![:space:]]*}"}
    line=${line%"${line##*[![:space:]]}"}
    [[ -n "${line}" && "${line}" != '#'* ]] || continue
    if [[ "${line}" == '!'* ]]; then
      CONTEXT_IGNORE_TOP=()
      CONTEXT_IGNORE_ANY=()
      return 0
    fi
    line=${line#/}
    line=${line%/}
    if [[ "${line}" == '**/'* && "${line#'**/'}" != */* && "${line#'**/'}" != *'**'* && -n "${line#'**/'}" ]]; then
      CONTEXT_IGNORE_ANY+=("${line#'**/'}")
    elif [[ -n "${line}" && "${line}" != */* && "${line}" != *'**'* ]]; then
      CONTEXT_IGNORE_TOP+=("${line}")
    fi
  done <.dockerignore
}

# context_ignored PATH: whether the build context leaves PATH out (a path relative to the root),
# by the patterns load_context_ignore read: a top pattern matches the first component, an
# any-depth pattern any component (a folder that is left out takes its contents with it).
context_ignored() {
  local parts=() index pattern
  IFS=/ read -r -a parts <<<"${1#./}"
  for index in "${!parts[@]}"; do
    if [[ "${index}" == 0 ]]; then
      for pattern in "${CONTEXT_IGNORE_TOP[@]}"; do
        # shellcheck disable=SC2053 # the pattern is a glob on purpose
        [[ "${parts[index]}" == ${pattern} ]] && return 0
      done
    fi
    for pattern in "${CONTEXT_IGNORE_ANY[@]}"; do
      # shellcheck disable=SC2053 # the pattern is a glob on purpose
      [[ "${parts[index]}" == ${pattern} ]] && return 0
    done
  done
  return 1
}
