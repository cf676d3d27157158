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
function runScript(script: string, stateDir: string, options: { recordKills?: string; args?: string[]; scriptsDir?: string; env?: Record<string, string> } = {}): Result {
  const env: NodeJS.ProcessEnv = {
    ...process.env, DOCKER_ENGINE_STATE_DIR: stateDir, DOCKER_ENGINE_STOP_TIMEOUT: '5', REGISTRY_STATE_DIR: join(stateDir, 'registry'), ...options.env,
  };
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
    // A registry it may have started for this state folder goes again (a real stop, not recorded).
    runScript('registry-stop.sh', state);
  });
});

/** A loopback port that nothing listens on right now. */
function freePort(): number {
  const found = spawnSync('python3', ['-c', 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'], { encoding: 'utf8' });
  return Number(found.stdout.trim());
}

/** The HTTP status of GET http://ADDRESS/v2/ ('000' when nothing answers). */
function registryStatus(address: string): string {
  return spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', `http://${address}/v2/`], { encoding: 'utf8' }).stdout;
}

const HAS_REGISTRY = spawnSync('bash', ['-c', 'command -v docker-registry'], { encoding: 'utf8' }).status === 0;
const registryTest = HAS_REGISTRY ? test : test.skip;

describe('registry.sh and registry-stop.sh: a real registry on loopback, stopped only by the state folder that started it', () => {
  registryTest('starts a registry that answers, records it; a second run leaves it alone; only its own state folder stops it', () => {
    const address = `127.0.0.1:${freePort()}`;
    const state = tempDir();
    const env = { STAGED_BUILD_REGISTRY: address };
    const first = runScript('registry.sh', state, { env });
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`registry: started docker-registry \\(pid (\\d+)\\) on ${address} in [\\d.]+s`));
    const pid = Number(/\(pid (\d+)\)/.exec(first.stdout)![1]);
    expect(registryStatus(address)).toBe('200');
    expect(readFileSync(join(state, 'registry', 'registry.pid'), 'utf8')).toMatch(new RegExp(`^${pid} \\d+\n$`));
    expect(readFileSync(join(state, 'registry', 'config.yml'), 'utf8')).toContain(`addr: ${address}`);

    const again = runScript('registry.sh', tempDir(), { env });
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(`registry: one already answers on ${address}; left alone`);
    const otherStop = runScript('registry-stop.sh', tempDir(), { env });
    expect(otherStop.stdout).toContain('nothing to stop');
    expect(isAlive(pid)).toBe(true);

    const stop = runScript('registry-stop.sh', state, { env });
    expect(stop.status).toBe(0);
    expect(stop.stdout).toMatch(new RegExp(`stopped docker-registry \\(pid ${pid}\\)`));
    expect(isAlive(pid)).toBe(false);
    expect(registryStatus(address)).toBe('000');
    expect(existsSync(join(state, 'registry'))).toBe(false);
  });

  registryTest('started under flock, the registry does not hold the caller\'s lock', () => {
    const address = `127.0.0.1:${freePort()}`;
    const state = tempDir();
    const lock = join(tempDir(), 'lock');
    const env = { ...process.env, STAGED_BUILD_REGISTRY: address, REGISTRY_STATE_DIR: join(state, 'registry') };
    try {
      const started = spawnSync('flock', [lock, 'bash', join(SCRIPTS, 'registry.sh')], { encoding: 'utf8', env, timeout: 60_000 });
      expect(started.status).toBe(0);
      expect(spawnSync('flock', ['--nonblock', lock, 'true']).status).toBe(0);
    } finally {
      runScript('registry-stop.sh', state, { env: { STAGED_BUILD_REGISTRY: address } });
    }
  });

  test('refuses an address that is not loopback HOST:PORT', () => {
    const bad = runScript('registry.sh', tempDir(), { env: { STAGED_BUILD_REGISTRY: 'registry.example.com:5000' } });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain("STAGED_BUILD_REGISTRY='registry.example.com:5000' must be a loopback HOST:PORT");
  });

  registryTest('something that is not a registry on the port is an error naming the fix', () => {
    const port = freePort();
    const server = spawn('python3', ['-m', 'http.server', '--bind', '127.0.0.1', String(port)], { stdio: 'ignore' });
    started.push(server);
    try {
      spawnSync('bash', ['-c', `for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null && exit 0; sleep 0.1; done; exit 1`]);
      const run = runScript('registry.sh', tempDir(), { env: { STAGED_BUILD_REGISTRY: `127.0.0.1:${port}` } });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain(`something that is not a registry listens on 127.0.0.1:${port}`);
    } finally {
      server.kill('SIGKILL');
    }
  });
});

