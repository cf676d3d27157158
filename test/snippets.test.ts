import { spawn, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { BashRun, CAN_MOUNT, runSnippets, shellWord, SNIPPETS_DIR } from './support/bash';
import { treeSnapshot } from './support/tree';
import { tempFolder } from './support/temp';
import { exitCodeData } from '../src/shell/exit-code-data';
import { DRIVER_EXIT_CODES } from '../src/shell/exit-codes';

/*
 * Bash unit tests of the driver's snippets, each sourced alone (no Docker engine): the .env
 * reader, the ID resolution, the checkout lock, the write-failure messages, the package's
 * verification and its move into ./dist, and the signal handler.
 */

const E = DRIVER_EXIT_CODES;
const DRIVER = './bin/docker.sh';

/** The model variables the driver's snippets read, as the example's generated driver has them. */
const MODEL = {
  DRIVER_PATH: DRIVER,
  PIPELINE: 'desktop-app',
  PACKAGE_STAGE: 'package',
  PACKAGER: 'zipapp',
  PACKAGE_DIR: 'dist/desktop-app',
  ARTIFACT: 'dist/desktop-app-linux.tar.gz',
  CHECKSUM: 'dist/desktop-app-linux.tar.gz.sha256',
  BUILD_LOG: 'build/build.log',
  PACKAGER_LOG: 'build/desktop-app.log',
  DEFAULT_IMAGE_ID: '1000',
  LABEL_RUN_ID: 'dev.staged-build.example.run-id',
  RUN_ID: 'unit-1',
  RUN_COMMAND: `${DRIVER} --ci build`,
  DRY_RUN: '0',
  DOCKER: 'false', // no engine: every docker call fails
  HOST_UID: String(process.getuid!()),
  HOST_GID: String(process.getgid!()),
};

/** The driver snippets that the others call into (die, say, make_dirs, ...). */
const BASE = ['env-file', 'driver-log', 'driver-settings', 'driver-lock', 'driver-exit', 'driver-package', 'driver-cli'];

const mountTest = CAN_MOUNT ? test : test.skip;

const folder = (): string => tempFolder('snippet');

function driverRun(cwd: string, script: string, vars: Record<string, string> = {}, prefix?: string[]): BashRun {
  return runSnippets(BASE, script, { cwd, vars: { ...MODEL, ...vars }, prefix });
}

/** The one error line a failing run printed. */
function errorLine(run: BashRun): string {
  const lines = run.stderr.trim().split('\n');
  return lines[lines.length - 1];
}

/** A checkout with ./dist holding an earlier package and a file of the user's, and a staged new package. */
function checkoutWithStagedPackage(): string {
  const dir = folder();
  mkdirSync(join(dir, 'dist/desktop-app'), { recursive: true });
  mkdirSync(join(dir, 'build/.package-unit-1/desktop-app'), { recursive: true });
  writeFileSync(join(dir, 'dist/desktop-app/desktop-app.pyz'), 'old package');
  writeFileSync(join(dir, 'dist/desktop-app-linux.tar.gz'), 'old tarball');
  writeFileSync(join(dir, 'dist/desktop-app-linux.tar.gz.sha256'), 'old checksum');
  writeFileSync(join(dir, 'dist/notes.txt'), 'the user\'s own file');
  const staged = join(dir, 'build/.package-unit-1');
  writeFileSync(join(staged, 'desktop-app/desktop-app.pyz'), 'new package');
  writeFileSync(join(staged, 'desktop-app-linux.tar.gz'), 'new tarball');
  const sum = createHash('sha256').update('new tarball').digest('hex');
  writeFileSync(join(staged, 'desktop-app-linux.tar.gz.sha256'), `${sum}  desktop-app-linux.tar.gz\n`);
  return dir;
}

describe('env-file.sh: read_env_file_value', () => {
  function read(env: string | undefined, key = 'HOST_UID'): BashRun {
    const dir = folder();
    if (env !== undefined) writeFileSync(join(dir, '.env'), env);
    return runSnippets(['env-file'], `read_env_file_value ${key} value; printf '[%s]' "\${value}"`, { cwd: dir });
  }

  test.each<[string, string | undefined, string]>([
    ['no .env', undefined, ''],
    ['no such key', 'HOST_GID=5\nHOST_UIDX=abc\n', ''],
    ['a bare number', 'HOST_UID=1234\n', '1234'],
    ['double quotes', 'HOST_UID="1234"\n', '1234'],
    ['single quotes', "HOST_UID='1234'\n", '1234'],
    ['blanks around', '  HOST_UID =  1234  \n', '1234'],
    ['CRLF line ends', 'HOST_UID=1234\r\nHOST_GID=1\r\n', '1234'],
    ['export', 'export HOST_UID=1234\n', '1234'],
    ['the last assignment', 'HOST_UID=1\n# HOST_UID=x\nHOST_UID=2', '2'],
  ])('%s: reads [%j] as the value', (_what, env, value) => {
    const run = read(env);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`[${value}]`);
  });

  test.each([['1 2'], ['"12"34'], ['12abc'], [''], ["'12"], ['0x10'], ['$UID']])('HOST_UID=%s is an error naming the file, the line and the fix', (value) => {
    const run = read(`# my IDs\nHOST_GID=1000\nHOST_UID=${value}\n`);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    // With a variable to fill, the caller reports: nothing is printed, the message is in ENV_FILE_ERROR.
    expect(run.stderr).toBe('');
  });

  test('the message names ./.env, the line number, the value and the fix; without a variable it goes to stderr', () => {
    const dir = folder();
    writeFileSync(join(dir, '.env'), '# my IDs\nHOST_GID=1000\nHOST_UID="12"34\n');
    const run = runSnippets(['env-file'], 'read_env_file_value HOST_UID', { cwd: dir });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe('error: ./.env line 3: HOST_UID="12"34 is not a whole number; write it as HOST_UID=1000 (digits only, optionally in quotes), or remove the line');
    const other = runSnippets(['env-file'], 'read_env_file_value HOST_GID', { cwd: dir });
    expect([other.status, other.stdout]).toEqual([0, '1000']);
  });
});

