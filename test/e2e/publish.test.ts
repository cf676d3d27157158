import { spawnSync } from 'child_process';
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import {
  BUILDKIT_DOCKER, cleanUp, copyExample, describeRun, describeWithEngine, errorLine, expectFailure, expectSuccess,
  imageId, newRunId, requireBaseImage, Run, runCommand, runScript,
} from '../support/docker';
import { ownRegistryPath, REGISTRY_HOST, registryAnswers, registryTags as tagsIn, removeLocalImagesUnder } from '../support/registry';
import { DRIVER_EXIT_CODES } from '../../src/shell/exit-codes';

/*
 * End-to-end tests of publishing and of the smoke check, on the real engine and a real registry
 * (Debian's docker-registry on loopback, started by scripts/registry.sh; its address comes from
 * STAGED_BUILD_REGISTRY, default 127.0.0.1:5000). Everything this file pushes goes under a
 * repository path unique to this jest process, and the local images it removes are only those
 * under that path (the driver's --registry puts every image of the run there).
 *
 * Run under the shared lock: flock /tmp/staged-build-e2e.lock npx jest --ci --runInBand test/e2e/publish.test.ts
 */

jest.setTimeout(600_000);

const E = DRIVER_EXIT_CODES;
const DRIVER = 'bin/docker.sh';
const ARTIFACT = 'dist/desktop-app-linux.tar.gz';
/** This process's own path in the registry: nothing else pushes or removes there. */
const PATH_IN_REGISTRY = ownRegistryPath('publish');
const REGISTRY = `${REGISTRY_HOST}/${PATH_IN_REGISTRY}`;
/** A loopback port nothing listens on (checked in beforeAll). */
const DEAD_REGISTRY = '127.0.0.1:9';

/** The tags the registry holds for one repository of this process's path ([] when none). */
function registryTags(repository: string): string[] {
  return tagsIn(`${PATH_IN_REGISTRY}/${repository}`);
}

/** The image config the registry serves for a tag (the JSON of its config blob). */
function registryConfig(repository: string, tag: string): { config?: { Labels?: Record<string, string> } } & Record<string, unknown> {
  const base = `http://${REGISTRY_HOST}/v2/${PATH_IN_REGISTRY}/${repository}`;
  const manifest = JSON.parse(spawnSync('curl', ['-s', '--max-time', '10', '-H', 'Accept: application/vnd.docker.distribution.manifest.v2+json', `${base}/manifests/${tag}`], { encoding: 'utf8' }).stdout) as { config: { digest: string } };
  return JSON.parse(spawnSync('curl', ['-s', '-L', '--max-time', '10', `${base}/blobs/${manifest.config.digest}`], { encoding: 'utf8' }).stdout);
}

/** Untags every local image under this process's registry path (the images of other runs stay). */
function removeOwnImages(): void {
  removeLocalImagesUnder(`${REGISTRY}/`);
}

/** The input tag the driver reports for STAGE in its output ("...:base_ci-<12 hex>"). */
function inputTagIn(output: string, stage: string): string {
  const match = new RegExp(`(${REGISTRY.replace(/[.]/g, '\\.')}/local/desktop-app:${stage}_ci-[0-9a-f]{12})`).exec(output);
  if (!match) throw new Error(`no input tag of ${stage} in:\n${output}`);
  return match[1];
}

let registryUp = false;
beforeAll(() => {
  registryUp = registryAnswers();
});
afterAll(() => {
  removeOwnImages();
  cleanUp();
});

