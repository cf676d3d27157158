import { spawnSync } from 'child_process';
import { readdirSync, writeFileSync } from 'fs';
import { join } from 'path';
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
    const headers = result.stdout.split('\n').filter((l) => l.startsWith('==> '));
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
    expect(verbs).toEqual(['build', 'build', 'build', 'create', 'start', 'cp', 'cp', 'rm']);
    expect(commands.find((c) => c[1] === 'cp' && c[2].endsWith(':/app/dist/.'))).toBeDefined();
    expect(commands.find((c) => c[1] === 'cp' && c[2].endsWith(':/app/build/airunner.log'))).toBeDefined();
  });

  test('warns about the missing inputs of AiRunner instead of failing the plan', () => {
    expect(result.stdout).toContain("# warning: stage runtime copies 'setup.py', which is missing");
    expect(result.stdout).toContain("# warning: stage package copies 'src/airunner/main.py', which is missing");
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

  test('no command prints the usage to stderr and exits 2', () => {
    const result = run(EXAMPLE_DRIVER, []);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^Usage: \.\/bin\/docker\.sh \[--ci\] \[--dry-run\] <command>/);
    for (const command of ['build_base', 'build_runtime', 'build_package', 'build', 'shell', 'clean', 'help']) {
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
    expect(result.status).toBe(2);
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
    expect(run(EXAMPLE_DRIVER, ['--dry-run', 'build'], { DOCKER_BUILDKIT: 'yes' }).stderr).toMatch(/DOCKER_BUILDKIT='yes' must be 0 or 1/);
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

    test('a non-numeric ID is an error naming the variable and where to fix it', () => {
      writeFileSync(envFile, 'HOST_UID=me\n');
      const result = run(EXAMPLE_DRIVER, ['--dry-run', 'build_base']);
      expect(result.status).toBe(1);
      expect(result.stderr.trim()).toBe("./bin/docker.sh: error: HOST_UID='me' is not a number; fix it in the environment or in .env");
    });
  });

  test('clean selects by the pipeline label only', () => {
    const result = run(EXAMPLE_DRIVER, ['--dry-run', 'clean']);
    expect(result.stdout).toContain('ps --all --quiet --filter label=dev.staged-build.example.pipeline=desktop-app');
    expect(result.stdout).toContain('images --all --quiet --filter label=dev.staged-build.example.pipeline=desktop-app');
  });

  test('a missing docker client is named in one line', () => {
    const result = run(EXAMPLE_DRIVER, ['build_base'], { DOCKER: '/nonexistent/docker' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe("./bin/docker.sh: error: docker client '/nonexistent/docker' not found; install Docker or set DOCKER=/path/to/docker");
  });
});
