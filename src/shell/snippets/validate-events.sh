#!/usr/bin/env bash
# Every container the CI-mode run creates, from the engine's event stream: a listener started
# before the driver inspects each container as soon as it is created (a --rm container too), and
# the checks of what was seen. Also the package step's marker, which must stay inside.
# Part of every generated validation script (assembled by src/shell/validation-script.ts, after the
# pipeline model as bash data). Only functions and tables; sourced alone by the tests.
# shellcheck disable=SC2034,SC2154
set -euo pipefail
# --- Validation: containers of the run ---

# What the watch reads differs by engine (ENGINE, from engine_of); set once by use_engine_formats:
#   EVENT_FORMAT              one event per line, fields separated by '|' (no name, image or ID
#                             holds one; empty fields stay): type|action|ID|time (ns)|name|image|container
#   EVENT_ACTIONS             the actions watched (Docker's exec_create is Podman's exec)
#   CONTAINER_INSPECT_FORMAT  one KEY=VALUE per line; see inspection_problems
use_engine_formats() {
  local host_mounts device_requests
  case "$1" in
    docker)
      EVENT_FORMAT='{{.Type}}|{{.Action}}|{{.Actor.ID}}|{{.TimeNano}}|{{index .Actor.Attributes "name"}}|{{index .Actor.Attributes "image"}}|{{index .Actor.Attributes "container"}}'
      EVENT_ACTIONS=(create start exec_create mount)
      host_mounts='{{json .HostConfig.Mounts}}'
      device_requests='{{json .HostConfig.DeviceRequests}}'
      ;;
    podman)
      # A volume's name is its ID; Podman has no volume mount event (a container's volumes are in
      # its .Mounts), and no HostConfig.Mounts or DeviceRequests (its .Mounts lists --mount ones too).
      EVENT_FORMAT='{{.Type}}|{{.Status}}|{{if eq .Type "volume"}}{{.Name}}{{else}}{{.ID}}{{end}}|{{.Time.UnixNano}}|{{.Name}}|{{.Image}}|'
      EVENT_ACTIONS=(create start exec)
      host_mounts=null
      device_requests=null
      ;;
  esac
  CONTAINER_INSPECT_FORMAT="mounts={{json .Mounts}}
binds={{json .HostConfig.Binds}}
host-mounts=${host_mounts}
tmpfs={{json .HostConfig.Tmpfs}}
volumes-from={{json .HostConfig.VolumesFrom}}
privileged={{.HostConfig.Privileged}}
devices={{json .HostConfig.Devices}}
device-requests=${device_requests}
cap-add={{json .HostConfig.CapAdd}}
security-opt={{json .HostConfig.SecurityOpt}}
network={{.HostConfig.NetworkMode}}
pid={{.HostConfig.PidMode}}
ipc={{.HostConfig.IpcMode}}
uts={{.HostConfig.UTSMode}}
userns={{.HostConfig.UsernsMode}}"
}

# Docker's, until main has asked the client (engine_of).
ENGINE=docker
use_engine_formats docker

# The --filter event=... options of the watched actions.
event_filters() {
  local action
  for action in "${EVENT_ACTIONS[@]}"; do printf -- '--filter\nevent=%s\n' "${action}"; done
}

# How long to wait for the listener to see the script's own marker volumes.
readonly WATCH_TIMEOUT_SECONDS=30

# The engine's clock (events are timed by it): RFC 3339 text, and nanoseconds since the epoch.
# Podman has no daemon: its events are timed by this host's clock.
engine_time() {
  if [[ "${ENGINE}" == podman ]]; then
    date -u +%Y-%m-%dT%H:%M:%S.%NZ
  else
    "${DOCKER}" info --format '{{.SystemTime}}'
  fi
}

to_nanoseconds() {
  date -d "$1" +%s%N
}

