#!/usr/bin/env bash
# What the CI-mode run asked the docker client to do: a recording client that the driver runs
# through, the checks of each recorded call, and the checks of the RUN options in the Dockerfiles.
# Part of every generated validation script (assembled by src/shell/validation-script.ts, after the
# pipeline model as bash data). Only functions and tables; sourced alone by the tests.
# shellcheck disable=SC2034,SC2154
set -euo pipefail
# --- Validation: recorded docker calls ---

# The tables below decide what a recorded call may do. Anything not listed fails (fail closed):
# an option or command missing here is "not known to be safe", never "safe".

# Global options of the docker client (before the command) that take a value, and those that do not.
# -H/--host, -c/--context and --config are left out: they would talk to an engine the script does not watch.
readonly GLOBAL_VALUE_OPTIONS=' -l --log-level --tlscacert --tlscert --tlskey '
readonly GLOBAL_FLAG_OPTIONS=' -D --debug --tls --tlsverify '

# Commands that cannot give a container access to the host (after "container"/"image" are folded in).
readonly SAFE_COMMANDS=' version info inspect ps images events logs history port top diff start stop kill wait rm rmi cp tag pull push '

# docker run/create: options that give a container host paths, devices, privileges or host namespaces.
readonly CONTAINER_HOST_OPTIONS=' -v --volume --mount --tmpfs --volumes-from --volume-driver --privileged --device --device-cgroup-rule --device-read-bps --device-read-iops --device-write-bps --device-write-iops --gpus --cap-add --security-opt --env-file --runtime --use-api-socket '
# Namespace options: fine unless the value is "host".
readonly CONTAINER_NAMESPACE_OPTIONS=' --network --net --pid --ipc --uts --userns --cgroupns '
# Other options of docker run/create (28.x), with a value and without.
readonly CONTAINER_VALUE_OPTIONS=' -a --attach -c --cpu-shares -e --env -h --hostname -l --label -m --memory -p --publish -u --user -w --workdir --add-host --annotation --blkio-weight --blkio-weight-device --cap-drop --cgroup-parent --cidfile --cpu-period --cpu-quota --cpu-rt-period --cpu-rt-runtime --cpus --cpuset-cpus --cpuset-mems --detach-keys --dns --dns-option --dns-search --domainname --entrypoint --expose --group-add --health-cmd --health-interval --health-retries --health-start-period --health-start-interval --health-timeout --ip --ip6 --isolation --label-file --link --link-local-ip --log-driver --log-opt --mac-address --memory-reservation --memory-swap --memory-swappiness --name --network-alias --oom-score-adj --pids-limit --platform --pull --restart --shm-size --stop-signal --stop-timeout --storage-opt --sysctl --ulimit '
readonly CONTAINER_FLAG_OPTIONS=' -d --detach -i --interactive -t --tty -P --publish-all -q --quiet --rm --init --read-only --no-healthcheck --oom-kill-disable --disable-content-trust --sig-proxy --help '

# docker build: options that read the host or lift the sandbox of RUN steps.
readonly BUILD_HOST_OPTIONS=' --build-context --secret --ssh --allow --security-opt --add-host '
# Checked by value: --file (a Dockerfile of the pipeline), --network (not host), --cache-from/--cache-to (no local directory).
readonly BUILD_CHECKED_OPTIONS=' -f --file --network --cache-from --cache-to '
readonly BUILD_VALUE_OPTIONS=' -t --tag --label --build-arg --progress --target --platform --iidfile -o --output -m --memory --memory-swap --shm-size --ulimit --cpu-shares --cpu-period --cpu-quota --cpuset-cpus --cpuset-mems --cgroup-parent --isolation '
readonly BUILD_FLAG_OPTIONS=' -q --quiet --rm --force-rm --no-cache --pull --squash --compress --load --push --help '

# RUN options in a Dockerfile: --mount only of type cache (engine-managed storage, never a host path).
readonly RUN_MOUNT_TYPES_ALLOWED=' cache '

in_list() {
  [[ "$1" == *" $2 "* ]]
}

