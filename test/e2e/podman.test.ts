import { chmodSync, readFileSync, statSync, writeFileSync } from 'fs';
import { join } from 'path';
import {
  copyExample, describeRun, expectFailure, expectSuccess, LABEL_PIPELINE, newRunId, PIPELINE, removeCopies,
  Run, runCommand, runScript, tail,
} from '../support/docker';
import { DRIVER_EXIT_CODES } from '../../src/shell/exit-codes';
import { ownRegistryPath, REGISTRY_HOST, registryManifest } from '../support/registry';
import { describeWithPodman, PODMAN, PODMAN_BASE_IMAGE, podmanImageId, podmanImageLabel, podmanImages, podmanOk } from '../support/podman';

/*
 * Podman as the engine: the example's generated driver, package step and test_ci_mode.sh, run for
 * real with DOCKER=podman (Debian's podman 4.3, buildah as the builder, its own image store), in a
 * temporary copy of examples/desktop-app: a standard-mode build (the package written through a
 * mount, as HOST_UID:HOST_GID), test_ci_mode.sh (a CI-mode build, its isolation proof from
 * Podman's event stream, labels, ownership, smoke check) passing, and failing on a bind mount
 * planted where only the event stream can see it, the smoke command, and `clean`, which must leave
 * Podman's store as it found it (the base image).
 *
 * Run under the shared lock: flock /tmp/staged-build-e2e.lock npx jest --ci --runInBand test/e2e/podman.test.ts
 * Podman is prepared by scripts/podman-engine.sh (scripts/docker-engine.sh runs it).
 */

jest.setTimeout(300_000);

const DRIVER = 'bin/docker.sh';
const VALIDATION = 'test_ci_mode.sh';
const RESULTS_LOG = 'ci_mode_test_results.log';
const ARTIFACT = 'dist/desktop-app-linux.tar.gz';
/** The stages standard mode builds images of (its package step runs in the runtime image, with a mount). */
const STANDARD_STAGES = ['base', 'runtime'];
/** IDs that are neither root's nor the image user's default, so that ownership is really checked. */
const IDS = { HOST_UID: '1234', HOST_GID: '2345' };
const ENV = { DOCKER: PODMAN, ...IDS };

function driver(copy: string, args: string[], env: Record<string, string> = {}): Run {
  return runScript(copy, DRIVER, args, { ...ENV, ...env });
}