/** Podman is ready here when podman-engine.sh ran (scripts/docker-engine.sh step 5). */
const PODMAN_READY = spawnSync('podman', ['image', 'exists', 'docker.io/library/debian:bookworm-slim']).status === 0
  && spawnSync('docker', ['image', 'inspect', 'debian:bookworm-slim']).status === 0;
const podmanTest = PODMAN_READY && IS_ROOT ? test : test.skip;

describe('podman-engine.sh: Podman as a second engine, idempotent, never touching what it does not own', () => {
  test('--help names the three steps and the variables', () => {
    const help = runScript('podman-engine.sh', tempDir(), { args: ['--help'] });
    expect(help.status).toBe(0);
    for (const text of ['1. package: apt-get install podman', '2. config:', 'default_ulimits = []', '3. image:', 'podman load', 'PODMAN_ENGINE_CONF_DIR']) {
      expect(help.stdout).toContain(text);
    }
    expect(runScript('podman-engine.sh', tempDir(), { args: ['--bogus'] }).stderr).toContain("unknown argument '--bogus'");
  });

  podmanTest('writes its drop-in, finds the base image loaded, proves that podman run works; a second run changes nothing', () => {
    const confDir = join(tempDir(), 'containers.conf.d');
    const env = { PODMAN_ENGINE_CONF_DIR: confDir };
    const first = runScript('podman-engine.sh', tempDir(), { env });
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toContain(`config: wrote ${confDir}/staged-build.conf (default_ulimits = [], events_logfile_max_size = "100m")`);
    expect(first.stdout).toMatch(/image: docker\.io\/library\/debian:bookworm-slim (already in Podman's store \([0-9a-f]{12}\)|loaded in [\d.]+s)/);
    expect(first.stdout).toMatch(/ready in [\d.]+s: podman version \d+\.\d+\.\d+, image docker\.io\/library\/debian:bookworm-slim present, 'podman run' works/);
    const conf = readFileSync(join(confDir, 'staged-build.conf'), 'utf8');
    expect(conf).toMatch(/^\[containers\]\ndefault_ulimits = \[\]$/m);
    // Rare rotations of Podman's events log: a rotation during a watch loses events.
    expect(conf).toMatch(/^\[engine\]\nevents_logfile_max_size = "100m"$/m);
    const again = runScript('podman-engine.sh', tempDir(), { env });
    expect(again.status).toBe(0);
    expect(again.stdout).toContain(`config: ${confDir}/staged-build.conf already present`);
    expect(again.stdout).toMatch(/image: docker\.io\/library\/debian:bookworm-slim already in Podman's store/);
    // A drop-in someone changed is written again.
    writeFileSync(join(confDir, 'staged-build.conf'), '[containers]\n');
    expect(runScript('podman-engine.sh', tempDir(), { env }).stdout).toContain('config: wrote');
  });

  podmanTest('no base image in the Docker engine to load: one line naming the fix', () => {
    const run = runScript('podman-engine.sh', tempDir(), {
      env: { PODMAN_ENGINE_CONF_DIR: join(tempDir(), 'conf.d'), DOCKER_ENGINE_DOCKER: '/bin/false' },
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe('error: the Docker engine has no debian:bookworm-slim to load into Podman; run scripts/docker-engine.sh first');
  });

  test('docker-engine.sh --help lists it as step 5, and DOCKER_ENGINE_PODMAN (0 skips it)', () => {
    const help = runScript('docker-engine.sh', tempDir(), { args: ['--help'] });
    expect(help.stdout).toContain('5. podman:   scripts/podman-engine.sh');
    expect(help.stdout).toContain('DOCKER_ENGINE_PODMAN');
  });
});
