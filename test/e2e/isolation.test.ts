import { spawn } from 'child_process';
import { appendFileSync, chmodSync, existsSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import {
  BUILDKIT_DOCKER, cleanUp, containersWithLabel, copyExample, describeRun, describeWithEngine, docker, dockerOk,
  E2E_LABEL, E2E_OWNER, expectFailure, LABEL_RUN_ID, realClientPath, removeContainers,
  requireBaseImage, Run, runScript, scriptEnv, tail,
} from '../support/docker';

/*
 * End-to-end tests of the isolation proof of the generated test_ci_mode.sh: the validation script
 * of a temporary copy of examples/desktop-app runs for real against the example's driver, unbroken
 * (it must pass, with either builder) and broken on purpose in the CI-mode package step (each must
 * fail, and the test names the failing checks, not only the exit status).
 *
 * The breakages are made by editing the copy's generated driver or Dockerfile the way a regression
 * would: options added to the package container's `docker create`, or the step replaced by
 * `docker run --rm` with the repository mounted (what the original AiRunner build did).
 *
 * Run under the shared lock: flock /tmp/staged-build-e2e.lock npx jest --ci --runInBand test/e2e/isolation.test.ts
 */

jest.setTimeout(300_000);

const VALIDATION = 'test_ci_mode.sh';
const DRIVER = 'bin/docker.sh';
const RESULTS_LOG = 'ci_mode_test_results.log';
const OWN = `${E2E_LABEL}=${E2E_OWNER}`;
/** A named volume of the tests' own, for the broken driver that mounts one. */
const VOLUME = `staged-build-e2e-volume-${process.pid}`;

afterAll(() => {
  docker(['volume', 'rm', '--force', VOLUME]);
  cleanUp();
});

// --- Helpers ---

interface Results {
  pass: string[];
  fail: string[];
  last: string;
  text: string;
}

/** The PASS/FAIL lines of the results log, without their timestamps, and its last line. */
function results(copy: string): Results {
  const text = readFileSync(join(copy, RESULTS_LOG), 'utf8');
  const lines = text.split('\n').filter((l) => l !== '');
  const checks = lines.map((l) => /^\S+ (PASS|FAIL) (.*)$/.exec(l)).filter((m): m is RegExpExecArray => m !== null);
  return {
    pass: checks.filter((m) => m[1] === 'PASS').map((m) => m[2]),
    fail: checks.filter((m) => m[1] === 'FAIL').map((m) => m[2]),
    last: lines[lines.length - 1] ?? '',
    text,
  };
}

function details(run: Run, r: Results): string {
  const checks = r.text.split('\n').filter((l) => / (PASS|FAIL) |^\S+ {6}/.test(l)).join('\n');
  return `${describeRun(run, 15)}\n--- checks in ${RESULTS_LOG} ---\n${tail(checks, 80)}`;
}

function validate(copy: string, env: Record<string, string>): Run {
  return runScript(copy, VALIDATION, [], env);
}

/** Edits a generated (read-only) file of a copy; throws when the edit changed nothing. */
function edit(copy: string, path: string, change: (text: string) => string): void {
  const file = join(copy, path);
  const before = readFileSync(file, 'utf8');
  const after = change(before);
  if (after === before) throw new Error(`the edit of ${path} found nothing to change; has the generated file changed shape?`);
  chmodSync(file, 0o755);
  writeFileSync(file, after);
}

/** The package container's `docker create` in the driver's CI-mode package step. */
const CREATE = /"\$\{DOCKER\}" create /;

/** Adds options to the package container's `docker create` (the container stays the driver's). */
function withCreateOptions(options: string): (text: string) => string {
  return (text) => text.replace(CREATE, `"\${DOCKER}" create ${options} `);
}

/**
 * Expects the validation to fail with exactly the given checks failing: every failing check
 * matches one of the patterns, and every pattern matches a failing check.
 */
function expectFailedChecks(copy: string, run: Run, patterns: RegExp[]): Results {
  const r = results(copy);
  const detail = details(run, r);
  expectFailure(run, `./${VALIDATION}`);
  if (!/^\d+ passed, [1-9]\d* failed$/.test(r.last)) throw new Error(`unexpected last line "${r.last}"\n${detail}`);
  const unexpected = r.fail.filter((f) => !patterns.some((p) => p.test(f)));
  const missing = patterns.filter((p) => !r.fail.some((f) => p.test(f)));
  if (unexpected.length > 0 || missing.length > 0) {
    throw new Error(`failing checks differ from what was expected\nunexpected: ${JSON.stringify(unexpected, null, 1)}\n`
      + `missing: ${missing.map(String).join(', ')}\n${detail}`);
  }
  expect(Number(/ (\d+) failed$/.exec(r.last)![1])).toBe(r.fail.length);
  return r;
}

const PACKAGE_CONTAINER = 'desktop-app_package_citest-\\S+';
const recordedCreate = (found: string): RegExp =>
  new RegExp(`^isolation: recorded 'docker create' call #\\d+ has no mount or host-access option \\(found: ${found}\\)$`);
const packageContainer = (found: string): RegExp =>
  new RegExp(`^isolation: container ${PACKAGE_CONTAINER} \\(image local/desktop-app:package_ci\\) has no mount or host access \\(found: ${found}\\)$`);

// --- The unbroken example ---

describeWithEngine('test_ci_mode.sh on the unbroken example', () => {
  beforeAll(() => requireBaseImage());

  const builders: Array<{ builder: string; env: Record<string, string> }> = [
    { builder: 'the legacy builder', env: { DOCKER_BUILDKIT: '0' } },
    { builder: 'BuildKit', env: { DOCKER: BUILDKIT_DOCKER, DOCKER_BUILDKIT: '1' } },
  ];

  test.each(builders)('passes with $builder, and its isolation checks looked at this run', ({ builder, env }) => {
    const copy = copyExample();
    // A requirements edit no build has seen: the runtime stage's install runs (a warm build reuses
    // every unchanged step, so without an edit the legacy builder would run no step container).
    appendFileSync(join(copy, 'requirements.txt'), `# isolation test ${process.pid} ${Date.now()}\n`);
    const run = validate(copy, env);
    const r = results(copy);
    if (run.status !== 0 || r.fail.length > 0) throw new Error(`expected a pass with ${builder}\n${details(run, r)}`);
    expect(r.last).toBe(`${r.pass.length} passed, 0 failed`);
    const isolation = r.pass.filter((p) => p.startsWith('isolation: '));
    expect(isolation).toEqual(expect.arrayContaining([
      "isolation: the engine's container events were watched from before the driver started until after it ended",
      expect.stringMatching(/^isolation: the driver's docker calls went through the recording client \(\d+ recorded\)$/),
      expect.stringMatching(/^isolation: recorded 'docker create' call #\d+ has no mount or host-access option$/),
      expect.stringMatching(new RegExp(`^isolation: container ${PACKAGE_CONTAINER} \\(image local/desktop-app:package_ci\\) has no mount or host access$`)),
      expect.stringMatching(/^isolation: the package step's marker \.\/build\/\.inside-citest-\S+ is not on the host$/),
      expect.stringMatching(new RegExp(`^isolation: the package step's marker is inside a container of this run \\(${PACKAGE_CONTAINER}:/app/build/\\.inside-citest-\\S+\\)$`)),
    ]));
    for (const stage of ['base', 'runtime', 'package']) {
      expect(isolation).toContain(`isolation: stage ${stage} was built by a recorded 'docker build' of package/linux/Dockerfile.${stage}`);
      expect(r.pass).toContainEqual(expect.stringMatching(new RegExp(`^configuration: local/desktop-app:${stage}_ci \\(${stage}\\) runs as a non-root user \\(uid [1-9]\\d*, gid [1-9]\\d*\\)$`)));
    }
    expect(isolation.filter((p) => /^isolation: recorded 'docker build' call #\d+ uses the pipeline's own Dockerfile and context and no host-access option$/.test(p))).toHaveLength(3);
    // The legacy builder makes a container per step it runs, seen and checked too; BuildKit makes none.
    const builderContainers = isolation.filter((p) => /^isolation: container \S+ \(image sha256:[0-9a-f]{12}\) has no mount or host access/.test(p));
    if (env.DOCKER_BUILDKIT === '0') expect(builderContainers.length).toBeGreaterThan(0);
    else expect(builderContainers).toEqual([]);
    // Nothing of the run is left: its containers, its marker volumes, its temporary files.
    const runId = /run (citest-\S+),/.exec(r.text)![1];
    const work = /files in (\S+)\)/.exec(r.text)![1];
    expect(containersWithLabel(LABEL_RUN_ID, runId)).toEqual([]);
    expect(dockerOk(['volume', 'ls', '--quiet', '--filter', `name=desktop-app-validation-${runId}`])).toBe('');
    expect(existsSync(work)).toBe(false);
  });
});

// --- Drivers broken on purpose ---

describeWithEngine('test_ci_mode.sh fails, naming the check, when the CI-mode package step is given host access', () => {
  beforeAll(() => {
    requireBaseImage();
    dockerOk(['volume', 'create', '--label', OWN, VOLUME]);
  });
  afterAll(() => removeContainers(containersWithLabel(E2E_LABEL, E2E_OWNER)));

  const legacy = { DOCKER_BUILDKIT: '0' };

  test('(a) the repository mounted into a `docker run --rm` container (the original regression)', () => {
    const copy = copyExample();
    // The step as the original had it: run --rm with the repository mounted, the package written
    // straight through the mount, then handed to the driver's staging folder as if copied out, so
    // that the driver itself succeeds; the rest of the step (docker create, docker cp) is skipped.
    edit(copy, DRIVER, (text) => text.replace(/^(\s*)\S+ "\$\{DOCKER\}" create [^\n]*(\\\n[^\n]*)*\n/m, (line, indent: string) =>
      `${indent}run "\${DOCKER}" run --rm --user "\${HOST_UID}:\${HOST_GID}" --volume "\${PWD}:$(stage_workdir "\${PACKAGE_STAGE}")" `
      + `--env "BUILD_RUN_ID=\${RUN_ID}" --label "${OWN}" "$(image_of "\${PACKAGE_STAGE}")" bash "\${PACKAGE_SCRIPT}"\n`
      + `${indent}cp -R dist/. "$(staging_dir)/"\n${indent}return 0\n${line}`));
    const run = validate(copy, legacy);
    expectFailedChecks(copy, run, [
      /^isolation: recorded 'docker run' call #\d+ has no mount or host-access option \(found: --volume \/\S+:\/app\)$/,
      // Inspected while it ran (found: its bind mount), or gone first (then it cannot be proved): it fails either way.
      new RegExp('^isolation: container \\S+ \\(image local/desktop-app:package_ci\\) has no mount or host access '
        + '\\((found: mounts \\[\\{"Type":"bind".*|started and removed before it could be inspected.*)\\)$'),
      /^isolation: the package step's marker \.\/build\/\.inside-citest-\S+ is not on the host$/,
      /^isolation: the package step's marker is inside a container of this run \(no container of the run holds \/app\/build\/\.inside-citest-\S+: .*\)$/,
    ]);
  });

  test('(b) a named volume', () => {
    const copy = copyExample();
    edit(copy, DRIVER, withCreateOptions(`--volume ${VOLUME}:/home/appuser/cache --label "${OWN}"`));
    const run = validate(copy, legacy);
    expectFailedChecks(copy, run, [
      recordedCreate(`--volume ${VOLUME}:/home/appuser/cache`),
      packageContainer(`mounts \\[\\{"Type":"volume","Name":"${VOLUME}".*; binds \\["${VOLUME}:/home/appuser/cache"\\]`),
    ]);
  });

  test('(c) a tmpfs mount', () => {
    const copy = copyExample();
    edit(copy, DRIVER, withCreateOptions(`--tmpfs /tmp/scratch --label "${OWN}"`));
    const run = validate(copy, legacy);
    expectFailedChecks(copy, run, [
      recordedCreate('--tmpfs /tmp/scratch'),
      packageContainer('tmpfs \\{"/tmp/scratch":""\\}'),
    ]);
  });

  test('(d) --mount type=bind of a host folder', () => {
    const copy = copyExample();
    edit(copy, DRIVER, withCreateOptions(`--mount "type=bind,source=\${PWD}/src,target=/mnt/src,readonly" --label "${OWN}"`));
    const run = validate(copy, legacy);
    expectFailedChecks(copy, run, [
      recordedCreate('--mount type=bind,source=/\\S+/src,target=/mnt/src,readonly'),
      packageContainer('mounts \\[\\{"Type":"bind","Source":"/\\S+/src","Destination":"/mnt/src".*; host-mounts \\[.*'),
    ]);
  });

  test('(e) the absolute client path instead of $DOCKER: only the event stream sees the mount', () => {
    const copy = copyExample();
    const client = realClientPath();
    edit(copy, DRIVER, (text) => text.replace(CREATE, `"${client}" create --volume "\${PWD}:/mnt/repository" --label "${OWN}" `));
    const run = validate(copy, legacy);
    const r = expectFailedChecks(copy, run, [
      packageContainer('mounts \\[\\{"Type":"bind","Source":"/\\S+","Destination":"/mnt/repository".*; binds \\["/\\S+:/mnt/repository"\\]'),
    ]);
    // The recording client never saw the package container's create: the proof came from the engine
    // alone. The creates it did see are the smoke check's two (after packaging, and the smoke command);
    // without the bypass there would be three.
    expect(r.pass.filter((p) => p.includes("recorded 'docker create'"))).toHaveLength(2);
  });

  test('(g) a command run, through the absolute client path, in a container made before the run with the repository mounted', () => {
    const copy = copyExample();
    const client = realClientPath();
    const name = `staged-build-e2e-before-${process.pid}`;
    dockerOk(['run', '--detach', '--name', name, '--label', OWN, '--volume', `${copy}:/mnt/repository`, 'debian:bookworm-slim', 'sleep', '600']);
    try {
      edit(copy, DRIVER, (text) => text.replace(/^(\s*)\S+ "\$\{DOCKER\}" create /m, (line, indent: string) =>
        `${indent}"${client}" exec ${name} ls /mnt/repository >/dev/null\n${line}`));
      const run = validate(copy, legacy);
      expectFailedChecks(copy, run, [
        new RegExp(`^isolation: container ${name} \\(image debian:bookworm-slim\\) has no mount or host access \\(found: mounts \\[\\{"Type":"bind",.*"Destination":"/mnt/repository".*\\)$`),
      ]);
    } finally {
      docker(['rm', '--force', name]);
    }
  });

  test('(f) a Dockerfile change that gives the image user root\'s UID (after the user-creation step, which refuses HOST_UID=0)', () => {
    const copy = copyExample();
    edit(copy, 'package/linux/Dockerfile.base', (text) => text.replace(/^USER appuser$/m, 'RUN usermod --non-unique --uid 0 appuser\nUSER appuser'));
    const run = validate(copy, legacy);
    // The user is still called appuser (that check passes); its UID is root's, in every stage.
    expectFailedChecks(copy, run, ['base', 'runtime', 'package'].map((stage) =>
      new RegExp(`^configuration: local/desktop-app:${stage}_ci \\(${stage}\\) runs as a non-root user \\(uid 0, gid [1-9]\\d*\\)$`)));
    expect(results(copy).pass).toContain('configuration: local/desktop-app:base_ci runs as user appuser');
  });
});

// --- Clean-up on Ctrl-C ---

describeWithEngine('test_ci_mode.sh interrupted with Ctrl-C', () => {
  beforeAll(() => requireBaseImage());

  test('stops its event listener and removes its temporary files and marker volume', async () => {
    const copy = copyExample();
    const child = spawn(join(copy, VALIDATION), [], {
      cwd: copy, env: scriptEnv({ DOCKER_BUILDKIT: '0' }), detached: true, stdio: 'ignore',
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })));
    // Wait until the listener runs and the driver has started building.
    const log = join(copy, RESULTS_LOG);
    let text = '';
    for (let waited = 0; waited < 600 && !/Building all stages/.test(text); waited++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      text = existsSync(log) ? readFileSync(log, 'utf8') : '';
    }
    const watching = /listener PIDs (\d+), (\d+); files in (\S+)\)/.exec(text);
    const runId = /run (citest-\S+),/.exec(text)?.[1];
    if (!watching || !runId) {
      process.kill(-child.pid!, 'SIGKILL');
      throw new Error(`the script did not start its listener:\n${tail(text)}`);
    }
    const [, eventsPid, listenerPid, work] = watching;
    expect(existsSync(work)).toBe(true);
    expect(isRunning(Number(eventsPid))).toBe(true);

    process.kill(-child.pid!, 'SIGINT'); // the whole process group, as a terminal's Ctrl-C does
    const { code, signal } = await exited;
    expect(code === 130 || signal === 'SIGINT').toBe(true);
    expect(existsSync(work)).toBe(false);
    expect(isRunning(Number(eventsPid))).toBe(false);
    expect(isRunning(Number(listenerPid))).toBe(false);
    expect(dockerOk(['volume', 'ls', '--quiet', '--filter', `name=desktop-app-validation-${runId}`])).toBe('');
  });
});

/** Whether a process is alive and not a zombie. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}
