#!/usr/bin/env bash
# A recording stand-in for GitHub's CLI, put first on PATH as `gh` by the workflow rehearsal
# (test/support/rehearsal.ts): it takes only `gh release upload TAG FILE... [--clobber] --repo REPO`
# and checks what GitHub would need: the tag is the release's, the repository is the run's, the token
# may write contents, every file exists and is not empty, and every file is covered by an uploaded
# checksum file (a .sha256 file, or the release's SHA256SUMS) that matches it. Then it records the upload: the files are copied to
# $REHEARSAL_GH_RECORD/<tag>/ and one line "tag<TAB>repo<TAB>file..." is appended to
# $REHEARSAL_GH_RECORD/uploads.tsv. Anything else fails, naming what is not rehearsed.
#
# Set by the rehearsal: REHEARSAL_GH_RECORD (folder), REHEARSAL_RELEASE_TAG, REHEARSAL_REPOSITORY.
set -euo pipefail

die() {
  printf 'gh (rehearsal stand-in): %s\n' "$*" >&2
  exit 2
}

require_settings() {
  local name
  for name in REHEARSAL_GH_RECORD REHEARSAL_RELEASE_TAG REHEARSAL_REPOSITORY; do
    [[ -n "${!name:-}" ]] || die "${name} is not set; this stand-in runs only inside the workflow rehearsal"
  done
}

# check_token: GH_TOKEN must be the job's token, and the job must be allowed to write contents.
check_token() {
  [[ -n "${GH_TOKEN:-}" ]] || die "GH_TOKEN is empty: give the step GH_TOKEN: \${{ github.token }}"
  [[ "${GH_TOKEN}" == rehearsal-token:* ]] || die "GH_TOKEN is not the job's token"
  [[ ",${GH_TOKEN#*:*:}," == *,contents=write,* ]] \
    || die "the job's token may not write contents (${GH_TOKEN#*:*:}): give the job permissions: contents: write"
}

# is_checksum_file FILE: a .sha256 file or a SHA256SUMS file (sha256sum's format, one line a file).
is_checksum_file() {
  [[ "$1" == *.sha256 || "$(basename "$1")" == SHA256SUMS ]]
}

# check_checksums FILE...: every checksum file matches the files it names, which must be uploaded
# too; every other file is named by one of them.
check_checksums() {
  local file folder sum name covered=()
  for file in "$@"; do
    is_checksum_file "${file}" || continue
    folder=$(dirname "${file}")
    (cd "${folder}" && sha256sum --check --status "$(basename "${file}")") \
      || die "${file} does not match the file it names"
    while read -r sum name; do
      [[ -n "${sum}" ]] || continue
      # A file in the working directory is named without "./", as it is given.
      if [[ "${folder}" == . ]]; then covered+=("${name}"); else covered+=("${folder}/${name}"); fi
    done <"${file}"
  done
  for file in "$@"; do
    is_checksum_file "${file}" && continue
    printf '%s\n' "${covered[@]}" | grep -qxF -- "${file}" || die "${file} is uploaded without a checksum file that names it"
  done
}

release_upload() {
  local tag='' repo='' files=() file
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --clobber) shift ;;
      --repo | -R)
        [[ $# -ge 2 ]] || die "--repo needs a value"
        repo=$2
        shift 2
        ;;
      --repo=*) repo=${1#--repo=}; shift ;;
      -*) die "the option $1 is not rehearsed" ;;
      *)
        if [[ -z "${tag}" ]]; then tag=$1; else files+=("$1"); fi
        shift
        ;;
    esac
  done
  [[ -n "${tag}" ]] || die "no tag given (the release's tag comes from github.event.release.tag_name)"
  [[ "${tag}" == "${REHEARSAL_RELEASE_TAG}" ]] || die "tag '${tag}' is not the release's tag '${REHEARSAL_RELEASE_TAG}'"
  [[ "${repo}" == "${REHEARSAL_REPOSITORY}" ]] || die "repository '${repo}' is not the run's repository '${REHEARSAL_REPOSITORY}'"
  [[ ${#files[@]} -gt 0 ]] || die "no file to upload"
  for file in "${files[@]}"; do
    [[ -f "${file}" && -s "${file}" ]] || die "${file} is missing or empty"
  done
  check_token
  check_checksums "${files[@]}"
  mkdir -p "${REHEARSAL_GH_RECORD}/${tag}"
  cp -- "${files[@]}" "${REHEARSAL_GH_RECORD}/${tag}/"
  (IFS=$'\t'; printf '%s\t%s\t%s\n' "${tag}" "${repo}" "${files[*]}") >>"${REHEARSAL_GH_RECORD}/uploads.tsv"
  printf 'gh (rehearsal stand-in): uploaded %s to release %s of %s\n' "${files[*]}" "${tag}" "${repo}"
}

main() {
  require_settings
  if [[ "${1:-}" == release && "${2:-}" == upload ]]; then
    shift 2
    release_upload "$@"
  else
    die "'gh $*' is not rehearsed (only 'gh release upload TAG FILE... --repo REPO')"
  fi
}

main "$@"
