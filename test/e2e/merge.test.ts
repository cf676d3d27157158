import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import {
  BUILDKIT_DOCKER, cleanUp, copyExample, describeRun, describeWithEngine, dockerOk, E2E_LABEL, errorLine, E2E_OWNER, expectFailure, expectSuccess,
  newRunId, requireBaseImage, Run, runScript,
} from '../support/docker';
import { ownRegistryPath, REGISTRY_HOST, registryAnswers, registryManifest, removeLocalImagesUnder } from '../support/registry';
import { DRIVER_EXIT_CODES } from '../../src/shell/exit-codes';

/*
 * The driver's merge, promote_merged and digest of a build on several platforms, on the real
 * engine and the real loopback registry: the per-platform image this machine can build
 * (linux/amd64, pushed under <tag>-amd64-<hash> as a platform job pushes it) is joined into a
 * manifest list, and what the registry then serves is checked. This machine cannot build an arm64
 * image (no arm64 runner, no emulation), so the two-platform cases are the refusals: an absent
 * platform image, and an amd64 image pushed under the arm64 tag.
 *
 * Run under the shared lock: flock /tmp/staged-build-e2e.lock npx jest --ci --runInBand test/e2e/merge.test.ts
 */

jest.setTimeout(600_000);

const E = DRIVER_EXIT_CODES;
const PATH_IN_REGISTRY = ownRegistryPath('merge');
const REGISTRY = `${REGISTRY_HOST}/${PATH_IN_REGISTRY}`;
const REPOSITORY = `${PATH_IN_REGISTRY}/local/desktop-app`;
const AMD64 = { BUILD_PLATFORM: 'linux/amd64' };
const JOIN_AMD64 = { BUILD_PLATFORMS: 'linux/amd64' };
const JOIN_BOTH = { BUILD_PLATFORMS: 'linux/amd64 linux/arm64' };

afterAll(() => {
  removeLocalImagesUnder(`${REGISTRY}/`);
  cleanUp();
});

