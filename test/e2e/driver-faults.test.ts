import { ChildProcess, spawn } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { DRIVER_EXIT_CODES } from '../../src/shell/exit-codes';
import { CAN_MOUNT, shellWord } from '../support/bash';
import {
  cleanUp, containersWithLabel, copyExample, describeRun, describeWithEngine, docker, LABEL_RUN_ID, newRunId,
  requireBaseImage, Run, runCommand, runScript, scriptEnv, tail,
} from '../support/docker';
import { treeSnapshot } from '../support/tree';

/*
 * End-to-end tests of the driver's faults, on the real engine, each in a copy of the example:
 * SIGINT/SIGTERM while the package container runs, two drivers at once on one checkout, a
 * read-only ./dist and a full disk (real mounts in a private mount namespace, `unshare -m`).
 * Every exit status is read from the driver's exit-status table.
 *
 * The packager is made slow by a `sleep` put at the top of the copy's generated package script,
 * so that the signal or the second driver arrives while the package container runs.
 */

jest.setTimeout(300_000);

const E = DRIVER_EXIT_CODES;
const DRIVER = 'bin/docker.sh';
const PACKAGE_SCRIPT = 'package/linux/package.sh';
const ENV = { DOCKER_BUILDKIT: '0' };

/** Clean-ups of the current test (folders outside the example copies). */
const afterTest: Array<() => void> = [];
afterEach(() => { for (const undo of afterTest.splice(0)) undo(); });
afterAll(() => cleanUp());

/** A copy of the example with the CI images built and a first package in ./dist. */
function copyWithPackage(modeArgs: string[] = ['--ci']): string {
  const copy = copyExample();
  const runId = newRunId('first-package');
  const first = runScript(copy, DRIVER, [...modeArgs, 'build'], { ...ENV, BUILD_RUN_ID: runId });
  if (first.status !== 0) throw new Error(`the first build failed\n${describeRun(first)}`);
  return copy;
}