# Starts the listener: `docker events` (since WATCH_START, the engine's time now) into a FIFO, read
# by record_events in the background. Then waits until it has seen the script's first marker volume.
start_watch() {
  WATCH_DIR=${WORK}/watch
  mkdir -p "${WATCH_DIR}/inspected"
  : >"${WATCH_DIR}/created"
  : >"${WATCH_DIR}/started"
  : >"${WATCH_DIR}/volume-mounts"
  : >"${WATCH_DIR}/volumes"
  local engine_ns
  WATCH_START=$(engine_time) || die "cannot read the engine's time with '${DOCKER} info'; check that the engine still runs"
  # Host clock minus engine clock, to place the recording client's call times on the events' clock.
  CLOCK_SKEW_NS=0
  if engine_ns=$(to_nanoseconds "${WATCH_START}"); then CLOCK_SKEW_NS=$(($(date +%s%N) - engine_ns)); fi
  mkfifo "${WATCH_DIR}/stream"
  local filters=()
  mapfile -t filters < <(event_filters)
  "${DOCKER}" events --since "${WATCH_START}" --filter type=container --filter type=volume "${filters[@]}" \
    --format "${EVENT_FORMAT}" >"${WATCH_DIR}/stream" 2>"${WATCH_DIR}/events.err" &
  EVENTS_PID=$!
  record_events <"${WATCH_DIR}/stream" &
  LISTENER_PID=$!
  log "Watching the engine's container events since ${WATCH_START} (listener PIDs ${EVENTS_PID}, ${LISTENER_PID}; files in ${WORK})"
  WATCHED_FROM_START=0
  if mark_watch start; then WATCHED_FROM_START=1; fi
}

# The listener: one line per container created or started and per volume created or mounted; each
# created container is inspected at once, before a --rm container can go. A container made before
# the run but started or exec'd into during it is used by the run too: it is inspected and counted.
record_events() {
  local type action id at name image container
  while IFS='|' read -r type action id at name image container; do
    case "${type}/${action}" in
      container/create) count_container "${id}" "${at}" "${name}" "${image}" ;;
      container/start)
        printf '%s\n' "${id}" >>"${WATCH_DIR}/started"
        count_container "${id}" "${at}" "${name}" "${image}"
        ;;
      container/exec_create* | container/exec) count_container "${id}" "${at}" "${name}" "${image}" ;;
      volume/mount) printf '%s %s\n' "${container}" "${id}" >>"${WATCH_DIR}/volume-mounts" ;;
      volume/create) printf '%s\n' "${id}" >>"${WATCH_DIR}/volumes" ;;
    esac
  done
}

# count_container ID TIME NAME IMAGE: adds a container to the run's (once) and inspects it.
count_container() {
  if grep -q "^$1 " "${WATCH_DIR}/created"; then return 0; fi
  printf '%s %s %s %s\n' "$1" "$2" "${3:-?}" "${4:-?}" >>"${WATCH_DIR}/created"
  inspect_into "$1"
}

inspect_into() {
  local file=${WATCH_DIR}/inspected/$1
  if "${DOCKER}" container inspect --format "${CONTAINER_INSPECT_FORMAT}" "$1" >"${file}.part" 2>/dev/null; then
    mv "${file}.part" "${file}"
  else
    rm -f "${file}.part"
  fi
}

# mark_watch WHEN: creates (and removes) a volume of the script's own and waits until the listener
# has seen it. The stream is ordered, so after the "end" mark every earlier event has been read.
mark_watch() {
  local volume="${PIPELINE}-validation-${RUN_ID}-$1" waited=0
  OWN_VOLUMES+=("${volume}")
  "${DOCKER}" volume create --label "${LABEL_PROBE}=${RUN_ID}" "${volume}" >/dev/null 2>&1 || return 1
  until grep -qxF "${volume}" "${WATCH_DIR}/volumes"; do
    if [[ "${waited}" -ge $((WATCH_TIMEOUT_SECONDS * 10)) ]] || ! kill -0 "${LISTENER_PID}" 2>/dev/null; then
      log "     the event listener did not see volume ${volume} within ${WATCH_TIMEOUT_SECONDS}s: $(head -c 300 "${WATCH_DIR}/events.err" 2>/dev/null)"
      # Podman's events log is a file it rotates at events_logfile_max_size (default 1m); a follower loses the events of a rotation.
      if [[ "${ENGINE}" == podman ]]; then log "     (Podman: a rotation of its events log during the run loses events; raise [engine] events_logfile_max_size in containers.conf, as scripts/podman-engine.sh of staged-build does)"; fi
      return 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  "${DOCKER}" volume rm "${volume}" >/dev/null 2>&1 || true
}