describeWithEngine('Joining the platforms\' images into one manifest list in a real registry: merge, digest, promote_merged', () => {
  let copy: string;
  let env: Record<string, string>;
  /** The input hash of the base stage, and the tags derived from it. */
  let hash: string;
  let amd64Tag: string;
  const driver = (args: string[], extra: Record<string, string>): Run => runScript(copy, 'bin/docker.sh', ['--ci', '--registry', REGISTRY, ...args], { ...env, ...extra });
  const served = (tag: string) => registryManifest(REPOSITORY, tag);

  beforeAll(() => {
    if (!registryAnswers()) throw new Error(`no registry answers on ${REGISTRY_HOST}; start one with scripts/docker-engine.sh`);
    requireBaseImage();
    copy = copyExample();
    env = { DOCKER: BUILDKIT_DOCKER, DOCKER_BUILDKIT: '1', BUILD_RUN_ID: newRunId('merge') };
    expectSuccess(driver(['build_base'], AMD64), 'build_base for linux/amd64');
    const push = expectSuccess(driver(['push', 'base'], AMD64), 'push base for linux/amd64');
    const match = /:base_ci-amd64-([0-9a-f]{12})\b/.exec(push.stdout);
    if (!match) throw new Error(`no per-platform input tag in the push output:\n${describeRun(push)}`);
    hash = match[1];
    amd64Tag = `base_ci-amd64-${hash}`;
  });

  test('merge pushes a manifest list under the plain input tag whose one entry is the pushed amd64 image, and prints its registry digest', () => {
    const run = expectSuccess(driver(['merge', 'base'], JOIN_AMD64), 'merge base');
    const list = served(`base_ci-${hash}`);
    expect(list?.mediaType).toBe('application/vnd.docker.distribution.manifest.list.v2+json');
    expect(list?.body.manifests).toEqual([expect.objectContaining({ digest: served(amd64Tag)?.digest, platform: { os: 'linux', architecture: 'amd64' } })]);
    expect(run.stdout).toContain(`(${list?.digest}) names the images of linux/amd64`);
  });

  test('digest (BUILD_PLATFORMS set) prints the list\'s registry digest and writes it to GITHUB_OUTPUT, the attest step\'s subject', () => {
    const output = join(copy, 'github-output');
    writeFileSync(output, '');
    const run = expectSuccess(driver(['digest', 'base'], { ...JOIN_AMD64, GITHUB_OUTPUT: output }), 'digest base');
    const digest = served(`base_ci-${hash}`)?.digest;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(run.stdout.trim().split('\n').pop()).toBe(`${REGISTRY}/local/desktop-app@${digest}`);
    expect(readFileSync(output, 'utf8')).toBe(`name=${REGISTRY}/local/desktop-app\ndigest=${digest}\n`);
  });

  test('promote_merged points the moving tag at the same list (same registry digest)', () => {
    expectSuccess(driver(['promote_merged', 'base'], JOIN_AMD64), 'promote_merged base');
    expect(served('base_ci')?.digest).toBe(served(`base_ci-${hash}`)?.digest);
  });

  test('merge of two platforms when the arm64 job pushed nothing fails with the REGISTRY status, naming the missing image; the list is unchanged', () => {
    const before = served(`base_ci-${hash}`)?.digest;
    const run = expectFailure(driver(['merge', 'base'], JOIN_BOTH), 'merge base (no arm64 image)');
    expect(run.status).toBe(E.registry.code);
    expect(errorLine(run)).toMatch(new RegExp(`could not join .* into \\S+:base_ci-${hash}: .*base_ci-arm64-${hash}.* \\(each platform's job must have pushed its image first`));
    expect(served(`base_ci-${hash}`)?.digest).toBe(before);
  });

  test('an amd64 image pushed under the arm64 tag is refused: the architecture is read from the registry, and nothing is pushed', () => {
    const before = served(`base_ci-${hash}`)?.digest;
    const fake = `${REGISTRY}/local/desktop-app:base_ci-arm64-${hash}`;
    dockerOk(['tag', `${REGISTRY}/local/desktop-app:${amd64Tag}`, fake]);
    dockerOk(['push', fake]);
    const run = expectFailure(driver(['merge', 'base'], JOIN_BOTH), 'merge base (amd64 under the arm64 tag)');
    expect(run.status).toBe(E.registry.code);
    expect(errorLine(run)).toMatch(/are for amd64 amd64, not amd64 arm64 as their tags say: .* nothing was pushed to \S+:base_ci-[0-9a-f]{12}$/);
    expect(served(`base_ci-${hash}`)?.digest).toBe(before);
  });

  test('promote_merged refuses a list that names other images than the merged input tag\'s (a platform image changed since merge); the moving tag stays', () => {
    const before = served('base_ci')?.digest;
    expect(before).toMatch(/^sha256:/);
    // The amd64 tag now names another image (the base image with one more label).
    const other = `${REGISTRY}/local/desktop-app:${amd64Tag}`;
    dockerOk(['build', '--quiet', '--tag', other, '--label', `${E2E_LABEL}=${E2E_OWNER}`, '-'], { input: `FROM ${other}\nLABEL dev.staged-build.e2e.changed=1\n` });
    dockerOk(['push', other]);
    const run = expectFailure(driver(['promote_merged', 'base'], JOIN_AMD64), 'promote_merged after the amd64 image changed');
    expect(run.status).toBe(E.registry.code);
    expect(errorLine(run)).toMatch(/the platforms' images now are sha256:[0-9a-f]{64}, but \S+:base_ci-[0-9a-f]{12} names sha256:[0-9a-f]{64}: a platform's image changed since merge; run merge again, then promote_merged \(\S+:base_ci was not moved\)$/);
    expect(served('base_ci')?.digest).toBe(before);
  });

  test('a platform job of the package workflow (BUILD_PLATFORM): pull_or_build, builds, smoke check and test_ci_mode.sh pass on the per-platform images; then push and merge the runtime', () => {
    expectSuccess(driver(['pull_or_build', 'base'], AMD64), 'pull_or_build base for linux/amd64');
    for (const command of ['build_runtime', 'build_package', 'smoke']) expectSuccess(driver([command], AMD64), `${command} for linux/amd64`);
    // The validation script checks the images as the driver names them for the platform (<image>-amd64).
    const validation = runScript(copy, 'test_ci_mode.sh', ['--registry', REGISTRY], { ...env, ...AMD64 });
    if (validation.status !== 0) throw new Error(`test_ci_mode.sh with BUILD_PLATFORM failed:\n${describeRun(validation, 60)}`);
    expect(validation.stdout).toMatch(new RegExp(`PASS image building: ${REGISTRY.replace(/[.]/g, '\\.')}/local/desktop-app:runtime_ci-amd64 `));
    expect(validation.stdout.trim().split('\n').pop()).toMatch(/^\d+ passed, 0 failed$/);
    const push = expectSuccess(driver(['push', 'runtime'], AMD64), 'push runtime for linux/amd64');
    const runtimeHash = /:runtime_ci-amd64-([0-9a-f]{12})\b/.exec(push.stdout)?.[1];
    expectSuccess(driver(['merge', 'runtime'], JOIN_AMD64), 'merge runtime');
    expect(served(`runtime_ci-${runtimeHash}`)?.body.manifests?.map((m) => m.digest)).toEqual([served(`runtime_ci-amd64-${runtimeHash}`)?.digest]);
  });

  test('merge with Podman as the client is refused in one line (its manifest commands differ)', () => {
    const run = expectFailure(driver(['merge', 'base'], { ...JOIN_AMD64, DOCKER: 'podman' }), 'merge with podman');
    expect(run.status).toBe(E.settings.code);
    expect(errorLine(run)).toMatch(/merge uses the docker client's manifest command, which Podman's differs from; run it with DOCKER=docker/);
  });
});