/** Makes the copy's packager wait SECONDS before it starts (CI mode rebuilds the package image with it). */
function slowPackager(copy: string, seconds: number): void {
  const path = join(copy, PACKAGE_SCRIPT);
  const text = readFileSync(path, 'utf8');
  const slowed = text.replace(/^run_packager\(\) \{\n/m, `run_packager() {\n  sleep ${seconds} # made slow by the test\n`);
  if (slowed === text) throw new Error(`no run_packager() in ${PACKAGE_SCRIPT}`);
  writeFileSync(path, slowed);
}

interface Started {
  child: ChildProcess;
  /** stdout and stderr of the driver, in one stream, in order. */
  output(): string;
  exited: Promise<{ status: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the copy's driver in the background, in its own process group, stderr merged into stdout. */
function startDriver(copy: string, args: string[], env: Record<string, string>): Started {
  const child = spawn('bash', ['-c', 'exec "$0" "$@" 2>&1', join(copy, DRIVER), ...args], {
    cwd: copy, env: scriptEnv(env), detached: true, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => { text += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { text += d.toString(); });
  const exited = new Promise<{ status: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (status, signal) => resolve({ status, signal }));
  });
  return { child, output: () => text, exited };
}

/** Waits until a container of the run is running; throws with the driver's output if none comes. */
async function waitForRunningContainer(runId: string, started: Started, seconds = 120): Promise<string> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const names = docker(['ps', '--filter', `label=${LABEL_RUN_ID}=${runId}`, '--filter', 'status=running', '--format', '{{.Names}}']).stdout.trim();
    if (names !== '') return names;
    if (started.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no container of run ${runId} started running\n--- driver output ---\n${tail(started.output())}`);
}

function lastLine(text: string): string {
  const lines = text.trimEnd().split('\n');
  return lines[lines.length - 1];
}

// --- Signals ---

describeWithEngine('SIGINT/SIGTERM while the package container runs', () => {
  beforeAll(() => requireBaseImage());

  const cases: Array<{ what: string; modeArgs: string[]; signal: NodeJS.Signals; toGroup: boolean; code: number }> = [
    { what: 'Ctrl-C (SIGINT to the process group) in CI mode', modeArgs: ['--ci'], signal: 'SIGINT', toGroup: true, code: E.interrupted.code },
    { what: 'SIGTERM to the driver alone in CI mode', modeArgs: ['--ci'], signal: 'SIGTERM', toGroup: false, code: E.terminated.code },
    { what: 'SIGTERM to the driver alone in standard mode', modeArgs: [], signal: 'SIGTERM', toGroup: false, code: E.terminated.code },
  ];

  test.each(cases)('$what: the run\'s containers are removed, ./dist is byte-identical, the last line is the driver\'s', async ({ modeArgs, signal, toGroup, code }) => {
    const copy = copyWithPackage(modeArgs);
    const distBefore = treeSnapshot(join(copy, 'dist'));
    expect(distBefore.length).toBeGreaterThan(2);
    slowPackager(copy, 120);
    const runId = newRunId(`signal-${signal}`);
    const started = startDriver(copy, [...modeArgs, 'build_package'], { ...ENV, BUILD_RUN_ID: runId });
    const container = await waitForRunningContainer(runId, started);
    expect(container).toBe(`desktop-app_package_${runId}`);

    const sentAt = Date.now();
    process.kill(toGroup ? -started.child.pid! : started.child.pid!, signal);
    const { status } = await started.exited;
    const detail = `\n--- driver output ---\n${tail(started.output())}`;

    if (status !== code) throw new Error(`exit status ${status}, expected ${code}${detail}`);
    expect(Date.now() - sentAt).toBeLessThan(30_000); // not after the 120 s packager
    expect(lastLine(started.output())).toBe(`./bin/docker.sh: interrupted (${signal}); removed container ${container}; ./dist unchanged`);
    expect(started.output()).not.toContain('You cannot remove a running container');
    expect(containersWithLabel(LABEL_RUN_ID, runId)).toEqual([]);
    expect(treeSnapshot(join(copy, 'dist'))).toEqual(distBefore);
    // Nothing of the run is left in ./build but its logs.
    expect(runCommand('ls', ['-A', 'build'], { cwd: copy }).stdout.split('\n').filter((f) => f.startsWith('.package-') || f.startsWith('.replaced-'))).toEqual([]);
    expect(readFileSync(join(copy, 'build/build.log'), 'utf8').trimEnd().split('\n').pop()).toBe(`interrupted (${signal}); removed container ${container}; ./dist unchanged`);
  });
});

// --- The lock of a checkout ---

describeWithEngine('Two drivers on one checkout', () => {
  beforeAll(() => requireBaseImage());

  test('the second fails at once, naming the first; the first finishes; the log has one run after the other', async () => {
    const copy = copyWithPackage();
    slowPackager(copy, 8);
    const firstId = newRunId('lock-first');
    const secondId = newRunId('lock-second');
    const logBefore = readFileSync(join(copy, 'build/build.log'), 'utf8');
    const first = startDriver(copy, ['--ci', 'build_package'], { ...ENV, BUILD_RUN_ID: firstId });
    await waitForRunningContainer(firstId, first);

    const startedAt = Date.now();
    const second = runScript(copy, DRIVER, ['--ci', 'build_base'], { ...ENV, BUILD_RUN_ID: secondId });
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(second.status).toBe(E.locked.code);
    expect(second.stderr.trim()).toBe(`./bin/docker.sh: error: another build is running in this checkout (PID ${first.child.pid}: ./bin/docker.sh --ci build_package); `
      + `wait for it to finish or stop it with 'kill ${first.child.pid}', then rerun`);
    expect(second.stdout).toBe('');
    expect(containersWithLabel(LABEL_RUN_ID, secondId)).toEqual([]);

    const { status } = await first.exited;
    if (status !== 0) throw new Error(`the first driver failed\n${tail(first.output())}`);
    // Now the second runs.
    const again = runScript(copy, DRIVER, ['--ci', 'build_base'], { ...ENV, BUILD_RUN_ID: secondId });
    if (again.status !== 0) throw new Error(describeRun(again));

    // This test's part of the log: the first run's section, whole, then the second's.
    const log = readFileSync(join(copy, 'build/build.log'), 'utf8').slice(logBefore.length);
    const headers = log.split('\n').filter((l) => l.startsWith('=== '));
    expect(headers.map((h) => h.replace(/^=== \S+ /, ''))).toEqual(['./bin/docker.sh --ci build_package ===', './bin/docker.sh --ci build_base ===']);
    const [firstPart, secondPart] = log.split(headers[1]);
    // The first run's section ends with its metrics table, whose last row is the package.
    expect(firstPart).toMatch(/^<== package: done in \d+m\d\ds\nMetrics \(legacy, ci mode, /m);
    expect(firstPart.trimEnd().split('\n').pop()).toMatch(/^ {2}dist\/desktop-app-linux\.tar\.gz +[\d.]+ +\S+ +- +- +-$/);
    expect(firstPart).toContain(`--label ${LABEL_RUN_ID}=${firstId}`);
    expect(firstPart).not.toContain(secondId);
    expect(secondPart).toMatch(/^<== base: local\/desktop-app:base_ci built in \d+m\d\ds/m);
    expect(secondPart).not.toContain(firstId);
  });

  test('a lock left by a killed driver (SIGKILL) is taken over with a notice', async () => {
    const copy = copyWithPackage();
    slowPackager(copy, 120);
    const killedId = newRunId('lock-killed');
    const killed = startDriver(copy, ['--ci', 'build_package'], { ...ENV, BUILD_RUN_ID: killedId });
    await waitForRunningContainer(killedId, killed);
    // SIGKILL to the whole group: no handler runs; the lock file keeps the dead run's line.
    process.kill(-killed.child.pid!, 'SIGKILL');
    await killed.exited;
    expect(readFileSync(join(copy, 'build/.lock'), 'utf8')).toBe(`${killed.child.pid} ./bin/docker.sh --ci build_package\n`);
    docker(['rm', '--force', `desktop-app_package_${killedId}`]);
    // What a SIGKILL leaves besides: the run's temporary folder (named after its run ID).
    for (const left of readdirSync(tmpdir()).filter((f) => f.startsWith(`staged-build-run.${killedId}.`))) rmSync(join(tmpdir(), left), { recursive: true, force: true });

    const next = runScript(copy, DRIVER, ['--ci', 'build_base'], { ...ENV, BUILD_RUN_ID: newRunId('lock-next') });
    if (next.status !== 0) throw new Error(describeRun(next));
    expect(next.stdout).toContain(`Notice: took over ./build/.lock from an earlier run that ended without releasing it (PID ${killed.child.pid}: ./bin/docker.sh --ci build_package).`);
    expect(existsSync(join(copy, 'build/.lock'))).toBe(false);
  });
});

// --- Write failures (real mounts in a private mount namespace) ---

/** Runs the copy's driver inside `unshare -m`, after `setup` (bash, in the copy). */
function driverInNamespace(copy: string, setup: string, args: string[], env: Record<string, string>): Run {
  return runCommand('unshare', ['-m', 'bash', '-c', `set -euo pipefail\n${setup}\nexec ./${DRIVER} "$@" 2>&1`, 'driver', ...args], { cwd: copy, env });
}

const describeWithMounts = CAN_MOUNT ? describeWithEngine : (title: string) => describe(title, () => test.skip('(skipped: needs root for unshare -m)', () => undefined));

describeWithMounts('Write failures name the file that could not be written', () => {
  beforeAll(() => requireBaseImage());

  test('a read-only ./dist (read-only bind mount): one line naming ./dist, no container, ./dist unchanged', () => {
    const copy = copyWithPackage();
    const distBefore = treeSnapshot(join(copy, 'dist'));
    const runId = newRunId('read-only-dist');
    const run = driverInNamespace(copy, 'mount --bind -o ro dist dist', ['--ci', 'build_package'], { ...ENV, BUILD_RUN_ID: runId });
    expect(run.status).toBe(E.write.code);
    expect(lastLine(run.stdout)).toBe('./bin/docker.sh: error: ./dist is not writable (read-only file system); make it writable (remount it read-write or fix its owner), then rerun');
    expect(run.stdout).not.toMatch(/chown: |cp: |packaging failed/);
    expect(containersWithLabel(LABEL_RUN_ID, runId)).toEqual([]);
    expect(treeSnapshot(join(copy, 'dist'))).toEqual(distBefore);
  });

  /*
   * The disk fills up while the packager runs. The copy of the example is put on a 1 MiB tmpfs;
   * once the package container runs, a filler file takes every free block, so that the next
   * writes (the packager log, the package) fail. The build log is linked to a file outside, so
   * that the write that fails is the package's own. ./dist is compared inside the namespace.
   */
  test('a full disk while the package is copied out: one line naming the folder and the fix, ./dist unchanged', () => {
    const copy = copyWithPackage();
    slowPackager(copy, 5);
    const runId = newRunId('full-disk');
    const work = mkdtempSync(join(tmpdir(), 'staged-build-e2e-full-'));
    mkdirSync(join(work, 'fs'));
    writeFileSync(join(work, 'build.log'), '');
    const script = `
set -euo pipefail
mount -t tmpfs -o size=1m tmpfs fs
cp -a ${shellWord(copy)}/. fs/
ln -sf ${shellWord(join(work, 'build.log'))} fs/build/build.log
cd fs
snapshot() { find dist -printf '%P %y %m %U:%G %s %T@\\n' | sort; find dist -type f -exec sha256sum {} + | sort; }
snapshot >../before
./${DRIVER} --ci build_package >../output 2>&1 &
driver=$!
until docker ps --quiet --filter label=${LABEL_RUN_ID}=${runId} --filter status=running | grep -q .; do
  kill -0 "$driver" 2>/dev/null || break
  sleep 0.2
done
head -c 2000000 /dev/zero >filler 2>/dev/null || true # every free block
status=0
wait "$driver" || status=$?
echo "$status" >../status
snapshot >../after
`;
    const setup = runCommand('unshare', ['-m', 'bash', '-c', script], { cwd: work, env: { ...ENV, BUILD_RUN_ID: runId } });
    afterTest.push(() => rmSync(work, { recursive: true, force: true }));
    if (setup.status !== 0) throw new Error(describeRun(setup));
    const output = readFileSync(join(work, 'output'), 'utf8');
    expect(Number(readFileSync(join(work, 'status'), 'utf8'))).toBe(E.write.code);
    expect(lastLine(output)).toBe(`./bin/docker.sh: error: could not copy the package out of container desktop-app_package_${runId} into ./build/.package-${runId}: `
      + 'no space left on device; free space on its file system (df -h ./build) or make it writable, then rerun; ./dist is unchanged');
    expect(output).not.toMatch(/packaging failed/);
    expect(containersWithLabel(LABEL_RUN_ID, runId)).toEqual([]);
    expect(readFileSync(join(work, 'after'), 'utf8')).toBe(readFileSync(join(work, 'before'), 'utf8'));
    expect(readFileSync(join(work, 'before'), 'utf8')).toContain('desktop-app-linux.tar.gz.sha256');
  });
});
