import { spawnSync } from 'child_process';
import { chmodSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { runSnippets } from './support/bash';
import { REPO_ROOT } from './support/project';
import { tempFolder } from './support/temp';
import { BUILDERS } from '../src/docs/engine-doc';

/*
 * The engine and the builder, chosen once per run (engine.sh's engine_of, driver-settings.sh's
 * choose_builder), and what each builder is given (driver-build.sh, through the dry run). The
 * clients here are small programs that answer `version` as Docker's and Podman's do; the real
 * engines are run by test/e2e/podman.test.ts and the other e2e tests.
 */

const EXAMPLE_DRIVER = join(REPO_ROOT, 'examples', 'desktop-app', 'bin', 'docker.sh');

/** Client `version` outputs, as Debian's docker 20.10, Docker's 28.x and podman 4.3 print them. */
const VERSION_OUTPUT = {
  podman: 'Client:       Podman Engine\nVersion:      4.3.1\nAPI Version:  4.3.1\n',
  docker: 'Client:\n Version:           20.10.24+dfsg1\n API version:       1.41\n',
  dockerCe: 'Client: Docker Engine - Community\n Version:           28.1.1\n',
};

/** A client that answers `version` with OUTPUT, `buildx version` per BUILDX, and `info` with 0. */
function fakeClient(output: string, buildx = false): string {
  const file = join(tempFolder('engine-client'), 'client');
  writeFileSync(file, [
    '#!/usr/bin/env bash',
    'case "$1 ${2-}" in',
    `  "version "*) printf '%s' ${JSON.stringify(output)} ;;`,
    `  "buildx version") exit ${buildx ? 0 : 1} ;;`,
    '  "info "*) exit 0 ;;',
    '  *) echo "unexpected call: $*" >&2; exit 99 ;;',
    'esac',
    '',
  ].join('\n'));
  chmodSync(file, 0o755);
  return file;
}

function chooseBuilder(client: string, vars: Record<string, string> = {}, env: Record<string, string> = {}) {
  return runSnippets(['driver-log', 'engine', 'driver-settings', 'driver-cli'], 'choose_builder; printf "%s %s %s %s\\n" "${ENGINE}" "${BUILDER}" "${DOCKER_BUILDKIT}" "${CACHE_MOUNTS}"; builder_title', {
    cwd: tempFolder('engine'),
    vars: { DOCKER: client, PIPELINE_TITLE: 'Example', DRIVER_PATH: './bin/docker.sh', ...vars },
    env,
  });
}

describe('engine_of tells Podman from Docker by what the client says', () => {
  test.each([
    ['podman', VERSION_OUTPUT.podman, 'podman'],
    ["Debian's docker", VERSION_OUTPUT.docker, 'docker'],
    ["Docker's docker-ce", VERSION_OUTPUT.dockerCe, 'docker'],
    ['a client that prints nothing', '', 'docker'],
  ])('%s', (_what, output, engine) => {
    const run = runSnippets(['engine'], 'engine_of "$CLIENT"', { cwd: tempFolder('engine'), vars: { CLIENT: fakeClient(output) } });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(`${engine}\n`);
  });

  const realPodman = spawnSync('podman', ['--version']).status === 0 ? test : test.skip;
  realPodman('the real podman client is Podman', () => {
    expect(runSnippets(['engine'], 'engine_of podman', { cwd: tempFolder('engine') }).stdout).toBe('podman\n');
  });
});

describe('choose_builder: one builder per run, from the engine', () => {
  test('Podman builds with buildah, whatever DOCKER_BUILDKIT says, from the plain Dockerfiles', () => {
    for (const buildkit of ['', '0', '1']) {
      const run = chooseBuilder(fakeClient(VERSION_OUTPUT.podman, true), {}, { DOCKER_BUILDKIT: buildkit });
      expect(run.stderr).toBe('');
      expect(run.stdout).toBe('podman buildah 0 0\nbuildah (Podman)');
    }
  });

  test('Docker: BuildKit (with the cache-mount renderings) with buildx or DOCKER_BUILDKIT=1, else the legacy builder (plain renderings)', () => {
    expect(chooseBuilder(fakeClient(VERSION_OUTPUT.docker, true)).stdout).toBe('docker buildkit 1 1\nBuildKit');
    expect(chooseBuilder(fakeClient(VERSION_OUTPUT.docker, false)).stdout).toBe('docker legacy 0 0\nlegacy builder');
    expect(chooseBuilder(fakeClient(VERSION_OUTPUT.docker, false), {}, { DOCKER_BUILDKIT: '1' }).stdout).toBe('docker buildkit 1 1\nBuildKit');
  });

  test('the docs list exactly the builders choose_builder chooses', () => {
    const settings = readFileSync(join(REPO_ROOT, 'src', 'shell', 'snippets', 'driver-settings.sh'), 'utf8');
    const chosen = [...settings.matchAll(/BUILDER=(?:\$\(.*echo (\w+) \|\| echo (\w+)\)|(\w+))/g)].flatMap((m) => m.slice(1).filter(Boolean));
    expect([...new Set(chosen)].sort()).toEqual(BUILDERS.map((b) => b.id).sort());
  });
});

describe('what the driver gives each builder (the dry run of the example with each client)', () => {
  function plan(client: string): string[][] {
    const run = spawnSync(EXAMPLE_DRIVER, ['--ci', '--dry-run', '--registry', '127.0.0.1:5000', 'build'], {
      cwd: join(REPO_ROOT, 'examples', 'desktop-app'), encoding: 'utf8', env: { ...process.env, DOCKER: client, DOCKER_BUILDKIT: '' },
    });
    expect(run.status).toBe(0);
    return run.stdout.split('\n').filter((l) => l.startsWith('+ ') && / build /.test(l)).map((l) => l.split(' '));
  }

  test('buildah (Podman) gets the legacy builder\'s options: no --progress, no inline cache, no --cache-from', () => {
    const builds = plan(fakeClient(VERSION_OUTPUT.podman, true));
    expect(builds).toHaveLength(3);
    for (const words of builds) {
      expect(words).toContain('--force-rm');
      expect(words.filter((w) => /^--progress|^--cache-from$|BUILDKIT_INLINE_CACHE/.test(w))).toEqual([]);
    }
  });

  test('BuildKit (Docker with buildx) gets --progress, the inline cache and the registry as cache', () => {
    for (const words of plan(fakeClient(VERSION_OUTPUT.docker, true))) {
      expect(words).toEqual(expect.arrayContaining(['--progress=plain', 'BUILDKIT_INLINE_CACHE=1', '--cache-from']));
      expect(words).not.toContain('--force-rm');
    }
  });
});
