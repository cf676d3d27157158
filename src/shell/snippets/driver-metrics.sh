#!/usr/bin/env bash
# The run record (which images this run built or confirmed) and the build metrics of a run.
# Part of every generated build driver (assembled by src/shell/driver-script.ts, after the
# pipeline model as bash data). Only functions; sourced alone by the tests.
# shellcheck disable=SC2034,SC2154
set -euo pipefail
# --- Build driver: run record and metrics ---

# ./RUN_RECORD_DIR/<run ID>.tsv: one line per image reference this run tagged, "stage<TAB>reference<TAB>image ID".
# The validation script's "built by this run" check reads it (the images carry no per-run label).
run_record_path() {
  printf '%s/%s.tsv' "${RUN_RECORD_DIR}" "${RUN_ID}"
}

start_metrics() {
  METRIC_STAGES=()
  METRIC_ROWS=()
  METRIC_PACKAGE=null
  METRIC_RESULT=ok
  METRICS_CLOCK=${EPOCHREALTIME}
  declare -gA STAGE_SUMMARIES=()
}

# record_stage STAGE IMAGE TAG CLOCK OUTPUT: after a build of STAGE (started at CLOCK, an
# EPOCHREALTIME; its output in OUTPUT): the run record, the stage's metrics, and its size budget.
record_stage() {
  local stage=$1 image=$2 tag=$3 clock=$4 output=$5 seconds id size layers steps ran hits cached context budget
  seconds=$(seconds_since "${clock}")
  read -r id size layers < <("${DOCKER}" image inspect --format '{{.Id}} {{.Size}} {{len .RootFS.Layers}}' "${image}" 2>/dev/null) \
    || die "${EXIT_STAGE_BUILD}" "the build of stage ${stage} succeeded but '${DOCKER} image inspect ${image}' fails; see ./${BUILD_LOG}"
  make_dirs "${RUN_RECORD_DIR}"
  append_line "$(run_record_path)" "$(printf '%s\t%s\t%s' "${stage}" "${image}" "${id}")"
  append_line "$(run_record_path)" "$(printf '%s\t%s\t%s' "${stage}" "${tag}" "${id}")"
  steps=$(build_steps "${output}")
  read -r ran hits <<<"${steps}"
  if build_fully_cached "${output}"; then cached=true; else cached=false; fi
  context=$(context_bytes "${output}")
  budget=$(stage_size_budget "${stage}") || budget=''
  METRIC_STAGES+=("{\"stage\":$(json_string "${stage}"),\"image\":$(json_string "${image}"),\"imageId\":$(json_string "${id}"),\"seconds\":${seconds},\"sizeBytes\":${size},\"layers\":${layers},\"cached\":${cached},\"steps\":{\"ran\":${ran},\"cached\":${hits}},\"contextBytes\":${context:-null},\"sizeBudgetBytes\":${budget:-null}}")
  METRIC_ROWS+=("${stage}|${seconds}|$(human_size "${size}")|${layers}|$([[ "${cached}" == true ]] && echo yes || echo no)|$(human_size "${context}")")
  STAGE_SUMMARIES[${stage}]=", $(human_size "${size}"), ${layers} layers, $([[ "${cached}" == true ]] && echo 'every step cached' || echo "${ran} of $((ran + hits)) steps run"), $(context_phrase "${context}")"
  if [[ -n "${budget}" ]] && ((size > budget)); then
    METRIC_RESULT='size-budget'
    finish_metrics
    die "${EXIT_SIZE_BUDGET}" "stage ${stage}: image ${image} is $(human_size "${size}") (${size} bytes), over its size budget of $(human_size "${budget}") (${budget} bytes); make the stage smaller or raise its sizeBudget in .projenrc.ts"
  fi
}

# "context 9.7kB sent", or what is known when the builder printed no size (buildah).
context_phrase() {
  if [[ -n "$1" ]]; then printf 'context %s sent' "$(human_size "$1")"; else printf 'context size not reported by %s' "${BUILDER}"; fi
}

# ", <size>, <layers> layers, ..." after a stage's "built" line (nothing on a dry run).
stage_summary() {
  [[ "${DRY_RUN}" == 0 ]] || return 0
  printf '%s' "${STAGE_SUMMARIES[$1]:-}"
}

