import { spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { presetProject } from './support/project';

/*
 * The decisions of the generated validation script's isolation proof, without an engine: its
 * functions are sourced from the example's generated test_ci_mode.sh (with its real pipeline data)
 * and run by bash on recorded calls, Dockerfiles and inspection records made up here. The end-to-end
 * tests (test/e2e/isolation.test.ts) run the same script against a real engine.
 */

const project = presetProject();
project.synth();
const ROOT = join(project.outdir, 'examples/desktop-app');
const SCRATCH = mkdtempSync(join(tmpdir(), 'staged-build-validation-'));
/** The generated script without its last line (main "$@"): only its data and functions. */
const FUNCTIONS = join(SCRATCH, 'functions.sh');
const generated = readFileSync(join(ROOT, 'test_ci_mode.sh'), 'utf8');
if (!generated.endsWith('\nmain "$@"\n')) throw new Error('test_ci_mode.sh no longer ends with main "$@"');
writeFileSync(FUNCTIONS, generated.slice(0, -'main "$@"\n'.length));
afterAll(() => rmSync(SCRATCH, { recursive: true, force: true }));

/** Runs bash code with the script's functions loaded, in the example's root; returns stdout lines. */
function bash(code: string, args: string[] = []): string[] {
  const result = spawnSync('bash', ['-c', `source "${FUNCTIONS}"\n${code}`, 'bash', ...args], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`bash exited ${result.status}: ${result.stderr}`);
  return result.stdout.split('\n').filter((l) => l !== '');
}

/** What inspect_call makes of one recorded call: its command, then its problems. */
function inspectCall(args: string[]): { command: string; problems: string[] } {
  const [command, ...problems] = bash('CALL_CWD=$PWD; inspect_call "$@"; printf "%s\\n" "${CALL_COMMAND}" "${CALL_PROBLEMS[@]}"', args);
  return { command, problems };
}

const IMAGE = 'local/desktop-app:package_ci';

describe('recorded docker run/create calls', () => {
  test("the driver's own package container passes", () => {
    expect(inspectCall(['create', '--name', 'desktop-app_package_1', '--label', 'a=b', '--label', 'c=d',
      '--env', 'BUILD_RUN_ID=1', IMAGE, 'bash', 'package/linux/package.sh'])).toEqual({ command: 'create', problems: [] });
    expect(inspectCall(['container', 'run', '--rm', '-it', '-e', 'X=1', '--network', 'bridge', '--user=1000:1000', IMAGE, 'true']))
      .toEqual({ command: 'run', problems: [] });
  });

  // Every spelling of a mount, a host path, a device, a privilege or a host namespace.
  test.each([
    [['run', '-v', '/srv:/app', IMAGE], '-v /srv:/app'],
    [['run', '-v/srv:/app', IMAGE], '-v /srv:/app'],
    [['run', '-itv', '/srv:/app', IMAGE], '-v /srv:/app'],
    [['run', '--rm', '--volume', '/srv:/app', IMAGE], '--volume /srv:/app'],
    [['run', '--volume=/srv:/app', IMAGE], '--volume /srv:/app'],
    [['create', '--volume', 'named:/cache', IMAGE], '--volume named:/cache'],
    [['create', '--mount', 'type=bind,source=/srv,target=/app', IMAGE], '--mount type=bind,source=/srv,target=/app'],
    [['create', '--mount=type=volume,target=/app', IMAGE], '--mount type=volume,target=/app'],
    [['run', '--tmpfs', '/tmp', IMAGE], '--tmpfs /tmp'],
    [['run', '--tmpfs=/tmp', IMAGE], '--tmpfs /tmp'],
    [['run', '--volumes-from', 'other', IMAGE], '--volumes-from other'],
    [['run', '--volume-driver', 'local', IMAGE], '--volume-driver local'],
    [['run', '--privileged', IMAGE], '--privileged'],
    [['run', '--privileged=false', IMAGE], '--privileged false'],
    [['run', '--device', '/dev/fuse', IMAGE], '--device /dev/fuse'],
    [['run', '--device-cgroup-rule', 'c 1:3 mr', IMAGE], '--device-cgroup-rule c 1:3 mr'],
    [['run', '--gpus', 'all', IMAGE], '--gpus all'],
    [['run', '--cap-add', 'SYS_ADMIN', IMAGE], '--cap-add SYS_ADMIN'],
    [['run', '--security-opt', 'apparmor=unconfined', IMAGE], '--security-opt apparmor=unconfined'],
    [['run', '--env-file', '.env', IMAGE], '--env-file .env'],
    [['run', '--runtime', 'nvidia', IMAGE], '--runtime nvidia'],
    [['run', '--use-api-socket', IMAGE], '--use-api-socket'],
    [['run', '--network', 'host', IMAGE], '--network host'],
    [['run', '--network=host', IMAGE], '--network host'],
    [['run', '--net=host', IMAGE], '--net host'],
    [['run', '--pid', 'host', IMAGE], '--pid host'],
    [['run', '--ipc=host', IMAGE], '--ipc host'],
    [['run', '--uts', 'host', IMAGE], '--uts host'],
    [['run', '--userns=host', IMAGE], '--userns host'],
    [['run', '--cgroupns', 'host', IMAGE], '--cgroupns host'],
    [['run', '--frobnicate', 'x', IMAGE], '--frobnicate (an option not known to be safe)'],
    [['run', '-Z', IMAGE], '-Z (an option not known to be safe)'],
  ])('%j fails: %s', (args, problem) => {
    expect(inspectCall(args as string[])).toEqual({ command: (args as string[])[0], problems: [problem] });
  });

  test('the command and its arguments after the image are not options', () => {
    expect(inspectCall(['run', '--rm', IMAGE, 'bash', '-v', '--privileged'])).toEqual({ command: 'run', problems: [] });
    expect(inspectCall(['run', '-e', '-v', IMAGE])).toEqual({ command: 'run', problems: [] }); // -v is -e's value
  });

  test('every problem of a call is named', () => {
    expect(inspectCall(['container', 'create', '-v', '/a:/a', '--tmpfs', '/t', '--privileged', IMAGE]).problems)
      .toEqual(['-v /a:/a', '--tmpfs /t', '--privileged']);
  });
});

describe('recorded calls: the command, and the engine it talks to', () => {
  test.each([
    [['info'], 'info'], [['buildx', 'version'], 'version'], [['image', 'inspect', 'x'], 'inspect'],
    [['container', 'ls', '-a'], 'ps'], [['image', 'rm', 'x'], 'rmi'], [['start', '--attach', 'c'], 'start'],
    [['cp', 'c:/app/dist/.', 'dist/'], 'cp'], [['--log-level', 'debug', 'ps'], 'ps'], [['-D', 'rm', '-f', 'c'], 'rm'],
  ])('%j is the safe command %s', (args, command) => {
    expect(inspectCall(args)).toEqual({ command, problems: [] });
  });

  test.each([
    [['compose', 'up'], 'unknown: compose'], [['volume', 'create', 'v'], 'unknown: volume'],
    [['exec', 'c', 'sh'], 'unknown: exec'], [['container', 'update', 'c'], 'unknown: container update'],
    [['system', 'prune', '-af'], 'unknown: system prune'], [[], 'unknown: (none)'],
  ])('%j is not known to be safe', (args, command) => {
    expect(inspectCall(args).command).toBe(command);
  });

  test.each([
    [['-H', 'tcp://elsewhere:2375', 'ps']], [['--host=unix:///other.sock', 'ps']], [['--context', 'other', 'ps']], [['--config', '/tmp/c', 'ps']],
  ])('%j talks to an engine that is not watched', (args) => {
    expect(inspectCall(args).problems).toEqual([`global option ${args[0]} (another engine, or not known to be safe)`]);
  });
});

describe('recorded docker build calls', () => {
  const ok = ['--file', 'package/linux/Dockerfile.base', '--tag', 'local/desktop-app:base_ci', '--label', 'x=y',
    '--force-rm', '--build-arg', 'HOST_UID=1000', '--progress=plain'];

  test("the driver's builds pass, with any spelling of the command", () => {
    for (const command of [['build'], ['image', 'build'], ['builder', 'build'], ['buildx', 'build']]) {
      expect(inspectCall([...command, ...ok, '.'])).toEqual({ command: 'build', problems: [] });
    }
    expect(inspectCall(['build', '-fpackage/linux/Dockerfile.runtime', '--network=none', '--cache-from', 'registry/x:y', ROOT]).problems).toEqual([]);
  });

  test.each([
    [['--secret', 'id=x,src=/etc/shadow'], '--secret id=x,src=/etc/shadow'],
    [['--ssh', 'default'], '--ssh default'],
    [['--build-context', 'extra=/home'], '--build-context extra=/home'],
    [['--allow', 'network.host'], '--allow network.host'],
    [['--security-opt', 'seccomp=unconfined'], '--security-opt seccomp=unconfined'],
    [['--add-host', 'h:1.2.3.4'], '--add-host h:1.2.3.4'],
    [['--network', 'host'], '--network host'],
    [['--network=host'], '--network host'],
    [['--cache-from', 'type=local,src=/srv/cache'], '--cache-from type=local,src=/srv/cache (a host directory)'],
    [['--frobnicate'], '--frobnicate (an option not known to be safe)'],
  ])('%j fails: %s', (extra, problem) => {
    expect(inspectCall(['build', ...ok, ...extra, '.']).problems).toEqual([problem]);
  });

  test.each([
    [['build', '--file', 'other/Dockerfile', '.'], '--file other/Dockerfile (not a Dockerfile of this pipeline)'],
    [['build', '.'], '--file ./Dockerfile (not a Dockerfile of this pipeline)'],
    [['build', '--file', '-', '.'], '--file - (not a Dockerfile of this pipeline)'],
    [['build', '--file', 'package/linux/Dockerfile.base', '-'], 'build context - (not the pipeline root)'],
    [['build', '--file', 'package/linux/Dockerfile.base', 'https://example.com/repo.git'], 'build context https://example.com/repo.git (not the pipeline root)'],
    [['build', '--file', 'package/linux/Dockerfile.base', '.', 'src'], 'build context: expected one, got 2 (. src)'],
  ])('%j fails: %s', (args, problem) => {
    expect(inspectCall(args).problems).toEqual([problem]);
  });

  test('a context other than the pipeline root fails (a relative --file is read from the working directory, as docker does)', () => {
    expect(inspectCall(['build', '--file', 'package/linux/Dockerfile.base', '/']).problems)
      .toEqual([`build context / (not the pipeline root ${ROOT})`]);
    expect(inspectCall(['build', '--file', 'package/linux/Dockerfile.base', 'src/..']).problems).toEqual([]);
  });
});

describe('RUN options in the Dockerfiles', () => {
  let counter = 0;
  function problems(text: string): string[] {
    const file = join(SCRATCH, `Dockerfile.${++counter}`);
    writeFileSync(file, text);
    return bash('dockerfile_problems "$1"', [file]);
  }

  test("both pipelines' generated Dockerfiles pass", () => {
    const files = ['examples/desktop-app/package/linux/Dockerfile.base', 'examples/desktop-app/package/linux/Dockerfile.runtime',
      'examples/desktop-app/package/linux/Dockerfile.package', 'package/linux/Dockerfile.base', 'package/linux/Dockerfile.runtime',
      'package/linux/Dockerfile.package'];
    for (const file of files) expect(bash('dockerfile_problems "$1"', [join(project.outdir, file)])).toEqual([]);
  });

  test('cache mounts pass (engine-managed, never a host path); a mount-like word inside the command is not an option', () => {
    expect(problems('FROM x\nRUN --mount=type=cache,target=/root/.cache,uid=1000 pip install .\nRUN echo --mount=type=bind\n# RUN --mount=type=bind,target=/x\n')).toEqual([]);
  });

  test.each([
    ['RUN --mount=type=bind,source=/,target=/host ls', 'RUN --mount=type=bind,source=/,target=/host (type bind)'],
    ['RUN --mount=target=/context ls', 'RUN --mount=target=/context (type bind)'],
    ['RUN --mount=type=secret,id=token cat /run/secrets/token', 'RUN --mount=type=secret,id=token (type secret)'],
    ['RUN --mount=type=ssh git clone x', 'RUN --mount=type=ssh (type ssh)'],
    ['RUN --mount=type=tmpfs,target=/t ls', 'RUN --mount=type=tmpfs,target=/t (type tmpfs)'],
    ['run --network=host curl x', 'RUN --network=host'],
    ['RUN --security=insecure ls', 'RUN --security=insecure'],
    ['RUN \\\n  --mount=type=bind,target=/x \\\n  ls', 'RUN --mount=type=bind,target=/x (type bind)'],
    ['ONBUILD RUN --mount=type=bind,target=/x ls', 'RUN --mount=type=bind,target=/x (type bind)'],
  ])('%j fails', (line, problem) => {
    expect(problems(`FROM x\n${line}\n`)).toEqual([problem]);
  });

  test('an escape directive fails: the RUN lines could not be read the way Docker reads them', () => {
    expect(problems('# escape=`\nFROM x\nRUN ls\n')).toEqual(['an escape parser directive (its RUN lines cannot be checked here)']);
  });
});

describe('the verdict on each container seen in the events', () => {
  const CLEAN = ['mounts=[]', 'binds=null', 'host-mounts=null', 'tmpfs=null', 'volumes-from=null', 'privileged=false', 'devices=[]',
    'device-requests=null', 'cap-add=null', 'security-opt=null', 'network=default', 'pid=', 'ipc=private', 'uts=', 'userns='];
  const BUILDER_IMAGE = `sha256:${'a'.repeat(64)}`;
  const BUILD_START = 1_000_000_000_000_000_000;
  const BUILD_END = BUILD_START + 60_000_000_000;

  /** The verdict on container ID, with the watch directory made of the given records. */
  function verdict(options: { inspected?: string[]; started?: boolean; volumeMount?: boolean; image?: string; createdAt?: number }): string {
    const dir = mkdtempSync(join(SCRATCH, 'watch-'));
    mkdirSync(join(dir, 'inspected'));
    if (options.inspected) writeFileSync(join(dir, 'inspected', 'c1'), `${options.inspected.join('\n')}\n`);
    writeFileSync(join(dir, 'started'), options.started ? 'c1\n' : '');
    writeFileSync(join(dir, 'volume-mounts'), options.volumeMount ? 'c1 somevolume\n' : '');
    const createdAt = options.createdAt ?? BUILD_START + 1_000_000_000;
    return bash(`WATCH_DIR=$1; CLOCK_SKEW_NS=0; BUILD_WINDOWS=("4 ${BUILD_START} ${BUILD_END}"); container_verdict c1 $2 name $3`,
      [dir, String(createdAt), options.image ?? IMAGE]).join('\n');
  }

  test('an inspected container passes only without any host access', () => {
    expect(verdict({ inspected: CLEAN, started: true })).toBe('pass');
    const cases: Array<[string, string]> = [
      ['mounts=[{"Type":"bind","Source":"/srv"}]', 'mounts [{"Type":"bind","Source":"/srv"}]'],
      ['binds=["/srv:/app"]', 'binds ["/srv:/app"]'],
      ['tmpfs={"/t":""}', 'tmpfs {"/t":""}'],
      ['volumes-from=["other"]', 'volumes-from ["other"]'],
      ['privileged=true', 'privileged true'],
      ['devices=[{"PathOnHost":"/dev/fuse"}]', 'devices [{"PathOnHost":"/dev/fuse"}]'],
      ['cap-add=["SYS_ADMIN"]', 'cap-add ["SYS_ADMIN"]'],
      ['network=host', 'network host'],
      ['pid=host', 'pid host'],
      ['userns=host', 'userns host'],
    ];
    for (const [line, found] of cases) {
      const key = line.split('=')[0];
      expect(verdict({ inspected: [...CLEAN.filter((l) => !l.startsWith(`${key}=`)), line], started: true })).toBe(`fail found: ${found}`);
    }
  });

  test('a container gone before inspection passes only when it never started or was a step of a recorded build', () => {
    expect(verdict({ started: false })).toBe('pass never started; removed before it could be inspected');
    expect(verdict({ started: true, image: BUILDER_IMAGE }))
      .toBe('pass a legacy-builder step container of recorded build call #4, removed before it could be inspected');
    // Fail closed: outside any recorded build, or not made from an image ID, or with a volume mounted.
    expect(verdict({ started: true, image: BUILDER_IMAGE, createdAt: BUILD_END + 5_000_000_000 })).toMatch(/^fail started and removed before it could be inspected/);
    expect(verdict({ started: true, image: IMAGE })).toMatch(/^fail started and removed before it could be inspected, outside any recorded build: cannot be proved$/);
    expect(verdict({ started: false, volumeMount: true })).toBe('fail found: volume somevolume mounted, and the container was gone before it could be inspected');
  });
});

describe('the event listener', () => {
  /** A docker client stand-in: inspecting "gone" fails (the container was removed); any other ID has a bind mount if it starts with "mounted". */
  const STUB = join(SCRATCH, 'docker-stub');
  writeFileSync(STUB, [
    '#!/usr/bin/env bash',
    'id=${*: -1}',
    '[[ "$1 $2" == "container inspect" && "${id}" != gone ]] || exit 1',
    'if [[ "${id}" == mounted* ]]; then echo \'mounts=[{"Type":"bind"}]\'; else echo \'mounts=[]\'; fi',
    '',
  ].join('\n'), { mode: 0o755 });

  test('records what it sees, inspects each container once, and counts a container the run only started or exec\'d into', () => {
    const dir = mkdtempSync(join(SCRATCH, 'listen-'));
    const events = [
      'container|create|c1|100|one|local/x:1|',
      'container|start|c1|101|one|local/x:1|',
      'container|create|gone|102|two|sha256:abc|',
      'container|start|mounted-old|103|old|local/x:1|', // made before the run, started during it
      'container|exec_create: bash -c ls|mounted-other|104|other|local/x:1|',
      'container|exec_create: ls|c1|105|one|local/x:1|',
      'volume|mount|v1|106|||mounted-old',
      'volume|create|desktop-app-validation-r-start|107|||',
    ].join('\n');
    const lines = bash(`DOCKER=$1; WATCH_DIR=$2; mkdir -p "$2/inspected"; : >"$2/created"; : >"$2/started"; : >"$2/volume-mounts"; : >"$2/volumes"
      record_events <<<"$3"
      cd "$2" && for f in created started volume-mounts volumes; do sed "s/^/$f: /" "$f"; done; ls inspected | sed 's/^/inspected: /'`,
    [STUB, dir, events]);
    expect(lines).toEqual([
      'created: c1 100 one local/x:1',
      'created: gone 102 two sha256:abc',
      'created: mounted-old 103 old local/x:1',
      'created: mounted-other 104 other local/x:1',
      'started: c1',
      'started: mounted-old',
      'volume-mounts: mounted-old v1',
      'volumes: desktop-app-validation-r-start',
      'inspected: c1',
      'inspected: mounted-old',
      'inspected: mounted-other',
    ]);
    expect(readFileSync(join(dir, 'inspected', 'mounted-other'), 'utf8')).toBe('mounts=[{"Type":"bind"}]\n');
  });
});

describe('the checks fail closed', () => {
  /** PASS/FAIL lines printed by bash code run with the script's functions, and a temporary WORK folder. */
  function checks(code: string, args: string[] = []): string[] {
    const work = mkdtempSync(join(SCRATCH, 'work-'));
    return bash(`WORK=$1; shift; RUN_ID=r1; PASSED=0; FAILED=0; OWN_VOLUMES=(); LABEL_PROBE=x.validation-probe\n${code}`, [work, ...args])
      .map((l) => /^\S+ ((PASS|FAIL) .*)$/.exec(l)?.[1]).filter((l): l is string => l !== undefined);
  }

  test('recorded calls: written by the real recording client, read back, each judged; no call at all fails', () => {
    const lines = checks(`write_recording_client "$(command -v true)" "$WORK"
      PATH="$WORK/bin:$PATH"
      docker info
      docker build --file package/linux/Dockerfile.base --tag b --force-rm .
      docker build --file package/linux/Dockerfile.runtime --tag r .
      docker create --name 'a name' --env 'X=line one
line two' local/x:1
      docker run --rm -v "$PWD:/app" local/x:1
      docker volume create v
      check_recorded_calls`);
    expect(lines).toEqual([
      "PASS isolation: the driver's docker calls went through the recording client (6 recorded)",
      "PASS isolation: recorded 'docker build' call #2 uses the pipeline's own Dockerfile and context and no host-access option",
      "PASS isolation: recorded 'docker build' call #3 uses the pipeline's own Dockerfile and context and no host-access option",
      "PASS isolation: recorded 'docker create' call #4 has no mount or host-access option",
      `FAIL isolation: recorded 'docker run' call #5 has no mount or host-access option (found: -v ${ROOT}:/app)`,
      'FAIL isolation: every other recorded docker call is a command that gives no host access (found: #6 volume)',
      "PASS isolation: stage base was built by a recorded 'docker build' of package/linux/Dockerfile.base",
      "PASS isolation: stage runtime was built by a recorded 'docker build' of package/linux/Dockerfile.runtime",
      "FAIL isolation: stage package was built by a recorded 'docker build' of package/linux/Dockerfile.package",
    ]);
    expect(checks('write_recording_client "$(command -v true)" "$WORK"; check_recorded_calls')).toEqual(expect.arrayContaining([
      "FAIL isolation: the driver's docker calls went through the recording client (0 recorded)",
      "FAIL isolation: stage base was built by a recorded 'docker build' of package/linux/Dockerfile.base",
    ]));
  });

  test('a broken event stream fails the watch check, and a container only the replay shows fails the replay check', () => {
    // A docker stand-in whose event stream dies at once; its replay (--until) shows one container.
    const stub = join(SCRATCH, 'docker-no-events');
    writeFileSync(stub, [
      '#!/usr/bin/env bash',
      'case "$1" in',
      '  info) echo 2026-01-01T00:00:00.000000000Z ;;',
      '  volume) [[ "$2" != create ]] || echo "${*: -1}" ;;',
      '  events) if [[ " $* " == *" --until "* ]]; then echo "container|create|c9|1|late|local/x:1|"; else echo "no events here" >&2; exit 1; fi ;;',
      '  *) exit 1 ;;',
      'esac',
      '',
    ].join('\n'), { mode: 0o755 });
    const lines = checks('DOCKER=$1; start_watch; stop_watch', [stub]);
    expect(lines).toEqual([
      "FAIL isolation: the engine's container events were watched from before the driver started until after it ended (the listener missed the script's own marker volume; see the line above)",
      "FAIL isolation: the engine's replay of the run's events holds no container the listener missed (missed 1)",
    ]);
  });
});