describe('driver-settings.sh: resolve_ids', () => {
  function resolve(opts: { env?: Record<string, string>; dotenv?: string; vars?: Record<string, string> }): BashRun & { dir: string } {
    const dir = folder();
    if (opts.dotenv !== undefined) writeFileSync(join(dir, '.env'), opts.dotenv);
    const exports = Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${shellWord(v)}`).join(' ');
    const run = driverRun(dir, `unset HOST_UID HOST_GID; ${exports ? `export ${exports};` : ''} resolve_ids; echo "host=\${HOST_UID}:\${HOST_GID} image=\${IMAGE_UID}:\${IMAGE_GID}"`, opts.vars);
    return { ...run, dir };
  }
  const uid = process.getuid!();
  const gid = process.getgid!();

  test('precedence: the environment, then .env, then id -u / id -g', () => {
    expect(resolve({ env: { HOST_UID: '4444' }, dotenv: 'HOST_UID=2222\nHOST_GID=3333\n' }).stdout).toContain('host=4444:3333');
    expect(resolve({ dotenv: 'HOST_UID=2222\n' }).stdout).toContain(`host=2222:${gid}`);
  });

  test('a missing .env is created from id -u / id -g, and says so', () => {
    const run = resolve({});
    expect(run.status).toBe(0);
    expect(readFileSync(join(run.dir, '.env'), 'utf8')).toContain(`HOST_UID=${uid}\nHOST_GID=${gid}\n`);
    expect(run.stdout).toContain(`Created .env with HOST_UID=${uid} HOST_GID=${gid}`);
  });

  test.each<[string, Record<string, string>, string | undefined]>([
    ['0 in the environment', { HOST_UID: '0', HOST_GID: '0' }, undefined],
    ['00 in the environment', { HOST_UID: '00', HOST_GID: '0000' }, undefined],
    ['"0" in .env', {}, 'HOST_UID="0"\nHOST_GID=\'00\'\n'],
  ])('root\'s IDs (%s) give the image user the default ID, the files still 0:0', (_what, env, dotenv) => {
    const run = resolve({ env, dotenv });
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('host=0:0 image=1000:1000');
  });

  test.each([['0'], ['00'], [''], ['x']])('a default image ID of %j can never make the image user root', (id) => {
    const run = resolve({ env: { HOST_UID: '0', HOST_GID: '5' }, vars: { DEFAULT_IMAGE_ID: id } });
    expect(run.status).toBe(E.settings.code);
    expect(errorLine(run)).toMatch(/the image user would get the IDs \S*:5, but it is never root; give the stage's user a defaultId above 0 in \.projenrc\.ts$/);
  });

  test('a bad .env value stops with the settings status and the reader\'s message', () => {
    const run = resolve({ dotenv: 'HOST_UID=1 2\n' });
    expect(run.status).toBe(E.settings.code);
    expect(errorLine(run)).toBe(`${DRIVER}: error: ./.env line 1: HOST_UID=1 2 is not a whole number; write it as HOST_UID=1000 (digits only, optionally in quotes), or remove the line`);
  });

  test('an ID beyond 4294967294 is refused, with where it came from', () => {
    const run = resolve({ dotenv: 'HOST_UID=1\nHOST_GID=99999999999\n' });
    expect(run.status).toBe(E.settings.code);
    expect(errorLine(run)).toBe(`${DRIVER}: error: HOST_GID='99999999999' (from .env) is not a whole number from 0 to 4294967294; fix it in .env`);
  });
});

describe('driver-lock.sh: one run per checkout', () => {
  test('a second run fails at once, naming the PID and command of the holder; the holder\'s release frees it', async () => {
    const dir = folder();
    // The first run takes the lock and holds it until it reads a line.
    const first = spawn('bash', ['-c', `cd ${shellWord(dir)} && exec bash -s`], { stdio: ['pipe', 'pipe', 'pipe'] });
    const ready = new Promise<string>((resolve) => first.stdout.on('data', (d: Buffer) => resolve(d.toString())));
    const firstScript = runScriptText(['take_checkout_lock', 'echo locked "$$"', 'read -r _']);
    first.stdin.write(`${firstScript}\n`);
    const said = await ready;
    const pid = /locked (\d+)/.exec(said)![1];

    const started = Date.now();
    const second = driverRun(dir, 'take_checkout_lock; echo "should not get here"', { RUN_COMMAND: `${DRIVER} clean` });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(second.status).toBe(E.locked.code);
    expect(second.stdout).not.toContain('should not get here');
    expect(errorLine(second)).toBe(`${DRIVER}: error: another build is running in this checkout (PID ${pid}: ${DRIVER} --ci build); `
      + `wait for it to finish or stop it with 'kill ${pid}', then rerun`);

    // The holder exits (release on exit): the lock is free and its file gone.
    first.stdin.write('\n');
    first.stdin.end();
    await new Promise((resolve) => first.on('exit', resolve));
    expect(existsSync(join(dir, 'build/.lock'))).toBe(false);
    const third = driverRun(dir, 'take_checkout_lock; echo "locked"; cat build/.lock; release_checkout_lock; ls -A build');
    expect(third.status).toBe(0);
    expect(third.stdout).toMatch(new RegExp(`^locked\\n\\d+ ${DRIVER} --ci build\\n$`));
  });

  test('a run that cannot take the lock leaves the holder\'s file alone', () => {
    const dir = folder();
    mkdirSync(join(dir, 'build'));
    writeFileSync(join(dir, 'build/.lock'), `1 ${DRIVER} build\n`);
    // The lock is held by a flock of another process on the same file.
    const holder = spawn('flock', [join(dir, 'build/.lock'), 'sleep', '30'], { stdio: 'ignore' });
    try {
      spawnSync('sleep', ['0.5']);
      const run = driverRun(dir, 'start_run_handling; take_checkout_lock');
      expect(run.status).toBe(E.locked.code);
      expect(readFileSync(join(dir, 'build/.lock'), 'utf8')).toBe(`1 ${DRIVER} build\n`);
    } finally {
      holder.kill();
    }
  });

  test('a lock file removed by its holder while a run opens it: that run locks the new file, not the removed one', () => {
    const dir = folder();
    mkdirSync(join(dir, 'build'));
    // flock succeeds once on the old (removed) file; the run must see that and lock the new file.
    const run = driverRun(dir, `
flock() { if [[ -z "\${FIRST:-}" ]]; then FIRST=1; rm build/.lock; fi; command flock "$@"; }
take_checkout_lock
[[ build/.lock -ef /dev/fd/\${LOCK_FD} ]] && echo "holds the file at build/.lock"`);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('holds the file at build/.lock\n');
  });

  test('a lock file left by a killed run (its PID gone) is taken over with a notice', () => {
    const dir = folder();
    mkdirSync(join(dir, 'build'));
    const dead = spawnSync('bash', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim();
    writeFileSync(join(dir, 'build/.lock'), `${dead} ${DRIVER} build_base\n`);
    const run = driverRun(dir, 'take_checkout_lock; echo "took it"');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`Notice: took over ./build/.lock from an earlier run that ended without releasing it (PID ${dead}: ${DRIVER} build_base).`);
    expect(run.stdout).toContain('took it');
    // The notice is the first line of this run in the build log, which only the lock holder writes.
    expect(readFileSync(join(dir, 'build/build.log'), 'utf8')).toContain('Notice: took over');
  });

  test('without the lock the build log is not written (dry runs, shell); with it, it is', () => {
    const dir = folder();
    mkdirSync(join(dir, 'build'));
    expect(driverRun(dir, 'say "not logged"').status).toBe(0);
    expect(existsSync(join(dir, 'build/build.log'))).toBe(false);
    expect(driverRun(dir, 'take_checkout_lock; say "logged"').status).toBe(0);
    expect(readFileSync(join(dir, 'build/build.log'), 'utf8')).toBe('logged\n');
  });
});

/** The text of a bash script that sources the driver snippets and runs `lines` (for a long-lived process). */
function runScriptText(lines: string[]): string {
  return [
    'set -euo pipefail',
    ...exitCodeData(),
    ...Object.entries(MODEL).map(([k, v]) => `${k}=${shellWord(v)}`),
    ...BASE.map((s) => `source ${shellWord(join(SNIPPETS_DIR, `${s}.sh`))}`),
    'trap release_checkout_lock EXIT',
    ...lines,
  ].join('\n');
}

describe('driver-package.sh: verify_package (in the staging folder)', () => {
  function verify(change: (staged: string) => void): BashRun {
    const dir = checkoutWithStagedPackage();
    change(join(dir, 'build/.package-unit-1'));
    return driverRun(dir, 'verify_package; echo verified');
  }

  test('a complete package passes', () => {
    expect(verify(() => undefined).stdout).toBe('verified\n');
  });

  test.each<[string, (staged: string) => void, string]>([
    ['an empty checksum', (s) => writeFileSync(join(s, 'desktop-app-linux.tar.gz.sha256'), ''),
      './dist/desktop-app-linux.tar.gz.sha256 is missing or empty after writing it; see ./build/desktop-app.log, check the free space (df -h .), then rerun; ./dist is unchanged'],
    ['a missing checksum', (s) => spawnSync('rm', [join(s, 'desktop-app-linux.tar.gz.sha256')]),
      './dist/desktop-app-linux.tar.gz.sha256 is missing or empty after writing it; see ./build/desktop-app.log, check the free space (df -h .), then rerun; ./dist is unchanged'],
    ['an empty tarball', (s) => writeFileSync(join(s, 'desktop-app-linux.tar.gz'), ''),
      'the packager reported success but ./dist/desktop-app-linux.tar.gz is missing or empty; see ./build/desktop-app.log; ./dist is unchanged'],
    ['a mismatched checksum', (s) => writeFileSync(join(s, 'desktop-app-linux.tar.gz'), 'another tarball'),
      './dist/desktop-app-linux.tar.gz.sha256 does not match ./dist/desktop-app-linux.tar.gz; rebuild the package; ./dist is unchanged'],
  ])('%s fails verification, naming the file', (_what, change, message) => {
    const run = verify(change);
    expect(run.status).toBe(E.verification.code);
    expect(errorLine(run)).toBe(`${DRIVER}: error: ${message}`);
  });
});

describe('driver-package.sh: commit_package (the staged package moves into ./dist)', () => {
  test('replaces the package\'s entries in ./dist, keeps the user\'s other files, leaves nothing behind', () => {
    const dir = checkoutWithStagedPackage();
    const staged = treeSnapshot(join(dir, 'build/.package-unit-1'));
    const usersFile = treeSnapshot(join(dir, 'dist')).filter((p) => p.startsWith('notes.txt '));
    const run = driverRun(dir, 'commit_package; echo "${DIST_STATE}"');
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('./dist holds the new package');
    expect(usersFile).toHaveLength(1);
    expect(treeSnapshot(join(dir, 'dist'))).toEqual([...staged, ...usersFile].sort());
    expect(readdirSync(join(dir, 'build'))).toEqual(['.package-unit-1']);
    expect(readdirSync(join(dir, 'build/.package-unit-1'))).toEqual([]);
  });

  test('a move that fails half-way puts ./dist back as it was and names the file', () => {
    const dir = checkoutWithStagedPackage();
    const before = treeSnapshot(join(dir, 'dist'));
    // mv fails for the second entry that moves into ./dist (after one new entry is in place);
    // move_entry runs mv in a subshell, so the count is kept in a file.
    const run = driverRun(dir, `
mv() {
  if [[ "\${*: -1}" == dist/* && "\${*: -2:1}" == build/.package-* ]]; then
    echo >>moves
    if [[ $(wc -l <moves) == 2 ]]; then echo "mv: cannot move '\${*: -2:1}' to '\${*: -1}': No space left on device" >&2; return 1; fi
  fi
  command mv "$@"
}
commit_package`);
    expect(run.status).toBe(E.write.code);
    expect(errorLine(run)).toMatch(new RegExp(`^${DRIVER}: error: could not write \\./dist/\\S+: No space left on device; free space on its file system \\(df -h \\./dist\\) or make it writable, then rerun; \\./dist is unchanged$`));
    expect(treeSnapshot(join(dir, 'dist'))).toEqual(before);
    expect(existsSync(join(dir, 'build/.replaced-unit-1'))).toBe(false);
  });

  mountTest('a read-only ./dist at the time of the move: ./dist unchanged, the file named (real read-only mount)', () => {
    const dir = checkoutWithStagedPackage();
    const before = treeSnapshot(join(dir, 'dist'));
    const run = driverRun(dir, `mount --bind -o ro dist dist; commit_package`, {}, ['unshare', '-m']);
    expect(run.status).toBe(E.write.code);
    expect(errorLine(run)).toMatch(new RegExp(`^${DRIVER}: error: could not write \\./dist/\\S+: Read-only file system; free space on its file system \\(df -h \\./dist\\) or make it writable, then rerun; \\./dist is unchanged$`));
    expect(treeSnapshot(join(dir, 'dist'))).toEqual(before);
  });

  test('a SIGTERM during the move waits for it, then ends the run saying ./dist holds the new package', () => {
    const dir = checkoutWithStagedPackage();
    const staged = treeSnapshot(join(dir, 'build/.package-unit-1'));
    const run = driverRun(dir, `
start_run_handling
OWNS_STAGING=1
mv() { if [[ -z "\${SENT:-}" ]]; then SENT=1; kill -TERM $$; fi; command mv "$@"; }
commit_package
echo "not reached"`);
    expect(run.status).toBe(E.terminated.code);
    expect(run.stdout).not.toContain('not reached');
    expect(errorLine(run)).toBe(`${DRIVER}: interrupted (SIGTERM); no container of run unit-1 was left; ./dist holds the new package`);
    expect(treeSnapshot(join(dir, 'dist')).filter((p) => !p.startsWith('notes.txt'))).toEqual(staged);
  });
});

describe('write failures name the file and the fix (driver-log.sh, driver-settings.sh)', () => {
  mountTest('a full disk under ./build: the lock file that cannot be written is named, not a raw bash error', () => {
    const dir = folder();
    mkdirSync(join(dir, 'build'));
    const run = driverRun(dir, `mount -t tmpfs -o size=4k tmpfs build
head -c 4096 /dev/zero >build/filler
take_checkout_lock
say "a progress line"`, {}, ['unshare', '-m']);
    expect(run.status).toBe(E.write.code);
    expect(run.stderr.trim().split('\n')).toEqual([
      `${DRIVER}: error: could not write ./build/.lock: No space left on device; free space on its file system (df -h ./build) or make it writable, then rerun`,
    ]);
  });

  mountTest('a full disk: a log line that does not fit is named', () => {
    const dir = folder();
    mkdirSync(join(dir, 'build'));
    const run = driverRun(dir, `mount -t tmpfs -o size=8k tmpfs build
take_checkout_lock
head -c 4096 /dev/zero >build/filler
say "a progress line"`, {}, ['unshare', '-m']);
    expect(run.status).toBe(E.write.code);
    expect(run.stderr.trim()).toBe(`${DRIVER}: error: could not write ./build/build.log: No space left on device; free space on its file system (df -h ./build) or make it writable, then rerun`);
  });

  mountTest.each([['dist'], ['build']])('a read-only ./%s is refused before any work, naming the folder', (name) => {
    const dir = folder();
    mkdirSync(join(dir, name));
    const run = driverRun(dir, `mount --bind -o ro ${name} ${name}; HOST_UID=1000 HOST_GID=1000; prepare_output_dirs; echo "not reached"`, {}, ['unshare', '-m']);
    expect(run.status).toBe(E.write.code);
    expect(run.stderr.trim()).toBe(`${DRIVER}: error: ./${name} is not writable (read-only file system); make it writable (remount it read-write or fix its owner), then rerun`);
  });

  mountTest('a read-only checkout: creating .env names it', () => {
    const dir = folder();
    const run = driverRun(dir, 'mount --bind -o ro . .; cd .; cd "$PWD"; unset HOST_UID HOST_GID; resolve_ids', {}, ['unshare', '-m']);
    expect(run.status).toBe(E.write.code);
    expect(run.stderr.trim()).toBe(`${DRIVER}: error: could not write ./.env: Read-only file system; free space on its file system (df -h ./.) or make it writable, then rerun`);
  });
});

describe('driver-exit.sh: on_signal', () => {
  test('removes the run\'s containers (label and package name), kills the running command, ends with one line', () => {
    const dir = folder();
    // A docker client that records its calls: the run has one labelled container besides the package container.
    const fake = join(dir, 'docker');
    writeFileSync(fake, `#!/usr/bin/env bash
echo "$*" >>"${dir}/calls"
case "$1 $2" in
  "ps --all") echo desktop-app_base_probe ;;
  "container inspect") exit 0 ;;
esac
`, { mode: 0o755 });
    const run = driverRun(dir, `start_run_handling
sleep 30 & wait_for_command`, { DOCKER: fake }, ['timeout', '--preserve-status', '-s', 'INT', '1']);
    expect(run.status).toBe(E.interrupted.code);
    expect(run.stderr.trim()).toBe(`${DRIVER}: interrupted (SIGINT); removed containers desktop-app_base_probe desktop-app_package_unit-1; ./dist unchanged`);
    const calls = readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n');
    expect(calls).toEqual([
      'ps --all --filter label=dev.staged-build.example.run-id=unit-1 --format {{.Names}}',
      'container inspect desktop-app_package_unit-1',
      'rm --force desktop-app_base_probe desktop-app_package_unit-1',
    ]);
  });
});