# After the driver: the end mark, the engine's time, then the listener stops at the end of its input.
stop_watch() {
  local watched_to_end=0
  if mark_watch end; then watched_to_end=1; fi
  WATCH_END=$(engine_time) || die "cannot read the engine's time with '${DOCKER} info'; check that the engine still runs"
  stop_listener
  if [[ "${WATCHED_FROM_START}" == 1 && "${watched_to_end}" == 1 ]]; then
    pass "isolation: the engine's container events were watched from before the driver started until after it ended"
  else
    fail "isolation: the engine's container events were watched from before the driver started until after it ended (the listener missed the script's own marker volume; see the line above)"
  fi
  replay_events
}

stop_listener() {
  if [[ -n "${EVENTS_PID:-}" ]]; then kill "${EVENTS_PID}" 2>/dev/null || true; fi
  if [[ -n "${LISTENER_PID:-}" ]]; then wait "${LISTENER_PID}" 2>/dev/null || true; fi
  if [[ -n "${EVENTS_PID:-}" ]]; then wait "${EVENTS_PID}" 2>/dev/null || true; fi
  EVENTS_PID=''
  LISTENER_PID=''
}

# The engine's own record of the run window, read again: a container the listener did not see
# is inspected now if it still exists. (The engine keeps only its last 256 events, so for a long
# run this covers the end only; the live listener is the main record.)
replay_events() {
  local type action id at name image container missed=0 end_ns filters=() window=()
  end_ns=$(to_nanoseconds "${WATCH_END}") || end_ns=''
  mapfile -t filters < <(event_filters)
  # Podman 4.3 returns nothing for an --until in the past: it reads to the end, and the times decide.
  if [[ "${ENGINE}" == podman ]]; then window=(--stream=false); else window=(--until "${WATCH_END}"); fi
  while IFS='|' read -r type action id at name image container; do
    if [[ -n "${end_ns}" && "${at}" =~ ^[0-9]+$ ]] && ((at > end_ns)); then continue; fi
    case "${type}/${action}" in
      container/start) grep -qxF "${id}" "${WATCH_DIR}/started" || printf '%s\n' "${id}" >>"${WATCH_DIR}/started" ;;
    esac
    case "${type}/${action}" in
      container/create | container/start | container/exec_create* | container/exec)
        if ! grep -q "^${id} " "${WATCH_DIR}/created"; then
          missed=$((missed + 1))
          count_container "${id}" "${at}" "${name}" "${image}"
        fi
        ;;
    esac
  done < <("${DOCKER}" events --since "${WATCH_START}" "${window[@]}" --filter type=container \
    "${filters[@]}" --format "${EVENT_FORMAT}" 2>/dev/null || true)
  check "isolation: the engine's replay of the run's events holds no container the listener missed (missed ${missed})" \
    test "${missed}" == 0
}

# --- Checks of the containers seen ---

# inspection_problems FILE: what in an inspected container reaches the host, one per line.
inspection_problems() {
  local line key value
  while IFS= read -r line; do
    key=${line%%=*}
    value=${line#*=}
    case "${key}" in
      mounts | binds | host-mounts | volumes-from | devices | device-requests | cap-add | security-opt)
        [[ "${value}" == null || "${value}" == '[]' ]] || printf '%s %s\n' "${key}" "${value}" ;;
      tmpfs) [[ "${value}" == null || "${value}" == '{}' ]] || printf '%s %s\n' "${key}" "${value}" ;;
      privileged) [[ "${value}" == false ]] || printf 'privileged %s\n' "${value}" ;;
      network | pid | ipc | uts | userns) [[ "${value}" != host ]] || printf '%s host\n' "${key}" ;;
      *) printf 'unexpected inspection line: %s\n' "${line}" ;;
    esac
  done <"$1"
}