/** The PASS/FAIL lines of the results log, without their timestamps, and its last line. */
function results(copy: string): { pass: string[]; fail: string[]; last: string; text: string } {
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

function checksOf(run: Run, text: string): string {
  return `${describeRun(run, 15)}\n--- checks ---\n${tail(text.split('\n').filter((l) => / (PASS|FAIL) /.test(l)).join('\n'), 80)}`;
}

/** Every file under dist/ (the folder too) with its owner, as "uid:gid path". */
function owners(copy: string): string[] {
  return expectSuccess(runCommand('find', ['dist', '-printf', '%U:%G %p\n'], { cwd: copy }), 'find dist').stdout.trim().split('\n');
}

describeWithPodman('The example pipeline with DOCKER=podman', () => {
  let copy: string;
  /** Podman's store before the tests (the base image, and anything not ours). */
  let storeBefore: string[];

  beforeAll(() => {
    podmanOk(['image', 'inspect', PODMAN_BASE_IMAGE]);
    copy = copyExample();
    // What an interrupted earlier run left (by the pipeline's label) goes first; the rest is the baseline.
    expectSuccess(driver(copy, ['clean']), `DOCKER=podman ${DRIVER} clean`);
    storeBefore = podmanImages();
  });
  afterAll(() => {
    // The driver's clean removes what carries the pipeline's label; it runs in the last test too.
    if (copy) driver(copy, ['clean']);
    removeCopies();
  });

  test('standard mode: buildah builds every stage into Podman\'s store, the package step writes ./dist through its mount as HOST_UID:HOST_GID', () => {
    const runId = newRunId('podman-standard');
    const build = expectSuccess(driver(copy, ['build'], { BUILD_RUN_ID: runId }), `DOCKER=podman ${DRIVER} build`);
    expect(build.stdout).toContain('build, standard mode, buildah (Podman), docker client podman, IDs 1234:2345');
    // BuildKit's options are not given to buildah.
    expect(build.stdout).not.toMatch(/--progress|BUILDKIT_INLINE_CACHE|--cache-from/);
    for (const stage of STANDARD_STAGES) {
      // Podman names the images localhost/local/desktop-app:STAGE; the driver's names resolve to them.
      // This run built it: the run record (./build/runs/<run ID>.tsv) names the image Podman holds under that name.
      const recorded = readFileSync(join(copy, 'build', 'runs', `${runId}.tsv`), 'utf8').split('\n')
        .filter((line) => line.startsWith(`${stage}\tlocal/desktop-app:${stage}\t`)).map((line) => line.split('\t')[2]);
      expect(recorded).toEqual([podmanImageId(`local/desktop-app:${stage}`)]);
      expect(podmanImageLabel(`localhost/local/desktop-app:${stage}`, LABEL_PIPELINE)).toBe(PIPELINE);
    }
    const check = expectSuccess(runCommand('sha256sum', ['--check', 'desktop-app-linux.tar.gz.sha256'], { cwd: join(copy, 'dist') }), 'sha256sum --check');
    expect(check.stdout.trim()).toBe('desktop-app-linux.tar.gz: OK');
    expect(owners(copy).filter((line) => !line.startsWith('1234:2345 '))).toEqual([]);
  });

  test('CI mode: test_ci_mode.sh passes with Podman, its isolation proof read from Podman\'s event stream', () => {
    const run = runScript(copy, VALIDATION, [], ENV);
    const r = results(copy);
    if (run.status !== 0 || r.fail.length > 0) throw new Error(`test_ci_mode.sh with DOCKER=podman failed\n${checksOf(run, r.text)}`);
    expect(r.last).toBe(`${r.pass.length} passed, 0 failed`);
    expect(r.text).toMatch(/docker client \/usr\/bin\/podman\n/);
    // The watch saw the run: its own marker volumes, and the package and smoke containers, each inspected.
    expect(r.pass).toContain('isolation: the engine\'s container events were watched from before the driver started until after it ended');
    expect(r.pass).toEqual(expect.arrayContaining([
      expect.stringMatching(/^isolation: container desktop-app_package_citest-\S+ \(image localhost\/local\/desktop-app:package_ci\) has no mount or host access$/),
      expect.stringMatching(/^isolation: container desktop-app_smoke_citest-\S+ \(image localhost\/local\/desktop-app:base_ci\) has no mount or host access$/),
      expect.stringMatching(/^isolation: the package step's marker is inside a container of this run/),
      expect.stringMatching(/^configuration: every file in \.\/dist belongs to 1234:2345/),
      expect.stringMatching(/^smoke check: the package of \.\/dist ran in a fresh container/),
    ]));
    expect(statSync(join(copy, ARTIFACT)).size).toBeGreaterThan(0);
  });

  test('CI mode: a bind mount of the repository, made through the absolute podman path (only the event stream sees it), fails the container check', () => {
    const broken = copyExample();
    const file = join(broken, DRIVER);
    const before = readFileSync(file, 'utf8');
    // The package container's create, with the repository mounted, bypassing the recording client.
    const after = before.replace(/"\$\{DOCKER\}" create /, '"/usr/bin/podman" create --volume "${PWD}:/mnt/repository" ');
    expect(after).not.toBe(before);
    chmodSync(file, 0o755);
    writeFileSync(file, after);
    const run = expectFailure(runScript(broken, VALIDATION, [], ENV), `./${VALIDATION} with a planted bind mount`);
    const r = results(broken);
    expect(r.last).toMatch(/^\d+ passed, 1 failed$/);
    expect(r.fail).toEqual([expect.stringMatching(
      /^isolation: container desktop-app_package_citest-\S+ \(image localhost\/local\/desktop-app:package_ci\) has no mount or host access \(found: mounts \[\{"Type":"bind","Source":"\/\S+","Destination":"\/mnt\/repository".*; binds \["\/\S+:\/mnt\/repository:\S*"\]\)$/,
    )]);
    expect(run.status).toBe(1);
  });

  test('a failing build step and a failing packager fail the command with their own exit statuses, naming the log', () => {
    const broken = copyExample();
    const edit = (path: string, change: (text: string) => string) => {
      const file = join(broken, path);
      const before = readFileSync(file, 'utf8');
      chmodSync(file, 0o755);
      writeFileSync(file, change(before));
      return () => writeFileSync(file, before);
    };
    // The CI images of the base and runtime stages are there (the previous tests built them).
    const restore = edit('package/linux/Dockerfile.package', (text) => `${text}RUN echo planted build failure && exit 3\n`);
    const step = expectFailure(driver(broken, ['--ci', 'build_package']), 'build_package with a failing RUN');
    expect(step.status).toBe(DRIVER_EXIT_CODES.stageBuild.code);
    expect(step.stderr).toContain('building stage package failed; see ./build/build.log');
    expect(readFileSync(join(broken, 'build/build.log'), 'utf8')).toContain('planted build failure');
    restore();
    edit('package/linux/package.sh', (text) => text.replace(/^set -euo pipefail$/m, 'set -euo pipefail\necho planted packager failure >&2; exit 1'));
    const packager = expectFailure(driver(broken, ['--ci', 'build_package']), 'build_package with a failing package script');
    expect(packager.status).toBe(DRIVER_EXIT_CODES.packageStep.code);
    // The run's containers are gone, labelled or not.
    expect(podmanOk(['ps', '--all', '--quiet', '--filter', `label=${LABEL_PIPELINE}=${PIPELINE}`])).toBe('');
  });

  test('publishing with Podman: push to the loopback registry (plain http: --tls-verify=false), pull it back by its input tag, and an absent image is ABSENT', () => {
    const registry = `${REGISTRY_HOST}/${ownRegistryPath('podman')}`;
    // The images of a run with a registry are named under it (buildah's cache makes this build quick).
    expectSuccess(driver(copy, ['--ci', '--registry', registry, 'build_base']), `DOCKER=podman ${DRIVER} --ci build_base`);
    const push = expectSuccess(driver(copy, ['--ci', '--registry', registry, 'push', 'base']), `DOCKER=podman ${DRIVER} --ci push base`);
    expect(push.stdout).toMatch(/\+ podman push --tls-verify=false \S+:base_ci-[0-9a-f]{12}/);
    const tag = /(\S+:base_ci-[0-9a-f]{12})/.exec(push.stdout)![1];
    // The registry serves it (its HTTP API, not the client's word).
    expect(registryManifest(tag.slice(REGISTRY_HOST.length + 1).split(':')[0], tag.split(':').pop()!)?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const id = podmanImageId(tag);
    podmanOk(['rmi', tag]);
    const pull = expectSuccess(driver(copy, ['--ci', '--registry', registry, 'pull', 'base']), `DOCKER=podman ${DRIVER} --ci pull base`);
    expect(pull.stdout).toMatch(/\+ podman pull --tls-verify=false /);
    expect(podmanImageId(tag)).toBe(id);
    const absent = expectFailure(driver(copy, ['--ci', '--registry', `${registry}-empty`, 'pull', 'base']), 'pull from an empty path');
    expect(absent.status).toBe(DRIVER_EXIT_CODES.pullAbsent.code);
    podmanOk(['rmi', '--ignore', tag, `${registry}/local/desktop-app:base_ci`]);
  });

  test('smoke and clean: the smoke command runs the package with Podman; clean leaves Podman\'s store as it was (the base image)', () => {
    const smoke = expectSuccess(driver(copy, ['--ci', 'smoke']), `DOCKER=podman ${DRIVER} --ci smoke`);
    expect(smoke.stdout).toMatch(/<== smoke check passed: exit status 0, output matches/);
    expect(podmanImages(`${LABEL_PIPELINE}=${PIPELINE}`).length).toBeGreaterThan(0);
    const clean = expectSuccess(driver(copy, ['clean']), `DOCKER=podman ${DRIVER} clean`);
    expect(clean.stdout).toMatch(/Removed \d+ image\(s\) labelled dev\.staged-build\.example\.pipeline=desktop-app\./);
    expect(podmanImages(`${LABEL_PIPELINE}=${PIPELINE}`)).toEqual([]);
    expect(podmanOk(['ps', '--all', '--quiet', '--filter', `label=${LABEL_PIPELINE}=${PIPELINE}`])).toBe('');
    expect(podmanImages()).toEqual(storeBefore);
    podmanOk(['image', 'inspect', PODMAN_BASE_IMAGE]);
  });
});
