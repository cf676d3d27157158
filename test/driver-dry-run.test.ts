import { spawnSync } from 'child_process';
import { readdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { DRIVER_EXIT_CODES, driverExitCodes } from '../src/shell/exit-codes';
import { presetProject } from './support/project';

/*
 * The generated drivers, run with --dry-run: argument handling and the difference between
 * the modes, read from the docker commands they print. No engine is needed.
 */

const project = presetProject();
project.synth();
const AIRUNNER_DRIVER = join(project.outdir, 'src/airunner/bin/docker.sh');
const EXAMPLE_ROOT = join(project.outdir, 'examples/desktop-app');
const EXAMPLE_DRIVER = join(EXAMPLE_ROOT, 'bin/docker.sh');

interface Run { status: number | null; stdout: string; stderr: string }

function run(driver: string, args: string[], env: Record<string, string> = {}): Run {
  const base = { ...process.env };
  for (const key of ['HOST_UID', 'HOST_GID', 'DOCKER', 'DOCKER_BUILDKIT', 'BUILD_RUN_ID']) delete base[key];
  const result = spawnSync(driver, args, { encoding: 'utf8', env: { ...base, DOCKER: 'docker', DOCKER_BUILDKIT: '0', ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The docker command lines the driver printed (lines starting with "+ "), as word lists. */
function dockerCommands(output: string): string[][] {
  return output.split('\n').filter((l) => l.startsWith('+ ')).map((l) => l.slice(2).split(' '));
}

/** Any way of giving a container a host path: -v, --volume, --mount (bind or otherwise), or a src:dst spec. */
function mountFlags(words: string[]): string[] {
  return words.filter((w, i) => w === '-v' || w.startsWith('--volume') || w.startsWith('--mount') || w.startsWith('type=bind') || (i > 0 && words[i - 1] === '-v'));
}

function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).sort();
}

describe('docker.sh --ci --dry-run build', () => {
  const result = run(AIRUNNER_DRIVER, ['--ci', '--dry-run', 'build']);
  const commands = dockerCommands(result.stdout);

  test('exits 0 and shows the three stages in order', () => {
    expect(result.status).toBe(0);
    const headers = result.stdout.split('\n').filter((l) => /^==> \[\d\/\d\] /.test(l));
    expect(headers.map((h) => h.split(' ')[2].replace(':', ''))).toEqual(['base', 'runtime', 'package']);
  });

  test('builds the CI images named in the specification, each FROM the previous one', () => {
    const builds = commands.filter((c) => c[1] === 'build');
    const tags = builds.map((c) => c[c.indexOf('--tag') + 1]);
    expect(tags).toEqual([
      'ghcr.io/capsize-games/airunner/airunner:linux_ci',
      'ghcr.io/capsize-games/airunner/airunner:linux_build_runtime_ci',
      'ghcr.io/capsize-games/airunner/airunner:linux_package_ci',
    ]);
    expect(builds[1]).toContain('BASE_IMAGE=ghcr.io/capsize-games/airunner/airunner:linux_ci');
    expect(builds[2]).toContain('RUNTIME_IMAGE=ghcr.io/capsize-games/airunner/airunner:linux_build_runtime_ci');
    expect(builds.map((c) => c[c.indexOf('--file') + 1])).toEqual(['package/linux/Dockerfile.base', 'package/linux/Dockerfile.runtime', 'package/linux/Dockerfile.package']);
  });

  test('uses no mount of any kind, and copies the package out with docker create + docker cp', () => {
    expect(commands.length).toBeGreaterThan(5);
    for (const command of commands) expect(mountFlags(command)).toEqual([]);
    expect(result.stdout).not.toMatch(/--volume|--mount|type=bind|\s-v\s/);
    const verbs = commands.map((c) => c[1]);
    // The package container, then the smoke check's: the tarball copied in, never mounted.
    expect(verbs).toEqual(['build', 'build', 'build', 'create', 'start', 'cp', 'cp', 'rm', 'create', 'cp', 'start', 'rm']);
    expect(commands.find((c) => c[1] === 'cp' && c[2].endsWith(':/app/dist/.'))).toBeDefined();
    expect(commands.find((c) => c[1] === 'cp' && c[2].endsWith(':/app/build/airunner.log'))).toBeDefined();
  });

  test('warns about the missing inputs of AiRunner instead of failing the plan', () => {
    expect(result.stdout).toContain("# warning: stage runtime copies 'setup.py', which is missing");
    // The entry script is inside src/, one input of the package stage (stage_inputs lists no path twice): the preflight names it.
    expect(result.stdout).toContain('# preflight: [stage package] warning: the entry script src/airunner/main.py is missing');
  });
});

describe('standard mode', () => {
  test('runs the packager in the runtime image with the repository mounted, as HOST_UID:HOST_GID', () => {
    const result = run(EXAMPLE_DRIVER, ['--dry-run', 'build_package'], { HOST_UID: '1234', HOST_GID: '2345' });
    expect(result.status).toBe(0);
    const [packageRun] = dockerCommands(result.stdout).filter((c) => c[1] === 'run');
    expect(packageRun).toContain('--volume');
    expect(packageRun[packageRun.indexOf('--volume') + 1]).toBe(`${EXAMPLE_ROOT}:/app`);
    expect(packageRun[packageRun.indexOf('--user') + 1]).toBe('1234:2345');
    expect(packageRun).toContain('local/desktop-app:runtime');
    expect(packageRun.slice(-2)).toEqual(['bash', 'package/linux/package.sh']);
  });

  test('tags images without the _ci suffix', () => {
    const result = run(AIRUNNER_DRIVER, ['--dry-run', 'build_runtime']);
    const [build] = dockerCommands(result.stdout);
    expect(build[build.indexOf('--tag') + 1]).toBe('ghcr.io/capsize-games/airunner/airunner:linux_build_runtime');
    expect(build).toContain('BASE_IMAGE=ghcr.io/capsize-games/airunner/airunner:linux');
  });
});

describe('arguments', () => {
  test('flags work in any order', () => {
    const a = run(EXAMPLE_DRIVER, ['--ci', '--dry-run', 'build'], { BUILD_RUN_ID: 'fixed' });
    const b = run(EXAMPLE_DRIVER, ['build', '--dry-run', '--ci'], { BUILD_RUN_ID: 'fixed' });
    expect(a.status).toBe(0);
    expect(b.stdout).toBe(a.stdout);
  });

  test('no command prints the usage to stderr and exits with the usage status', () => {
    const result = run(EXAMPLE_DRIVER, []);
    expect(result.status).toBe(DRIVER_EXIT_CODES.usage.code);
    expect(result.stderr).toMatch(/^Usage: \.\/bin\/docker\.sh \[--ci\] \[--dry-run\] \[--registry HOST\[:PORT\]\] <command> \[STAGE\.\.\.\]/);
    for (const command of ['build_base', 'build_runtime', 'build_package', 'build', 'smoke', 'push', 'promote', 'pull', 'pull_or_build', 'shell', 'clean', 'help']) {
      expect(result.stderr).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
  });

  test.each([['--help'], ['-h'], ['help']])('%s prints the usage to stdout and exits 0', (flag) => {
    const result = run(EXAMPLE_DRIVER, [flag]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: /);
  });

  test.each<[string[], RegExp]>([
    [['build_nothing'], /error: unknown stage 'nothing' \(stages: base runtime package\)/],
    [['deploy'], /error: unknown command 'deploy'/],
    [['--fast', 'build'], /error: unknown option '--fast'/],
    [['build_base', 'build_runtime'], /error: one command at a time \(got 'build_base' and 'build_runtime'\)/],
  ])('%j is a usage error with a one-line message', (args, message) => {
    const result = run(EXAMPLE_DRIVER, ['--dry-run', ...args]);
    expect(result.status).toBe(DRIVER_EXIT_CODES.usage.code);
    expect(result.stderr.split('\n')[0]).toMatch(message);
    expect(result.stderr).toContain("Run './bin/docker.sh --help' for usage.");
  });

  test('a dry run writes nothing (no .env, no dist, no build, no log)', () => {
    const before = listing(EXAMPLE_ROOT);
    for (const args of [['--ci', '--dry-run', 'build'], ['--dry-run', 'build'], ['--dry-run', 'clean'], ['--dry-run', 'shell']]) {
      expect(run(EXAMPLE_DRIVER, args).status).toBe(0);
    }
    expect(listing(EXAMPLE_ROOT)).toEqual(before);
  });
});

describe('several platforms: BUILD_PLATFORM, merge and promote_merged', () => {
  const image = 'ghcr.io/capsize-games/airunner/airunner:linux_ci';
  const tagOf = (words: string[]) => words.filter((_, i) => words[i - 1] === '--tag');

  test('BUILD_PLATFORM reaches every build as --platform, and every image and input tag ends in the architecture', () => {
    const result = run(AIRUNNER_DRIVER, ['--ci', '--dry-run', 'build_base'], { BUILD_PLATFORM: 'linux/arm64' });
    expect(result.status).toBe(0);
    const build = dockerCommands(result.stdout).find((c) => c[1] === 'build')!;
    expect(build[build.indexOf('--platform') + 1]).toBe('linux/arm64');
    expect(tagOf(build)).toEqual([`${image}-arm64`, expect.stringMatching(new RegExp(`^${image.replace(/[.:/]/g, '\\$&')}-arm64-[0-9a-f]{12}$`))]);
    const push = dockerCommands(run(AIRUNNER_DRIVER, ['--ci', '--dry-run', 'push', 'base'], { BUILD_PLATFORM: 'linux/arm64' }).stdout).find((c) => c[1] === 'push')!;
    expect(push[2]).toBe(tagOf(build)[1]);
  });

  test('without BUILD_PLATFORM, no --platform and the plain tags (one platform, as before)', () => {
    const build = dockerCommands(run(AIRUNNER_DRIVER, ['--ci', '--dry-run', 'build_base']).stdout).find((c) => c[1] === 'build')!;
    expect(build).not.toContain('--platform');
    expect(tagOf(build)[0]).toBe(image);
  });

  test('merge joins the per-platform input tags into the plain input tag; promote_merged points the moving tag at it', () => {
    const platforms = { BUILD_PLATFORMS: 'linux/amd64 linux/arm64' };
    const hashed = (platform: string) => tagOf(dockerCommands(run(AIRUNNER_DRIVER, ['--ci', '--dry-run', 'build_base'], { BUILD_PLATFORM: platform }).stdout).find((c) => c[1] === 'build')!)[1];
    const hash = hashed('linux/amd64').slice(-12);
    expect(hashed('linux/arm64').slice(-12)).toBe(hash);
    const merge = run(AIRUNNER_DRIVER, ['--ci', '--dry-run', 'merge', 'base'], platforms);
    expect(merge.status).toBe(0);
    // The docker client's manifest command (no Buildx); a registry that is not loopback gets no --insecure.
    expect(dockerCommands(merge.stdout)).toEqual([
      ['docker', 'manifest', 'create', '--amend', `${image}-${hash}`, hashed('linux/amd64'), hashed('linux/arm64')],
      ['docker', 'manifest', 'push', '--purge', `${image}-${hash}`],
    ]);
    const promote = run(AIRUNNER_DRIVER, ['--ci', '--dry-run', 'promote_merged', 'base'], platforms);
    expect(dockerCommands(promote.stdout)).toEqual([
      ['docker', 'manifest', 'create', '--amend', image, hashed('linux/amd64'), hashed('linux/arm64')],
      ['docker', 'manifest', 'push', '--purge', image],
    ]);
  });

  test('a loopback registry gets --insecure (the engine trusts it, the manifest command does not); another does not', () => {
    const platforms = { BUILD_PLATFORMS: 'linux/amd64' };
    for (const [registry, insecure] of [['127.0.0.1:5000', true], ['localhost:5000/team', true], ['registry.example.com:5000', false]] as const) {
      const merge = dockerCommands(run(AIRUNNER_DRIVER, ['--ci', '--dry-run', '--registry', registry, 'merge', 'base'], platforms).stdout)[0];
      expect({ registry, insecure: merge.includes('--insecure') }).toEqual({ registry, insecure });
    }
  });

  test.each<[string, Record<string, string>, string[], RegExp]>([
    ['a platform that is not linux/ARCH', { BUILD_PLATFORM: 'arm64' }, ['build_base'], /BUILD_PLATFORM='arm64' is not a platform; use linux\/amd64 or linux\/arm64/],
    ['merge without BUILD_PLATFORMS', {}, ['merge', 'base'], /merge needs BUILD_PLATFORMS/],
    ['digest without a stage', {}, ['digest'], /digest takes one stage/],
    ['merge inside one platform\'s build', { BUILD_PLATFORMS: 'linux/amd64 linux/arm64', BUILD_PLATFORM: 'linux/amd64' }, ['merge', 'base'], /and no BUILD_PLATFORM/],
    ['merge of a platform that is not linux/ARCH', { BUILD_PLATFORMS: 'linux/amd64 arm64' }, ['merge', 'base'], /BUILD_PLATFORMS names 'arm64', which is not a platform/],
    ['promote_merged without BUILD_PLATFORMS', {}, ['promote_merged', 'base'], /promote_merged needs BUILD_PLATFORMS/],
  ])('%s is refused in one line (status: settings, or usage for a missing operand)', (_, env, args, message) => {
    const result = run(AIRUNNER_DRIVER, ['--ci', '--dry-run', ...args], env);
    expect(result.stderr).toMatch(message);
    expect(result.status).toBe(args[0] === 'digest' ? DRIVER_EXIT_CODES.usage.code : DRIVER_EXIT_CODES.settings.code);
  });
});

describe('settings', () => {
  test('DOCKER selects the docker client', () => {
    const result = run(EXAMPLE_DRIVER, ['--ci', '--dry-run', 'build_base'], { DOCKER: '/opt/docker/bin/docker' });
    expect(dockerCommands(result.stdout)[0][0]).toBe('/opt/docker/bin/docker');
  });

  test('BuildKit adds plain progress; the legacy builder does not', () => {
    const buildkit = dockerCommands(run(EXAMPLE_DRIVER, ['--ci', '--dry-run', 'build_base'], { DOCKER_BUILDKIT: '1' }).stdout)[0];
    const legacy = dockerCommands(run(EXAMPLE_DRIVER, ['--ci', '--dry-run', 'build_base'], { DOCKER_BUILDKIT: '0' }).stdout)[0];
    expect(buildkit).toContain('--progress=plain');
    expect(legacy).not.toContain('--progress=plain');
    const invalid = run(EXAMPLE_DRIVER, ['--dry-run', 'build'], { DOCKER_BUILDKIT: 'yes' });
    expect(invalid.stderr).toMatch(/DOCKER_BUILDKIT='yes' must be 0 or 1/);
    expect(invalid.status).toBe(DRIVER_EXIT_CODES.settings.code);
  });

  describe('HOST_UID/HOST_GID precedence: environment, then .env, then id', () => {
    const envFile = join(EXAMPLE_ROOT, '.env');
    const idArgs = (r: Run) => dockerCommands(r.stdout)[0].filter((w) => /^HOST_[UG]ID=/.test(w));
    afterEach(() => spawnSync('rm', ['-f', envFile]));

    test('without .env, the current user (a real run would create .env; a dry run says so)', () => {
      const result = run(EXAMPLE_DRIVER, ['--dry-run', 'build_base']);
      const imageId = (id: number) => (id === 0 ? '1000' : String(id)); // the image user is never root
      expect(idArgs(result)).toEqual([`HOST_UID=${imageId(process.getuid!())}`, `HOST_GID=${imageId(process.getgid!())}`]);
      expect(result.stdout).toMatch(/\.env is missing; a real run creates it with HOST_UID=\d+ HOST_GID=\d+/);
    });

    test('.env over the current user', () => {
      writeFileSync(envFile, 'HOST_UID=2222\nHOST_GID="3333"\n');
      expect(idArgs(run(EXAMPLE_DRIVER, ['--dry-run', 'build_base']))).toEqual(['HOST_UID=2222', 'HOST_GID=3333']);
    });

    test('the environment over .env', () => {
      writeFileSync(envFile, 'HOST_UID=2222\nHOST_GID=3333\n');
      expect(idArgs(run(EXAMPLE_DRIVER, ['--dry-run', 'build_base'], { HOST_UID: '4444' }))).toEqual(['HOST_UID=4444', 'HOST_GID=3333']);
    });

    test('root IDs give the image user the default ID, never 0', () => {
      expect(idArgs(run(EXAMPLE_DRIVER, ['--dry-run', 'build_base'], { HOST_UID: '0', HOST_GID: '0' }))).toEqual(['HOST_UID=1000', 'HOST_GID=1000']);
    });

    test('a value in .env that is not a whole number is an error naming the file, the line and the fix', () => {
      writeFileSync(envFile, '# IDs\nHOST_GID=1000\nHOST_UID=me\n');
      const result = run(EXAMPLE_DRIVER, ['--dry-run', 'build_base']);
      expect(result.status).toBe(DRIVER_EXIT_CODES.settings.code);
      expect(result.stderr.trim()).toBe('./bin/docker.sh: error: ./.env line 3: HOST_UID=me is not a whole number; '
        + 'write it as HOST_UID=1000 (digits only, optionally in quotes), or remove the line');
    });

    test.each([['1 2'], ['"12"34'], ['12abc'], [''], ['"1000'], ['-5'], ['1e3']])('.env HOST_UID=%s is refused (status: settings)', (value) => {
      writeFileSync(envFile, `HOST_UID=${value}\nHOST_GID=1000\n`);
      const result = run(EXAMPLE_DRIVER, ['--dry-run', 'build_base']);
      expect(result.status).toBe(DRIVER_EXIT_CODES.settings.code);
      expect(result.stderr).toContain('./.env line 1: HOST_UID=');
      expect(dockerCommands(result.stdout)).toEqual([]);
    });

    test.each([['"2222"'], ["'2222'"], [' 2222 '], ['2222\r']])('.env HOST_UID=%j is read as 2222', (value) => {
      writeFileSync(envFile, `HOST_UID=${value}\nHOST_GID=3333\n`);
      expect(idArgs(run(EXAMPLE_DRIVER, ['--dry-run', 'build_base']))).toEqual(['HOST_UID=2222', 'HOST_GID=3333']);
    });

    test('an ID in the environment that is not a whole number is an error naming the environment', () => {
      const result = run(EXAMPLE_DRIVER, ['--dry-run', 'build_base'], { HOST_GID: '12 34' });
      expect(result.status).toBe(DRIVER_EXIT_CODES.settings.code);
      expect(result.stderr.trim()).toBe("./bin/docker.sh: error: HOST_GID='12 34' (from the environment) is not a whole number from 0 to 4294967294; fix it in the environment");
    });

    test.each<[Record<string, string>, string]>([
      [{ HOST_UID: '00', HOST_GID: '000' }, 'env'],
      [{}, '.env'],
    ])('zeros written another way (%j from %s) are root too: the image user still gets the default ID', (env, where) => {
      if (where === '.env') writeFileSync(envFile, 'HOST_UID="00"\nHOST_GID=\'0\'\n');
      expect(idArgs(run(EXAMPLE_DRIVER, ['--dry-run', 'build_base'], env))).toEqual(['HOST_UID=1000', 'HOST_GID=1000']);
    });

    test('an ID beyond the 32-bit range is refused', () => {
      const result = run(EXAMPLE_DRIVER, ['--dry-run', 'build_base'], { HOST_UID: '4294967296' });
      expect(result.status).toBe(DRIVER_EXIT_CODES.settings.code);
      expect(result.stderr).toContain("HOST_UID='4294967296' (from the environment) is not a whole number from 0 to 4294967294");
    });
  });

  test('clean selects by the pipeline label only', () => {
    const result = run(EXAMPLE_DRIVER, ['--dry-run', 'clean']);
    expect(result.stdout).toContain('ps --all --quiet --filter label=dev.staged-build.example.pipeline=desktop-app');
    expect(result.stdout).toContain('images --all --quiet --filter label=dev.staged-build.example.pipeline=desktop-app');
  });

  test('a missing docker client is named in one line (status: prerequisite)', () => {
    const result = run(EXAMPLE_DRIVER, ['build_base'], { DOCKER: '/nonexistent/docker' });
    expect(result.status).toBe(DRIVER_EXIT_CODES.prerequisite.code);
    expect(result.stderr.trim()).toBe("./bin/docker.sh: error: docker client '/nonexistent/docker' not found; install Docker or set DOCKER=/path/to/docker");
  });
});

describe('exit statuses', () => {
  /** The "Exit status:" lines of --help, as [code, meaning]. */
  function helpExitCodes(): Array<[number, string]> {
    const help = run(EXAMPLE_DRIVER, ['--help']).stdout;
    const section = help.slice(help.indexOf('Exit status:\n') + 'Exit status:\n'.length).trimEnd().split('\n');
    return section.map((line) => {
      const m = /^ {2}(\d+) +(.*)$/.exec(line);
      if (!m) throw new Error(`not an exit status line: '${line}'`);
      return [Number(m[1]), m[2]];
    });
  }

  test('--help lists every status of the table, with its meaning, in order', () => {
    expect(helpExitCodes()).toEqual(driverExitCodes().map((c) => [c.code, c.meaning]));
  });

  test('the driver holds each status in its readonly variable (bash reads them back)', () => {
    const script = `source <(sed -n '/^# --- Exit statuses of the driver/,/^print_exit_codes/p' '${EXAMPLE_DRIVER}' | sed '$d')
${driverExitCodes().map((c) => `printf '%s=%s\\n' ${c.variable} "\${${c.variable}}"`).join('\n')}`;
    const result = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim().split('\n')).toEqual(driverExitCodes().map((c) => `${c.variable}=${c.code}`));
  });

  test('docs/BUILD.md has the same table (parsed from its markdown)', () => {
    const doc = readFileSync(join(EXAMPLE_ROOT, 'docs/BUILD.md'), 'utf8').split('\n');
    const start = doc.indexOf('| exit status | meaning |');
    expect(start).toBeGreaterThan(0);
    const rows: Array<[number, string]> = [];
    for (const line of doc.slice(start + 2)) {
      const m = /^\| (\d+) \| (.*) \|$/.exec(line);
      if (!m) break;
      rows.push([Number(m[1]), m[2]]);
    }
    expect(rows).toEqual(driverExitCodes().map((c) => [c.code, c.meaning]));
  });

  test('the codes are distinct, below 126 or 128 + a signal number', () => {
    const codes = driverExitCodes().map((c) => c.code);
    expect(new Set(codes).size).toBe(codes.length);
    expect([DRIVER_EXIT_CODES.hangup.code, DRIVER_EXIT_CODES.interrupted.code, DRIVER_EXIT_CODES.terminated.code]).toEqual([128 + 1, 128 + 2, 128 + 15]);
    for (const code of codes) expect(code < 126 || code > 128).toBe(true);
  });
});

describe('publishing: --registry, BUILD_REGISTRY, push, promote, pull, pull_or_build (dry runs)', () => {
  const REGISTRY = '127.0.0.1:5000/ci-7';
  const E = DRIVER_EXIT_CODES;
  const lastLine = (text: string): string => text.trim().split('\n').pop() ?? '';

  test('push with no stage pushes the published stages (base, runtime) under their input tags, nothing else', () => {
    const result = run(EXAMPLE_DRIVER, ['--ci', '--dry-run', 'push', '--registry', REGISTRY]);
    expect(result.status).toBe(0);
    const pushes = dockerCommands(result.stderr + result.stdout).filter((c) => c[1] === 'push');
    expect(pushes.map((c) => c[2])).toEqual([
      expect.stringMatching(/^127\.0\.0\.1:5000\/ci-7\/local\/desktop-app:base_ci-[0-9a-f]{12}$/),
      expect.stringMatching(/^127\.0\.0\.1:5000\/ci-7\/local\/desktop-app:runtime_ci-[0-9a-f]{12}$/),
    ]);
  });

  test('AiRunner: --registry replaces ghcr.io; base is pushed on the branch, runtime on a release', () => {
    const result = run(AIRUNNER_DRIVER, ['--ci', '--dry-run', '--registry', '127.0.0.1:5000', 'push']);
    expect(result.status).toBe(0);
    const pushed = dockerCommands(result.stderr + result.stdout).filter((c) => c[1] === 'push').map((c) => c[2]);
    expect(pushed).toHaveLength(2);
    for (const ref of pushed) expect(ref).toMatch(/^127\.0\.0\.1:5000\/capsize-games\/airunner\/airunner:linux_(ci|build_runtime_ci)-[0-9a-f]{12}$/);
    expect(result.stdout + result.stderr).not.toContain('ghcr.io');
  });

  test('BUILD_REGISTRY means the same as --registry; the option wins', () => {
    const byEnv = run(EXAMPLE_DRIVER, ['--ci', '--dry-run', 'push', 'base'], { BUILD_REGISTRY: REGISTRY });
    expect(byEnv.status).toBe(0);
    expect(byEnv.stderr + byEnv.stdout).toContain(`push ${REGISTRY}/local/desktop-app:base_ci-`);
    const both = run(EXAMPLE_DRIVER, ['--ci', '--dry-run', 'push', 'base', '--registry=127.0.0.1:6000'], { BUILD_REGISTRY: REGISTRY });
    expect(both.stderr + both.stdout).toContain('push 127.0.0.1:6000/local/desktop-app:base_ci-');
    expect(both.stderr + both.stdout).not.toContain(REGISTRY);
  });

  test('an image name without a registry is not pushed (Docker would take docker.io): settings status, naming the fix', () => {
    const result = run(EXAMPLE_DRIVER, ['--ci', '--dry-run', 'push']);
    expect(result.status).toBe(E.settings.code);
    expect(lastLine(result.stderr)).toMatch(/error: image local\/desktop-app:base_ci-[0-9a-f]{12} names no registry, so Docker would use docker\.io; give one with --registry HOST\[:PORT\] or BUILD_REGISTRY$/);
  });

  test.each<[string[], Record<string, string>, number, RegExp]>([
    [['--registry'], {}, E.usage.code, /--registry needs a value/],
    [['--registry', 'GHCR.io', 'push'], {}, E.settings.code, /--registry 'GHCR\.io' is not HOST\[:PORT\]\[\/PATH\] in lowercase/],
    [['push'], { BUILD_REGISTRY: 'http://x' }, E.settings.code, /BUILD_REGISTRY 'http:\/\/x' is not HOST\[:PORT\]/],
    [['pull'], {}, E.usage.code, /pull takes one stage/],
    [['pull', 'base', 'runtime'], {}, E.usage.code, /pull takes one stage/],
    [['pull_or_build'], {}, E.usage.code, /pull_or_build takes one stage/],
    [['push', 'nosuch'], {}, E.usage.code, /unknown stage 'nosuch' \(stages: base runtime package\)/],
    [['smoke', 'base'], {}, E.usage.code, /one command at a time \(got 'smoke' and 'base'\)/],
  ])('%j %j: status %d', (args, env, status, message) => {
    const result = run(EXAMPLE_DRIVER, ['--ci', '--dry-run', ...args], env);
    expect(result.status).toBe(status);
    // One error line (a usage error adds where to read the usage).
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toMatch(message);
    expect(lines.slice(1)).toEqual(status === E.usage.code ? ["Run './bin/docker.sh --help' for usage."] : []);
  });

  test('promote tags the input-tagged image with its moving tag and pushes that', () => {
    const result = run(EXAMPLE_DRIVER, ['--ci', '--dry-run', '--registry', REGISTRY, 'promote', 'base']);
    expect(result.status).toBe(0);
    const commands = dockerCommands(result.stderr + result.stdout);
    const tag = commands.find((c) => c[1] === 'tag')!;
    expect(tag[2]).toMatch(/:base_ci-[0-9a-f]{12}$/);
    expect(tag[3]).toBe(`${REGISTRY}/local/desktop-app:base_ci`);
    expect(commands.filter((c) => c[1] === 'push').map((c) => c[2])).toEqual([`${REGISTRY}/local/desktop-app:base_ci`]);
  });

  test('pull and pull_or_build pull the input tag; the dry run says when a real run would build', () => {
    const pull = run(EXAMPLE_DRIVER, ['--ci', '--dry-run', '--registry', REGISTRY, 'pull', 'runtime']);
    expect(pull.status).toBe(0);
    expect(dockerCommands(pull.stderr + pull.stdout).map((c) => c.slice(1, 3))).toEqual([
      ['pull', expect.stringMatching(/:runtime_ci-[0-9a-f]{12}$/)],
      ['tag', expect.stringMatching(/:runtime_ci-[0-9a-f]{12}$/)],
    ]);
    const either = run(EXAMPLE_DRIVER, ['--ci', '--dry-run', '--registry', REGISTRY, 'pull_or_build', 'runtime']);
    expect(either.status).toBe(0);
    expect(either.stdout).toMatch(/^# pull_or_build runtime: a real run builds the stage \(build_runtime\) only when the registry has no \S+:runtime_ci-[0-9a-f]{12}$/m);
  });

  test('BuildKit builds record the inline cache and use the registry\'s input tag, then moving tag, as cache; the legacy builder gets no --cache-from', () => {
    const kit = run(EXAMPLE_DRIVER, ['--ci', '--dry-run', '--registry', REGISTRY, 'build_base'], { DOCKER_BUILDKIT: '1' });
    expect(kit.status).toBe(0);
    const build = dockerCommands(kit.stderr + kit.stdout).find((c) => c[1] === 'build')!;
    const values = (flag: string): string[] => build.flatMap((w, i) => (build[i - 1] === flag ? [w] : []));
    expect(values('--build-arg')).toContain('BUILDKIT_INLINE_CACHE=1');
    expect(values('--cache-from')).toEqual([expect.stringMatching(new RegExp(`^${REGISTRY.replace(/[.]/g, '\\.')}/local/desktop-app:base_ci-[0-9a-f]{12}$`)), `${REGISTRY}/local/desktop-app:base_ci`]);
    expect(values('--tag')).toEqual([`${REGISTRY}/local/desktop-app:base_ci`, values('--cache-from')[0]]);
    const noRegistry = run(EXAMPLE_DRIVER, ['--ci', '--dry-run', 'build_base'], { DOCKER_BUILDKIT: '1' });
    expect(noRegistry.stderr + noRegistry.stdout).not.toContain('--cache-from');
    const legacy = run(EXAMPLE_DRIVER, ['--ci', '--dry-run', '--registry', REGISTRY, 'build_base'], { DOCKER_BUILDKIT: '0' });
    expect(legacy.status).toBe(0);
    expect(legacy.stderr + legacy.stdout).not.toContain('--cache-from');
    expect(legacy.stderr + legacy.stdout).not.toContain('BUILDKIT_INLINE_CACHE');
  });

  test('smoke: a fresh container of the base image, the package copied in (no mount), no network', () => {
    const result = run(EXAMPLE_DRIVER, ['--ci', '--dry-run', 'smoke']);
    expect(result.status).toBe(0);
    const commands = dockerCommands(result.stderr + result.stdout);
    expect(commands.map((c) => c[1])).toEqual(['create', 'cp', 'start', 'rm']);
    const create = commands[0];
    expect(create).toContain('local/desktop-app:base_ci');
    expect(create.join(' ')).toContain('--network none');
    expect(mountFlags(create)).toEqual([]);
    expect(commands[1].slice(2)).toEqual(['dist/desktop-app-linux.tar.gz', expect.stringMatching(/^desktop-app_smoke_\S+:\/tmp\/desktop-app-linux\.tar\.gz$/)]);
  });
});