# Writes the recording client DIR/bin/docker: it appends one record per call to DIR/calls (a file
# per call, NUL-separated fields: working directory, DOCKER_HOST, DOCKER_CONTEXT, DOCKER_CONFIG,
# then each argument), then runs the real client. Build calls also record when they ended, so that
# the containers the legacy builder creates can be told apart.
write_recording_client() {
  local real=$1 dir=$2
  mkdir -p "${dir}/bin" "${dir}/calls"
  {
    printf '#!/usr/bin/env bash\n'
    printf '# Written by %s for one run: records each docker call, then runs %s.\n' "${VALIDATION_SCRIPT}" "${real}"
    printf 'readonly REAL_DOCKER=%q CALLS=%q\n' "${real}" "${dir}/calls"
    cat <<'CLIENT'
record="${CALLS}/$(date +%s%N)-$$"
if ! printf '%s\0' "${PWD}" "${DOCKER_HOST-}" "${DOCKER_CONTEXT-}" "${DOCKER_CONFIG-}" "$@" >"${record}.call"; then
  printf 'docker (recording client): cannot write %s; free space in the temporary folder and rerun\n' "${record}.call" >&2
  exit 125
fi
for arg in "$@"; do
  if [[ "${arg}" == build ]]; then
    status=0
    "${REAL_DOCKER}" "$@" || status=$?
    date +%s%N >"${record}.end"
    exit "${status}"
  fi
done
exec "${REAL_DOCKER}" "$@"
CLIENT
  } >"${dir}/bin/docker"
  chmod +x "${dir}/bin/docker"
}

# read_call FILE: sets CALL_CWD, CALL_HOST, CALL_CONTEXT, CALL_CONFIG and CALL_ARGS from one record.
read_call() {
  local fields=()
  mapfile -d '' fields <"$1"
  CALL_CWD=${fields[0]-}
  CALL_HOST=${fields[1]-}
  CALL_CONTEXT=${fields[2]-}
  CALL_CONFIG=${fields[3]-}
  CALL_ARGS=("${fields[@]:4}")
}

# inspect_call ARG...: sets CALL_COMMAND (run, create, build, a safe command, or "unknown: WORDS")
# and CALL_PROBLEMS (what gives a container or a build access to the host; empty when none).
# Relative paths of build calls are resolved against CALL_CWD.
inspect_call() {
  CALL_COMMAND=''
  CALL_PROBLEMS=()
  local args=("$@") word
  while [[ ${#args[@]} -gt 0 && "${args[0]}" == -* ]]; do
    word=${args[0]}
    args=("${args[@]:1}")
    if in_list "${GLOBAL_FLAG_OPTIONS}" "${word}"; then continue; fi
    if in_list "${GLOBAL_VALUE_OPTIONS}" "${word}"; then args=("${args[@]:1}"); continue; fi
    if [[ "${word}" == --*=* ]] && in_list "${GLOBAL_VALUE_OPTIONS}" "${word%%=*}"; then continue; fi
    CALL_PROBLEMS+=("global option ${word} (another engine, or not known to be safe)")
  done
  word=${args[0]-}
  args=("${args[@]:1}")
  case "${word}" in
    container | image | builder | buildx | system)
      word="${word} ${args[0]-}"
      args=("${args[@]:1}")
      ;;
  esac
  case "${word}" in
    run | create | 'container run' | 'container create')
      CALL_COMMAND=${word#container }
      container_option_problems "${args[@]}"
      ;;
    build | 'image build' | 'builder build' | 'buildx build' | 'buildx b')
      CALL_COMMAND=build
      build_option_problems "${args[@]}"
      ;;
    'container ls' | 'container list') CALL_COMMAND='ps' ;;
    'image ls' | 'image list') CALL_COMMAND=images ;;
    'image rm' | 'image remove') CALL_COMMAND=rmi ;;
    'buildx version') CALL_COMMAND=version ;;
    'system events') CALL_COMMAND=events ;;
    'system info') CALL_COMMAND=info ;;
    container\ * | image\ *)
      if in_list "${SAFE_COMMANDS}" "${word#* }"; then CALL_COMMAND=${word#* }; else CALL_COMMAND="unknown: ${word}"; fi
      ;;
    *)
      if [[ -n "${word}" ]] && in_list "${SAFE_COMMANDS}" "${word}"; then CALL_COMMAND=${word}; else CALL_COMMAND="unknown: ${word:-(none)}"; fi
      ;;
  esac
}