# record_package CLOCK: the package in ./dist (its size and SHA-256), made since CLOCK.
record_package() {
  [[ "${DRY_RUN}" == 0 ]] || return 0
  local seconds size sum
  seconds=$(seconds_since "$1")
  size=$(stat -c %s "${ARTIFACT}")
  read -r sum _ <"${CHECKSUM}"
  METRIC_PACKAGE="{\"path\":$(json_string "${ARTIFACT}"),\"sizeBytes\":${size},\"sha256\":$(json_string "${sum}"),\"seconds\":${seconds}}"
  METRIC_ROWS+=("${ARTIFACT}|${seconds}|$(human_size "${size}")|-|-|-")
}

# build_steps FILE: "RAN CACHED", how many steps of the build whose output is in FILE ran and how
# many came from the build cache. A step is an instruction of the Dockerfile but FROM (an ARG
# before the first FROM is none); what marks one and its cache hit differs by BUILDER:
#   legacy    "Step i/n : INSTRUCTION ...", cached when " ---> Using cache" follows
#   buildkit  "#<v> [<stage> i/n] INSTRUCTION ..." (plain progress; BuildKit lists no metadata-only
#             step such as LABEL or ENV), cached when its vertex has a "#<v> CACHED" line
#   buildah   "STEP i/n: INSTRUCTION ..." ("[s/t] STEP i/n: ..." in a multi-stage build), cached
#             when "--> Using cache <image ID>" follows (Podman 4.3, buildah 1.28)
build_steps() {
  local file=$1
  case "${BUILDER}" in
    legacy)
      awk '
        /^Step [0-9]+\/[0-9]+ : / { if (toupper($4) == "FROM") { from = 1; step = 0 } else if (from) { steps++; step = 1 } }
        step && /^ ---> Using cache$/ { cached++; step = 0 }
        END { printf "%d %d\n", steps - cached, cached }' "${file}" ;;
    buildkit)
      awk '
        /^#[0-9]+ \[([^] ]+ )?[0-9]+\/[0-9]+\] / && !/^#[0-9]+ \[[^]]*\] FROM / { steps[$1] = 1 }
        /^#[0-9]+ CACHED$/ { done[$1] = 1 }
        END { for (s in steps) if (s in done) cached++; else ran++; printf "%d %d\n", ran, cached }' "${file}" ;;
    buildah)
      awk '
        { sub(/^\[[0-9]+\/[0-9]+\] /, "") }
        /^STEP [0-9]+\/[0-9]+: / { step = toupper($3) != "FROM"; if (step) steps++ }
        step && /^--> Using cache / { cached++; step = 0 }
        END { printf "%d %d\n", steps - cached, cached }' "${file}" ;;
    *) die "${EXIT_FAILURE}" "unknown builder '${BUILDER}' (buildkit, legacy or buildah); choose_builder sets it" ;;
  esac
}

# Whether every step of the build whose output is in FILE came from the build cache (no step ran).
build_fully_cached() {
  local steps ran
  steps=$(build_steps "$1")
  read -r ran _ <<<"${steps}"
  ((ran == 0))
}

# The size of the build context the client sent, in bytes, from the build output in FILE: legacy
# "Sending build context to Docker daemon  9.7kB"; BuildKit "#<n> transferring context: 9.7kB"
# of the "[internal] load build context" step (none when no step copies anything: 0). buildah
# reads the context folder itself and prints no size: nothing (the metrics say null and '-').
context_bytes() {
  case "${BUILDER}" in
    legacy)
      awk '
        { gsub(/\r/, " ") } # the legacy client redraws its progress line with carriage returns
        /^Sending build context to Docker daemon / { size = $NF }
        END { print size }' "$1" ;;
    buildkit)
      awk '
        /^#[0-9]+ \[internal\] load \.dockerignore$/ && size == "" { size = "0B" }
        /^#[0-9]+ \[internal\] load build context$/ { vertex = $1 }
        vertex != "" && $1 == vertex && $2 == "transferring" && $3 == "context:" { size = $4 }
        END { print size }' "$1" ;;
    buildah) return 0 ;;
    *) die "${EXIT_FAILURE}" "unknown builder '${BUILDER}' (buildkit, legacy or buildah); choose_builder sets it" ;;
  esac | size_in_bytes
}

# A size as Docker prints it (9.7kB, 1.2MB, 512B) on standard input, in bytes; nothing for none.
size_in_bytes() {
  awk '
    match($0, /^[0-9.]+/) {
      n = substr($0, 1, RLENGTH) + 0; u = substr($0, RLENGTH + 1)
      printf "%d\n", n * (u == "kB" ? 1e3 : u == "MB" ? 1e6 : u == "GB" ? 1e9 : 1) }'
}

