import { ChildProcess, spawn, spawnSync } from 'child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { REPO_ROOT } from './support/project';
import { tempFolder } from './support/temp';

/*
 * The engine scripts (scripts/docker-engine*.sh) stop only an engine that the same state folder
 * recorded: one per invocation in .ci/run, one per checkout by default. These tests never start
 * a second engine and can never stop the real one: every run that must not stop anything gets a
 * `kill` that only records its arguments (an exported bash function wins over the builtin).
 * The one process they do stop is a copy of `sleep` named dockerd, started by the test.
 */

const SCRIPTS = join(REPO_ROOT, 'scripts');
const IS_ROOT = process.getuid!() === 0;
const rootTest = IS_ROOT ? test : test.skip;

interface Result { status: number | null; stdout: string; stderr: string }

const tempDir = (): string => tempFolder('engine-test');

/** Runs a script of scripts/ with the given state folder; with `recordKills`, kill only records. */
function runScript(script: string, stateDir: string, options: { recordKills?: string; args?: string[]; scriptsDir?: string } = {}): Result {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_ENGINE_STATE_DIR: stateDir, DOCKER_ENGINE_STOP_TIMEOUT: '5' };
  if (options.recordKills) {
    env.KILL_LOG = options.recordKills;
    env['BASH_FUNC_kill%%'] = '() { echo "$*" >>"$KILL_LOG"; }';
  }
  const result = spawnSync('bash', [join(options.scriptsDir ?? SCRIPTS, script), ...(options.args ?? [])], { encoding: 'utf8', env, timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Writes the record the set-up script writes for PID (with its real start time), via the shared file. */
function record(stateDir: string, pid: number): void {
  const result = spawnSync('bash', ['-c', `PROG=test; source ${JSON.stringify(join(SCRIPTS, 'docker-engine-common.sh'))}; record_engine ${pid}`],
    { encoding: 'utf8', env: { ...process.env, DOCKER_ENGINE_STATE_DIR: stateDir } });
  if (result.status !== 0) throw new Error(result.stderr);
}

function isAlive(pid: number): boolean {
  const status = spawnSync('awk', ['$1 == "State:" { print $2 }', `/proc/${pid}/status`], { encoding: 'utf8' }).stdout.trim();
  return status !== '' && status !== 'Z';
}

const started: ChildProcess[] = [];
afterAll(() => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
});

/** A process whose name is dockerd (a copy of sleep), started by this test. */
function fakeDockerd(): number {
  const dir = tempDir();
  const binary = join(dir, 'dockerd');
  copyFileSync(spawnSync('bash', ['-c', 'command -v sleep'], { encoding: 'utf8' }).stdout.trim(), binary);
  const child = spawn(binary, ['300'], { stdio: 'ignore' });
  started.push(child);
  expect(readFileSync(`/proc/${child.pid}/comm`, 'utf8').trim()).toBe('dockerd');
  return child.pid!;
}

/** The PID of the engine running on this machine (from /var/run/docker.pid), if it is a dockerd. */
function realDockerdPid(): number | undefined {
  if (!existsSync('/var/run/docker.pid')) return undefined;
  const pid = Number(readFileSync('/var/run/docker.pid', 'utf8').trim());
  return existsSync(`/proc/${pid}/comm`) && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'dockerd' ? pid : undefined;
}

/** The engine running on this machine, which no test may stop. */
const REAL_DOCKERD = realDockerdPid();

describe('docker-engine-stop.sh stops only the engine its own state folder recorded', () => {
  rootTest('an invocation without a record stops nothing, though another invocation\'s engine runs; that one stops it', () => {
    const engine = fakeDockerd();
    const ownerState = tempDir();
    const otherState = tempDir();
    record(ownerState, engine);
    const kills = join(tempDir(), 'kills');

    const other = runScript('docker-engine-stop.sh', otherState, { recordKills: kills });
    expect(other.status).toBe(0);
    expect(other.stdout).toContain(`nothing to stop: no ${otherState}/dockerd.pid`);
    expect(existsSync(kills)).toBe(false);
    expect(isAlive(engine)).toBe(true);

    const owner = runScript('docker-engine-stop.sh', ownerState);
    expect(owner.status).toBe(0);
    expect(owner.stdout).toMatch(new RegExp(`stopped dockerd \\(pid ${engine}\\) in \\d+\\.\\ds`));
    expect(isAlive(engine)).toBe(false);
    expect(existsSync(join(ownerState, 'dockerd.pid'))).toBe(false);
  });

  test('a record whose PID is a live process other than dockerd is not stopped', () => {
    const child = spawn('sleep', ['300'], { stdio: 'ignore' });
    started.push(child);
    const state = tempDir();
    record(state, child.pid!);
    const kills = join(tempDir(), 'kills');
    const run = runScript('docker-engine-stop.sh', state, { recordKills: kills });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('nothing stopped');
    expect(existsSync(kills)).toBe(false);
    expect(isAlive(child.pid!)).toBe(true);
    expect(existsSync(join(state, 'dockerd.pid'))).toBe(false);
  });

  (REAL_DOCKERD ? test : test.skip)('a record naming the running engine, which someone else started (another start time, or none), is not stopped', () => {
    for (const line of [`${REAL_DOCKERD} 1\n`, `${REAL_DOCKERD}\n`]) {
      const state = tempDir();
      writeFileSync(join(state, 'dockerd.pid'), line);
      const kills = join(tempDir(), 'kills');
      const run = runScript('docker-engine-stop.sh', state, { recordKills: kills });
      expect(run.status).toBe(0);
      expect(run.stdout).toContain(`pid ${REAL_DOCKERD} is another process now; nothing stopped`);
      expect(existsSync(kills)).toBe(false);
      expect(isAlive(REAL_DOCKERD!)).toBe(true);
    }
  });

  rootTest('a dockerd started under a recorded PID after the recorded one ended (PID reuse) is not stopped', () => {
    const engine = fakeDockerd();
    const state = tempDir();
    record(state, engine);
    // The same PID, another start time: what a reused PID looks like.
    const [pid, start] = readFileSync(join(state, 'dockerd.pid'), 'utf8').trim().split(' ');
    writeFileSync(join(state, 'dockerd.pid'), `${pid} ${Number(start) - 1}\n`);
    const kills = join(tempDir(), 'kills');
    const run = runScript('docker-engine-stop.sh', state, { recordKills: kills });
    expect(run.stdout).toContain('nothing stopped');
    expect(existsSync(kills)).toBe(false);
    expect(isAlive(engine)).toBe(true);
  });
});

describe('the default state folder is one per checkout', () => {
  test('two checkouts get two folders, and neither is /tmp itself', () => {
    const folders = ['a', 'b'].map((name) => {
      const checkout = join(tempDir(), name);
      mkdirSync(checkout);
      cpSync(SCRIPTS, join(checkout, 'scripts'), { recursive: true });
      const env = { ...process.env };
      delete env.DOCKER_ENGINE_STATE_DIR;
      const result = spawnSync('bash', ['-c', `PROG=test; source scripts/docker-engine-common.sh; echo "$PID_FILE"`], { cwd: checkout, encoding: 'utf8', env });
      return result.stdout.trim();
    });
    expect(folders[0]).not.toBe(folders[1]);
    for (const file of folders) expect(file).toMatch(/^\/tmp\/staged-build-engine\.\d+\/dockerd\.pid$/);
  });
});

describe('docker-engine.sh', () => {
  test('--help says that it installs shellcheck, which the tests need', () => {
    const help = runScript('docker-engine.sh', tempDir(), { args: ['--help'] });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/apt-get install ca-certificates docker\.io debootstrap shellcheck/);
    expect(help.stdout).toContain('shellcheck is what the tests lint the generated scripts with');
  });

  (REAL_DOCKERD && IS_ROOT ? test : test.skip)('with an engine already running, it records nothing, so the stop script leaves that engine alone', () => {
    const state = tempDir();
    const kills = join(tempDir(), 'kills');
    const setUp = runScript('docker-engine.sh', state, { recordKills: kills });
    expect(setUp.status).toBe(0);
    expect(setUp.stdout).toContain('engine: already running; left alone');
    expect(existsSync(join(state, 'dockerd.pid'))).toBe(false);
    const stop = runScript('docker-engine-stop.sh', state, { recordKills: kills });
    expect(stop.stdout).toContain('nothing to stop');
    expect(existsSync(kills)).toBe(false);
    expect(isAlive(REAL_DOCKERD!)).toBe(true);
  });
});