describeWithEngine('Publishing to a real registry: push, promote, pull, pull_or_build', () => {
  let copy: string;
  let env: Record<string, string>;
  const driver = (args: string[], extra: Record<string, string> = {}): Run => runScript(copy, DRIVER, args, { ...env, ...extra });

  beforeAll(() => {
    if (!registryUp) throw new Error(`no registry answers on ${REGISTRY_HOST}; start one with scripts/registry.sh (STAGED_BUILD_REGISTRY=${REGISTRY_HOST})`);
    requireBaseImage();
    copy = copyExample();
    env = { DOCKER: BUILDKIT_DOCKER, DOCKER_BUILDKIT: '1', BUILD_RUN_ID: newRunId('publish') };
    // Nothing listens on the dead registry's port.
    expect(spawnSync('bash', ['-c', `exec 3<>/dev/tcp/${DEAD_REGISTRY.replace(':', '/')}`]).status).not.toBe(0);
    expectSuccess(driver(['--ci', '--registry', REGISTRY, 'build']), 'build');
  });

  test('push (no stage: the published ones) pushes base and runtime under their input tags, and nothing else', () => {
    const run = expectSuccess(driver(['--ci', 'push', '--registry', REGISTRY]), 'push');
    const base = inputTagIn(run.stdout, 'base');
    const runtime = inputTagIn(run.stdout, 'runtime');
    expect(registryTags('local/desktop-app')).toEqual([base, runtime].map((ref) => ref.split(':').pop()).sort());
    // The input tag names the image that was built: same image ID as the model's name.
    expect(imageId(base)).toBe(imageId(`${REGISTRY}/local/desktop-app:base_ci`));
  });

  test('digest prints the registry\'s own digest of the pushed input tag, and writes name= and digest= to GITHUB_OUTPUT (the attest step\'s subject)', () => {
    const tag = registryTags('local/desktop-app').find((t) => t.startsWith('base_ci-'))!;
    const headers = spawnSync('curl', ['-sI', '--max-time', '10',
      '-H', 'Accept: application/vnd.docker.distribution.manifest.v2+json', '-H', 'Accept: application/vnd.oci.image.manifest.v1+json',
      `http://${REGISTRY_HOST}/v2/${PATH_IN_REGISTRY}/local/desktop-app/manifests/${tag}`], { encoding: 'utf8' }).stdout;
    const served = /^docker-content-digest:\s*(sha256:[0-9a-f]{64})/im.exec(headers)?.[1];
    expect(served).toMatch(/^sha256:/);
    const output = join(copy, 'github-output');
    writeFileSync(output, '');
    const run = expectSuccess(driver(['--ci', '--registry', REGISTRY, 'digest', 'base'], { GITHUB_OUTPUT: output }), 'digest base');
    const repository = `${REGISTRY}/local/desktop-app`;
    expect(run.stdout.trim().split('\n').pop()).toBe(`${repository}@${served}`);
    expect(readFileSync(output, 'utf8')).toBe(`name=${repository}\ndigest=${served}\n`);
  });

  test('the pushed image carries BuildKit\'s inline cache, so that a fresh machine can build from it', () => {
    const tag = registryTags('local/desktop-app').find((t) => t.startsWith('base_ci-'))!;
    const config = registryConfig('local/desktop-app', tag);
    // BuildKit writes the cache metadata into the image config under this key (--build-arg BUILDKIT_INLINE_CACHE=1).
    expect(Object.keys(config)).toContain('moby.buildkit.cache.v0');
  });

  test('BUILD_REGISTRY means the same as --registry, and the option wins', () => {
    const byEnv = expectSuccess(driver(['--ci', '--dry-run', 'push', 'base'], { BUILD_REGISTRY: REGISTRY }), 'push by env');
    expect(byEnv.stdout).toContain(`${REGISTRY}/local/desktop-app:base_ci-`);
    const both = expectSuccess(driver(['--ci', '--dry-run', '--registry', `${REGISTRY_HOST}/other`, 'push', 'base'], { BUILD_REGISTRY: REGISTRY }), 'push by both');
    expect(both.stdout).toContain(`${REGISTRY_HOST}/other/local/desktop-app:base_ci-`);
    expect(both.stdout).not.toContain(`${REGISTRY}/`);
  });

  test('pull brings the image back by its input tag after the local images are removed, and tags it with the model\'s name', () => {
    const pushed = registryTags('local/desktop-app').find((t) => t.startsWith('base_ci-'))!;
    const inputTag = `${REGISTRY}/local/desktop-app:${pushed}`;
    const moving = `${REGISTRY}/local/desktop-app:base_ci`;
    const before = imageId(inputTag);
    removeOwnImages();
    expect(imageId(inputTag)).toBeUndefined();
    expect(imageId(moving)).toBeUndefined();
    const run = expectSuccess(driver(['--ci', '--registry', REGISTRY, 'pull', 'base']), 'pull base');
    expect(run.stdout).toContain(`pulled ${inputTag}, tagged ${moving}`);
    expect(run.stdout).toContain(`${BUILDKIT_DOCKER} pull ${inputTag}`);
    expect(imageId(inputTag)).toBe(before);
    expect(imageId(moving)).toBe(before);
  });

  test('a BuildKit build with a registry imports the registry\'s cache manifest (input tag) and reports its RUN steps CACHED', () => {
    // Not a fresh machine: the engine's own build cache may hold these steps too (removing it is
    // machine-wide here), so this shows that the cache reference reaches the registry and is imported.
    removeOwnImages();
    const run = expectSuccess(driver(['--ci', '--registry', REGISTRY, 'build_base']), 'build_base');
    const inputTag = inputTagIn(run.stdout, 'base');
    expect(run.stdout).toMatch(new RegExp(`importing cache manifest from ${inputTag.replace(/[.]/g, '\\.')}\\b`));
    // "#5 [stage-0 2/4] RUN ..." where the Dockerfile has cache mounts, else "#5 [2/4] RUN ...".
    const runSteps = run.stdout.split('\n').filter((l) => /^#\d+ \[(\S+ )?\d+\/\d+\] RUN /.test(l)).map((l) => l.split(' ')[0]);
    expect(runSteps.length).toBeGreaterThan(0);
    for (const step of runSteps) expect(run.stdout).toMatch(new RegExp(`^${step} CACHED$`, 'm'));
  });

  test('pull of an image the registry does not have exits with the ABSENT status, in one line', () => {
    const run = expectFailure(driver(['--ci', '--registry', REGISTRY, 'pull', 'package']), 'pull package');
    expect(run.status).toBe(E.pullAbsent.code);
    expect(errorLine(run)).toMatch(/^\.\/bin\/docker\.sh: error: image \S+:package_ci-[0-9a-f]{12} is absent from the registry \(.*manifest unknown.*\): nothing was pushed from these inputs; build it with/);
  });

  test('pull from a registry that does not answer exits with the OTHER status, not ABSENT', () => {
    const run = expectFailure(driver(['--ci', '--registry', DEAD_REGISTRY, 'pull', 'base']), 'pull from a dead registry');
    expect(run.status).toBe(E.registry.code);
    expect(errorLine(run)).toMatch(/error: pulling 127\.0\.0\.1:9\/local\/desktop-app:base_ci-[0-9a-f]{12} failed: .*connection refused.*; check that 127\.0\.0\.1:9 is reachable/);
  });

  test('pull_or_build pulls an image the registry has, and says so in one line; nothing is built', () => {
    const run = expectSuccess(driver(['--ci', '--registry', REGISTRY, 'pull_or_build', 'runtime']), 'pull_or_build runtime');
    expect(run.stdout).toMatch(/^pull_or_build runtime: pulled \S+:runtime_ci-[0-9a-f]{12} from the registry \(built from these same inputs\), so it is not rebuilt$/m);
    expect(run.stdout).not.toMatch(/ build --file /);
  });

  test('pull_or_build builds an image the registry does not have, and says why', () => {
    const run = expectSuccess(driver(['--ci', '--registry', REGISTRY, 'pull_or_build', 'package']), 'pull_or_build package');
    expect(run.stdout).toMatch(/^pull_or_build package: building it, because \S+:package_ci-[0-9a-f]{12} is absent from the registry \(.*manifest unknown.*\)$/m);
    expect(run.stdout).toContain(' build --file package/linux/Dockerfile.package ');
    expect(run.stdout).toContain('<== smoke check passed');
  });

  test('pull_or_build with an unreachable registry fails with the OTHER status and builds nothing', () => {
    const run = expectFailure(driver(['--ci', '--registry', DEAD_REGISTRY, 'pull_or_build', 'base']), 'pull_or_build from a dead registry');
    expect(run.status).toBe(E.registry.code);
    expect(errorLine(run)).toMatch(/pull_or_build base: pulling \S+ failed, so nothing was built \(only an absent image is built\)/);
    expect(run.stdout).not.toMatch(/ build --file /);
  });

  test('promote pushes the moving tag, naming the same image as the input tag', () => {
    // As the workflows do: push, then promote. (Earlier tests rebuilt base from the same inputs, and
    // BuildKit's inline cache metadata is not byte-stable, so the local image may differ from the
    // one pushed first.)
    expectSuccess(driver(['--ci', '--registry', REGISTRY, 'push', 'base']), 'push base');
    expectSuccess(driver(['--ci', '--registry', REGISTRY, 'promote', 'base']), 'promote base');
    const tags = registryTags('local/desktop-app');
    expect(tags).toContain('base_ci');
    const inputTag = tags.find((t) => t.startsWith('base_ci-'))!;
    expect(registryConfig('local/desktop-app', 'base_ci')).toEqual(registryConfig('local/desktop-app', inputTag));
  });

  test('a changed input changes the input tag: push then refuses an image not built from the current inputs', () => {
    const before = inputTagIn(expectSuccess(driver(['--ci', '--dry-run', '--registry', REGISTRY, 'push', 'runtime']), 'dry-run push').stdout, 'runtime');
    writeFileSync(join(copy, 'requirements.txt'), `${readFileSync(join(copy, 'requirements.txt'), 'utf8')}# changed by the test\n`);
    const run = expectFailure(driver(['--ci', '--registry', REGISTRY, 'push', 'runtime']), 'push runtime after a change');
    expect(run.status).toBe(E.prerequisite.code);
    const after = inputTagIn(run.stderr, 'runtime');
    expect(after).not.toBe(before);
    expect(errorLine(run)).toContain(`image ${after} is not here: stage runtime is not built from the current inputs`);
    // The base's inputs did not change: its tag is the same.
    const base = expectSuccess(driver(['--ci', '--dry-run', '--registry', REGISTRY, 'push', 'base']), 'dry-run push base');
    expect(inputTagIn(base.stdout, 'base')).toBe(registryTags('local/desktop-app').filter((t) => t.startsWith('base_ci-')).map((t) => `${REGISTRY}/local/desktop-app:${t}`)[0]);
  });
});

describeWithEngine('The smoke check on the real engine', () => {
  let copy: string;
  let env: Record<string, string>;
  const driver = (args: string[]): Run => runScript(copy, DRIVER, args, env);

  beforeAll(() => {
    requireBaseImage();
    copy = copyExample();
    env = { DOCKER: BUILDKIT_DOCKER, DOCKER_BUILDKIT: '1', BUILD_RUN_ID: newRunId('smoke'), KEEP_CONTAINERS: '0' };
    expectSuccess(driver(['--ci', '--registry', REGISTRY, 'build']), 'build');
  });

  test('smoke runs ./dist\'s package in a fresh container of the base image (copied in, no mount) and passes', () => {
    const run = expectSuccess(driver(['--ci', '--registry', REGISTRY, 'smoke']), 'smoke');
    expect(run.stdout).toContain(`==> smoke check: python3 desktop-app/desktop-app.pyz --name 'smoke check' in a fresh container of ${REGISTRY}/local/desktop-app:base_ci`);
    expect(run.stdout).toMatch(/^ {4}Hello, smoke check!$/m);
    expect(run.stdout).toMatch(/ cp dist\/desktop-app-linux\.tar\.gz desktop-app_smoke_\S+:\/tmp\/desktop-app-linux\.tar\.gz/);
    expect(run.stdout).not.toMatch(/--volume|--mount|\s-v\s/);
  });

  test('a broken package fails the smoke command with the SMOKE status and one line naming the command, the output and the log', () => {
    const good = readFileSync(join(copy, ARTIFACT));
    // A package whose program fails: same layout, its archive replaced by a script that raises.
    const broken = join(copy, 'broken');
    expectSuccess(runCommand('bash', ['-c', [
      `mkdir -p ${broken}/desktop-app`,
      `printf 'raise SystemExit("the package is broken")\\n' >${broken}/desktop-app/__main__.py`,
      `(cd ${broken}/desktop-app && python3 -m zipapp . -o ../desktop-app.pyz && rm __main__.py && mv ../desktop-app.pyz .)`,
      `tar -czf ${ARTIFACT} -C ${broken} desktop-app`,
    ].join(' && ')], { cwd: copy }), 'make a broken package');
    try {
      const run = expectFailure(driver(['--ci', '--registry', REGISTRY, 'smoke']), 'smoke of a broken package');
      expect(run.status).toBe(E.smoke.code);
      expect(errorLine(run)).toMatch(/^\.\/bin\/docker\.sh: error: smoke check failed: 'python3 desktop-app\/desktop-app\.pyz --name 'smoke check'' exited 1 in a fresh container of \S+:base_ci; output ends: 'the package is broken'; see \.\/build\/build\.log$/);
    } finally {
      writeFileSync(join(copy, ARTIFACT), good);
    }
  });

  test('a package whose entry module is wrong (the synthesis check bypassed in the generated files) fails the build at the smoke check; ./dist is unchanged', () => {
    const before = readFileSync(join(copy, ARTIFACT));
    const script = join(copy, 'package/linux/package.sh');
    writeFileSync(script, readFileSync(script, 'utf8').replace('--main desktop_app.cli:main', '--main desktop_app.nosuch:main'));
    const run = expectFailure(driver(['--ci', '--registry', REGISTRY, 'build']), 'build with a wrong entry module');
    expect(run.status).toBe(E.smoke.code);
    expect(run.stdout).toContain('<== zipapp:'); // the packager itself succeeded
    expect(errorLine(run)).toMatch(/smoke check failed: .* exited 1 in a fresh container of .*; output ends: '.*ModuleNotFoundError: No module named 'desktop_app\.nosuch''; see \.\/build\/build\.log; \.\/dist is unchanged$/);
    expect(readFileSync(join(copy, ARTIFACT))).toEqual(before);
    if (run.status !== E.smoke.code) throw new Error(describeRun(run));
  });
});

describeWithEngine('test_ci_mode.sh runs the smoke check', () => {
  let copy: string;

  /** The PASS and FAIL lines of the copy's results log, and its last line. */
  function results(): { pass: string[]; fail: string[]; last: string } {
    const lines = readFileSync(join(copy, 'ci_mode_test_results.log'), 'utf8').split('\n').filter((l) => l !== '');
    const checks = lines.map((l) => /^\S+ (PASS|FAIL) (.*)$/.exec(l)).filter((m): m is RegExpExecArray => m !== null);
    return { pass: checks.filter((m) => m[1] === 'PASS').map((m) => m[2]), fail: checks.filter((m) => m[1] === 'FAIL').map((m) => m[2]), last: lines[lines.length - 1] ?? '' };
  }

  beforeAll(() => {
    requireBaseImage();
    copy = copyExample();
  });

  test('passes: the smoke command exited 0, and the kept container read back from the engine ran ./dist\'s package and printed the greeting', () => {
    const run = runScript(copy, 'test_ci_mode.sh', ['--registry', REGISTRY]);
    const got = results();
    if (run.status !== 0) throw new Error(`${describeRun(run)}\n${got.fail.join('\n')}`);
    expect(got.fail).toEqual([]);
    const smoke = got.pass.filter((p) => p.startsWith('smoke check:'));
    expect(smoke).toEqual([
      expect.stringMatching(/^smoke check: '\.\/bin\/docker\.sh --ci smoke' exited 0/),
      expect.stringContaining(`smoke check: the package of ./dist ran in a fresh container of this run's ${REGISTRY}/local/desktop-app:base_ci, exited 0, and printed /^Hello, smoke check!$/`),
    ]);
  });

  test('fails on the smoke check alone when the built package does not run (its checksum made to match)', () => {
    // A driver that builds for real, then puts a package that raises (with a matching checksum) in ./dist.
    const wrapper = join(copy, '..', 'driver-broken-package.sh');
    writeFileSync(wrapper, `#!/usr/bin/env bash
set -euo pipefail
"${join(copy, DRIVER)}" "$@"
if [[ " $* " == *" build "* ]]; then
  work=$(mktemp -d)
  mkdir -p "$work/desktop-app/src"
  printf 'raise SystemExit("broken on purpose")\\n' >"$work/desktop-app/src/__main__.py"
  python3 -m zipapp "$work/desktop-app/src" -o "$work/desktop-app/desktop-app.pyz"
  rm -r "$work/desktop-app/src"
  tar -czf ${ARTIFACT} -C "$work" desktop-app
  (cd dist && sha256sum desktop-app-linux.tar.gz >desktop-app-linux.tar.gz.sha256)
  rm -rf "$work"
fi
`, { mode: 0o755 });
    const run = expectFailure(runScript(copy, 'test_ci_mode.sh', ['--registry', REGISTRY, '--driver', wrapper]), 'test_ci_mode.sh with a broken package');
    const got = results();
    expect(run.status).not.toBe(0);
    expect(got.last).toMatch(/^\d+ passed, 2 failed$/);
    expect(got.fail).toEqual([
      expect.stringMatching(/^smoke check: '\S+driver-broken-package\.sh --ci smoke' exited non-zero/),
      expect.stringMatching(/^smoke check: the package of \.\/dist ran .*\(desktop-app_smoke_\S+: state "exited 1", not "exited 0"\)$/),
    ]);
    expect(got.pass.some((p) => p.startsWith('package creation:'))).toBe(true);
  });
});