# The options of docker run/create, up to the image (the arguments after it are the command's).
container_option_problems() {
  local arg name value group index
  while [[ $# -gt 0 ]]; do
    arg=$1
    shift
    case "${arg}" in
      --) return 0 ;;
      --*=*) container_option "${arg%%=*}" "${arg#*=}" ;;
      --*)
        if in_list "${CONTAINER_FLAG_OPTIONS}" "${arg}" || [[ "${arg}" == --privileged || "${arg}" == --use-api-socket ]]; then
          container_option "${arg}" ''
        else
          container_option "${arg}" "${1-}"
          shift || true
        fi
        ;;
      -?*)
        # Short options may be combined (-itv X): flags first, then one option whose value is the
        # rest of the word or the next argument.
        group=${arg#-}
        for ((index = 0; index < ${#group}; index++)); do
          name=-${group:index:1}
          if in_list "${CONTAINER_FLAG_OPTIONS}" "${name}"; then continue; fi
          value=${group:index+1}
          if [[ -z "${value}" ]]; then value=${1-}; shift || true; fi
          container_option "${name}" "${value#=}"
          break
        done
        ;;
      *) return 0 ;; # the image
    esac
  done
}

container_option() {
  local name=$1 value=$2
  if in_list "${CONTAINER_HOST_OPTIONS}" "${name}"; then
    CALL_PROBLEMS+=("${name}${value:+ ${value}}")
  elif in_list "${CONTAINER_NAMESPACE_OPTIONS}" "${name}"; then
    if [[ "${value}" == host ]]; then CALL_PROBLEMS+=("${name} host"); fi
  elif ! in_list "${CONTAINER_VALUE_OPTIONS}" "${name}" && ! in_list "${CONTAINER_FLAG_OPTIONS}" "${name}"; then
    CALL_PROBLEMS+=("${name} (an option not known to be safe)")
  fi
}

# The options of docker build: the pipeline's own Dockerfiles and context, nothing that reads the host.
build_option_problems() {
  local arg name value contexts=() file=''
  while [[ $# -gt 0 ]]; do
    arg=$1
    shift
    case "${arg}" in
      --*=*) name=${arg%%=*}; value=${arg#*=} ;;
      -) contexts+=("${arg}"); continue ;;
      -f?* | -t?* | -o?* | -m?*) name=${arg:0:2}; value=${arg:2} ;;
      -*)
        name=${arg}
        value=''
        if in_list "${BUILD_HOST_OPTIONS}${BUILD_CHECKED_OPTIONS}${BUILD_VALUE_OPTIONS}" "${name}"; then
          value=${1-}
          shift || true
        fi
        ;;
      *) contexts+=("${arg}"); continue ;;
    esac
    if in_list "${BUILD_HOST_OPTIONS}" "${name}"; then
      CALL_PROBLEMS+=("${name}${value:+ ${value}}")
    elif in_list "${BUILD_CHECKED_OPTIONS}" "${name}"; then
      case "${name}" in
        -f | --file) file=${value} ;;
        --network) if [[ "${value}" != default && "${value}" != none ]]; then CALL_PROBLEMS+=("--network ${value}"); fi ;;
        --cache-from | --cache-to) if [[ "${value}" == *type=local* ]]; then CALL_PROBLEMS+=("${name} ${value} (a host directory)"); fi ;;
      esac
    elif ! in_list "${BUILD_VALUE_OPTIONS}" "${name}" && ! in_list "${BUILD_FLAG_OPTIONS}" "${name}"; then
      CALL_PROBLEMS+=("${name} (an option not known to be safe)")
    fi
  done
  if [[ ${#contexts[@]} != 1 ]]; then
    CALL_PROBLEMS+=("build context: expected one, got ${#contexts[@]} (${contexts[*]-})")
    return 0
  fi
  if [[ "${contexts[0]}" == - || "${contexts[0]}" == *://* || "${contexts[0]}" == git@* ]]; then
    CALL_PROBLEMS+=("build context ${contexts[0]} (not the pipeline root)")
    return 0
  fi
  if [[ "$(resolve_path "${contexts[0]}")" != "$(resolve_path "${PWD}")" ]]; then
    CALL_PROBLEMS+=("build context ${contexts[0]} (not the pipeline root ${PWD})")
  fi
  if [[ -z "${file}" ]]; then file="${contexts[0]}/Dockerfile"; fi
  if [[ "${file}" == - ]] || ! dockerfile_stage "$(resolve_path "${file}")" >/dev/null; then
    CALL_PROBLEMS+=("--file ${file} (not a Dockerfile of this pipeline)")
  fi
}

# An absolute, normalized path; relative ones are taken from the recorded call's directory.
resolve_path() {
  local path=$1
  if [[ "${path}" != /* ]]; then path="${CALL_CWD:-${PWD}}/${path}"; fi
  realpath -m -- "${path}"
}

# dockerfile_stage PATH: prints the stage whose Dockerfile PATH (absolute) is (either rendering:
# plain, or BuildKit's with cache mounts); fails for none.
dockerfile_stage() {
  local stage file
  for stage in "${STAGES[@]}"; do
    while IFS= read -r file; do
      if [[ "$(realpath -m -- "${PWD}/${file}")" == "$1" ]]; then
        printf '%s\n' "${stage}"
        return 0
      fi
    done < <(stage_dockerfiles "${stage}")
  done
  return 1
}

# The Dockerfiles of a stage, one per line: the plain one, then the BuildKit rendering if it has one.
stage_dockerfiles() {
  stage_dockerfile "$1"
  stage_buildkit_dockerfile "$1" || true
}

# dockerfile_problems FILE: the RUN options of a Dockerfile that reach the host or lift the
# sandbox, one per line: --mount of any type but cache (bind is the default type), --network
# other than default/none, --security other than sandbox, and any other option.
dockerfile_problems() {
  local file=$1 line instruction='' words word spec type
  [[ -f "${file}" ]] || { printf '%s is missing\n' "${file}"; return 0; }
  if grep -qiE '^#[[:space:]]*escape[[:space:]]*=' "${file}"; then
    printf 'an escape parser directive (its RUN lines cannot be checked here)\n'
  fi
  while IFS= read -r line || [[ -n "${line}" ]]; do
    # Comment lines are dropped by Docker, also inside a continued instruction.
    if [[ "${line}" =~ ^[[:space:]]*# ]]; then continue; fi
    instruction+="${line%\\} "
    if [[ "${line}" == *\\ ]]; then continue; fi
    read -ra words <<<"${instruction}"
    instruction=''
    if [[ "${words[0]-}" =~ ^[Oo][Nn][Bb][Uu][Ii][Ll][Dd]$ ]]; then words=("${words[@]:1}"); fi
    [[ "${words[0]-}" =~ ^[Rr][Uu][Nn]$ ]] || continue
    for word in "${words[@]:1}"; do
      [[ "${word}" == --* ]] || break
      case "${word}" in
        --mount=*)
          spec=,${word#--mount=},
          type=bind
          if [[ "${spec}" =~ ,type=([^,]*), ]]; then type=${BASH_REMATCH[1]}; fi
          in_list "${RUN_MOUNT_TYPES_ALLOWED}" "${type}" || printf 'RUN %s (type %s)\n' "${word}" "${type}"
          ;;
        --network=default | --network=none | --security=sandbox) ;;
        *) printf 'RUN %s\n' "${word}" ;;
      esac
    done
  done <"${file}"
}

# --- Checks of the recorded calls ---

# Every recorded call, in order: run/create/build calls one check each, every other call must be
# a known safe command, and each stage must have been built through the recording client.
check_recorded_calls() {
  local records=() record number=0 unknown=() used=' ' built_stages=' ' stage file what
  BUILD_WINDOWS=()
  mapfile -t records < <(find "${WORK}/calls" -name '*.call' -printf '%f\n' | sort)
  check "isolation: the driver's docker calls went through the recording client (${#records[@]} recorded)" \
    test "${#records[@]}" -gt 0
  for record in "${records[@]}"; do
    number=$((number + 1))
    read_call "${WORK}/calls/${record}"
    inspect_call "${CALL_ARGS[@]}"
    if [[ "${CALL_HOST}" != "${DOCKER_HOST-}" || "${CALL_CONTEXT}" != "${DOCKER_CONTEXT-}" || "${CALL_CONFIG}" != "${DOCKER_CONFIG-}" ]]; then
      CALL_PROBLEMS+=("DOCKER_HOST/DOCKER_CONTEXT/DOCKER_CONFIG changed to '${CALL_HOST}'/'${CALL_CONTEXT}'/'${CALL_CONFIG}' (an engine this script does not watch)")
    fi
    case "${CALL_COMMAND}" in
      run | create) what='has no mount or host-access option' ;;
      build)
        what="uses the pipeline's own Dockerfile and context and no host-access option"
        file=$(call_dockerfile "${CALL_ARGS[@]}")
        if stage=$(dockerfile_stage "$(resolve_path "${file}")"); then built_stages+="${stage} "; fi
        if [[ -f "${WORK}/calls/${record%.call}.end" ]]; then
          BUILD_WINDOWS+=("${number} ${record%%-*} $(<"${WORK}/calls/${record%.call}.end")")
        fi
        ;;
      unknown:*) unknown+=("#${number} ${CALL_COMMAND#unknown: }") ;;
      *) in_list "${used}" "${CALL_COMMAND}" || used+="${CALL_COMMAND} " ;;
    esac
    if [[ "${CALL_COMMAND}" == run || "${CALL_COMMAND}" == create || "${CALL_COMMAND}" == build ]]; then
      report_call "isolation: recorded 'docker ${CALL_COMMAND}' call #${number} ${what}"
    elif [[ ${#CALL_PROBLEMS[@]} -gt 0 ]]; then
      report_call "isolation: recorded 'docker ${CALL_COMMAND}' call #${number} talks to the watched engine"
    fi
  done
  if [[ ${#unknown[@]} == 0 ]]; then
    used=${used# }
    pass "isolation: every other recorded docker call is a command that gives no host access (${used% })"
  else
    fail "isolation: every other recorded docker call is a command that gives no host access (found: $(join_by '; ' "${unknown[@]}"))"
  fi
  for stage in "${STAGES[@]}"; do
    check "isolation: stage ${stage} was built by a recorded 'docker build' of $(stage_dockerfile "${stage}")" \
      in_list "${built_stages}" "${stage}"
  done
}

# The --file of a build call, as given ('' when none).
call_dockerfile() {
  local file='' arg
  while [[ $# -gt 0 ]]; do
    arg=$1
    shift
    case "${arg}" in
      -f | --file) file=${1-}; shift || true ;;
      --file=*) file=${arg#--file=} ;;
      -f?*) file=${arg#-f} ;;
    esac
  done
  if [[ -z "${file}" ]]; then file=Dockerfile; fi
  printf '%s\n' "${file}"
}

# One check line for the current call: the problems, and the call itself in an info line, on failure.
report_call() {
  local name=$1 line
  if [[ ${#CALL_PROBLEMS[@]} == 0 ]]; then
    pass "${name}"
    return 0
  fi
  printf -v line '%q ' "${CALL_ARGS[@]}"
  log "     the call: docker ${line% }"
  fail "${name} (found: $(join_by '; ' "${CALL_PROBLEMS[@]}"))"
}

check_dockerfiles() {
  local stage file problems
  for stage in "${STAGES[@]}"; do
    while IFS= read -r file; do
      problems=$(dockerfile_problems "${file}")
      if [[ -z "${problems}" ]]; then
        pass "isolation: ${file} has no RUN option that reaches the host (--mount only of type cache)"
      else
        fail "isolation: ${file} has no RUN option that reaches the host (found: $(tr '\n' ';' <<<"${problems}" | sed 's/;$//; s/;/; /g'))"
      fi
    done < <(stage_dockerfiles "${stage}")
  done
}

join_by() {
  local separator=$1 first=$2
  shift 2
  printf '%s' "${first}" "${@/#/${separator}}"
}