# Seconds since CLOCK (an EPOCHREALTIME), with one decimal.
seconds_since() {
  awk -v from="$1" -v to="${EPOCHREALTIME}" 'BEGIN { printf "%.1f\n", to - from }'
}

# BYTES as Docker prints sizes (powers of 1000): 512B, 9.7kB, 181.3MB ('-' for '').
human_size() {
  awk -v n="$1" 'BEGIN {
    if (n == "") { print "-"; exit }
    split("B kB MB GB TB", units, " "); i = 1
    while (n >= 1000 && i < 5) { n /= 1000; i++ }
    printf (i == 1 ? "%d%s\n" : "%.1f%s\n"), n, units[i] }'
}

# A JSON string literal of TEXT (one line: backslash, double quote and tab escaped).
json_string() {
  local text=${1//\\/\\\\}
  text=${text//\"/\\\"}
  text=${text//$'\t'/\\t}
  printf '"%s"' "${text}"
}

# Appends LINE to FILE; dies naming the file, the reason and the fix when it cannot.
append_line() {
  local file=$1 error
  if ! error=$({ printf '%s\n' "$2" >>"${file}"; } 2>&1); then
    die "${EXIT_WRITE}" "could not write ./${file}: $(write_error_reason "${error}"); $(write_fix "${file}")"
  fi
}

# The builder, as the metrics name it.
builder_name() {
  printf '%s' "${BUILDER}"
}

# After a build command (or when a stage is over its budget): one JSON line appended to
# ./build/metrics.json, a table on the terminal, and the same table in Markdown in
# $GITHUB_STEP_SUMMARY when that is set (GitHub Actions).
finish_metrics() {
  [[ "${DRY_RUN}" == 0 ]] || return 0
  local revision stages seconds row
  revision=$(git rev-parse --verify --quiet HEAD 2>/dev/null) && revision=$(json_string "${revision}") || revision=null
  seconds=$(seconds_since "${METRICS_CLOCK}")
  stages=$(IFS=,; printf '%s' "${METRIC_STAGES[*]}")
  append_line "${METRICS_FILE}" "{\"timestamp\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\",\"runId\":$(json_string "${RUN_ID}"),\"revision\":${revision},\"command\":$(json_string "${COMMAND}"),\"mode\":\"${MODE}\",\"builder\":\"$(builder_name)\",\"docker\":$(json_string "${DOCKER}"),\"result\":\"${METRIC_RESULT}\",\"seconds\":${seconds},\"stages\":[${stages}],\"package\":${METRIC_PACKAGE}}"
  say "Metrics ($(builder_name), ${MODE} mode, ${seconds}s; appended to ./${METRICS_FILE}):"
  while IFS= read -r row; do say "  ${row}"; done < <(metrics_table | awk -F '|' '{ printf "%-20s %8s %10s %6s %6s %9s\n", $1, $2, $3, $4, $5, $6 }')
  if [[ -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
    local error
    error=$({ metrics_markdown "${seconds}" >>"${GITHUB_STEP_SUMMARY}"; } 2>&1) \
      || die "${EXIT_WRITE}" "could not write the job summary ${GITHUB_STEP_SUMMARY}: $(write_error_reason "${error}"); check GITHUB_STEP_SUMMARY"
  fi
}

metrics_table() {
  printf '%s\n' 'Stage|Seconds|Size|Layers|Cached|Context'
  if [[ ${#METRIC_ROWS[@]} -gt 0 ]]; then printf '%s\n' "${METRIC_ROWS[@]}"; fi
}

# metrics_markdown SECONDS: the table as Markdown, for the job summary.
metrics_markdown() {
  local row
  printf '### %s: %s, %s mode, %s, %ss\n\n' "${PIPELINE_TITLE}" "${COMMAND}" "${MODE}" "$(builder_name)" "$1"
  printf '| Stage | Seconds | Size | Layers | Cached | Context |\n| --- | ---: | ---: | ---: | --- | ---: |\n'
  for row in "${METRIC_ROWS[@]}"; do printf '| %s |\n' "${row//|/ | }"; done
  if [[ "${METRIC_PACKAGE}" != null ]]; then
    # shellcheck disable=SC2016 # Markdown's backticks, not a command substitution
    printf '\nPackage: `%s`, %s, sha256 `%s`\n' "${ARTIFACT}" "$(human_size "$(stat -c %s "${ARTIFACT}")")" "$(cut -d ' ' -f 1 "${CHECKSUM}")"
  fi
  printf '\n'
}