# container_verdict ID TIME NAME IMAGE: "pass DETAIL" or "fail DETAIL" for one container seen.
# Inspected: its configuration decides. Gone before inspection: a container that never started
# ran nothing; one the legacy builder made during a recorded build cannot have a mount (that
# builder has no mount option); any other container cannot be proved, so it fails.
container_verdict() {
  local id=$1 created_at=$2 image=$4 problems build
  if [[ -f "${WATCH_DIR}/inspected/${id}" ]]; then
    problems=$(inspection_problems "${WATCH_DIR}/inspected/${id}")
    if [[ -z "${problems}" ]]; then printf 'pass\n'; else printf 'fail found: %s\n' "$(tr '\n' ';' <<<"${problems}" | sed 's/;$//; s/;/; /g')"; fi
  elif grep -q "^${id} " "${WATCH_DIR}/volume-mounts"; then
    printf 'fail found: volume %s mounted, and the container was gone before it could be inspected\n' "$(grep "^${id} " "${WATCH_DIR}/volume-mounts" | cut -d' ' -f2 | paste -sd, -)"
  elif ! grep -qxF "${id}" "${WATCH_DIR}/started"; then
    printf 'pass never started; removed before it could be inspected\n'
  elif [[ "${image}" =~ ^sha256:[0-9a-f]{64}$ ]] && build=$(build_call_at "${created_at}"); then
    printf 'pass a legacy-builder step container of recorded build call #%s, removed before it could be inspected\n' "${build}"
  else
    printf 'fail started and removed before it could be inspected, outside any recorded build: cannot be proved\n'
  fi
}

# build_call_at TIME: the number of the recorded build call running at TIME (engine clock, ns).
build_call_at() {
  local host_time=$(($1 + CLOCK_SKEW_NS)) window number start end margin=1000000000
  for window in "${BUILD_WINDOWS[@]}"; do
    read -r number start end <<<"${window}"
    if ((host_time >= start - margin && host_time <= end + margin)); then
      printf '%s\n' "${number}"
      return 0
    fi
  done
  return 1
}

check_run_containers() {
  local id created_at name image verdict count=0 label
  while read -r id created_at name image; do
    count=$((count + 1))
    label="isolation: container ${name} (image $(short_image "${image}")) has no mount or host access"
    verdict=$(container_verdict "${id}" "${created_at}" "${name}" "${image}")
    case "${verdict}" in
      pass) pass "${label}" ;;
      pass\ *) pass "${label} (${verdict#pass })" ;;
      fail\ *) fail "${label} (${verdict#fail })" ;;
    esac
  done <"${WATCH_DIR}/created"
  log "     ${count} container(s) were created, started or exec'd into on the engine during the run; each is counted as the run's"
}

short_image() {
  if [[ "$1" =~ ^sha256:[0-9a-f]{64}$ ]]; then printf '%s\n' "${1:0:19}"; else printf '%s\n' "$1"; fi
}

# The package script writes RUN_MARKER_PREFIX<run ID> when the driver gives it BUILD_RUN_ID: it
# must be inside a container of the run (the step ran there) and not on the host (nothing shared).
check_marker() {
  local marker=${RUN_MARKER_PREFIX}${RUN_ID} workdir id created_at name image found=''
  check "isolation: the package step's marker ./${marker} is not on the host" test ! -e "${marker}"
  workdir=$(stage_workdir "${PACKAGE_STAGE}")
  while read -r id created_at name image; do
    if "${DOCKER}" cp "${id}:${workdir%/}/${marker}" - >/dev/null 2>&1; then
      found=${name}
      break
    fi
  done < <(tac "${WATCH_DIR}/created") # the package container is among the last
  if [[ -n "${found}" ]]; then
    pass "isolation: the package step's marker is inside a container of this run (${found}:${workdir%/}/${marker})"
  else
    fail "isolation: the package step's marker is inside a container of this run (no container of the run holds ${workdir%/}/${marker}: the package step did not run in a kept container of this run with BUILD_RUN_ID)"
  fi
}
