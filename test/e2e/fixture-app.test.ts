import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { FIXTURE_LABEL_PREFIX, FIXTURE_PIPELINE, synthFixture } from '../support/fixture-app';
import {
  describeRun, describeWithEngine, docker, E2E_LABEL, E2E_OWNER, expectFailure, expectSuccess, imagesWithLabel, requireBaseImage, runCommand, runScript,
} from '../support/docker';
import { PREFLIGHT_EXIT_STATUS } from '../../src';

/*
 * The fixture app (test/fixtures/readme-app: its setup.py reads README.md) built for real, in CI
 * mode, with the zipapp packager. Its images are local/readme-app:*, labelled with the fixture's
 * own prefix; every run uses a BUILD_RUN_ID of this file, and the driver's clean removes them last.
 */

jest.setTimeout(600_000);

const LABEL_RUN_ID = `${FIXTURE_LABEL_PREFIX}.run-id`;
const runId = (what: string) => `e2e-fixture-${process.pid}-${what}`;

describeWithEngine('The fixture app (setup.py reads README.md), built for real', () => {
  const broken = synthFixture({ copyReadme: false });
  const fixed = synthFixture({ copyReadme: true });

  beforeAll(() => requireBaseImage());
  afterAll(() => {
    // Only this pipeline's containers and images (by its label), then ./dist and ./build.
    runScript(fixed.root, 'bin/docker.sh', ['clean']);
  });

  test(`while the runtime stage copies only setup.py, the build stops at the preflight: exit ${PREFLIGHT_EXIT_STATUS}, README.md and the stage named, no image built`, () => {
    const id = runId('broken');
    const run = expectFailure(runScript(broken.root, 'bin/docker.sh', ['--ci', 'build'], { BUILD_RUN_ID: id, DOCKER_BUILDKIT: '0' }), 'docker.sh --ci build (README.md not copied)');
    expect({ status: run.status, stderr: run.stderr }).toEqual({
      status: PREFLIGHT_EXIT_STATUS,
      stderr: expect.stringContaining('[stage runtime] problem: setup.py needs README.md (setup.py egg_info failed with FileNotFoundError), which stage runtime does not copy; add README.md to the copy step of stage runtime in .projenrc.ts'),
    });
    expect(run.stdout).not.toMatch(/^\+ docker build/m);
    expect(imagesWithLabel(LABEL_RUN_ID, id, true)).toEqual([]);
  });

  test('once it copies README.md too, the CI build passes and test_ci_mode.sh reports no failure', () => {
    const run = runScript(fixed.root, 'test_ci_mode.sh', [], { DOCKER_BUILDKIT: '0', BUILD_RUN_ID: runId('fixed') });
    if (run.status !== 0) throw new Error(`test_ci_mode.sh failed\n${describeRun(run, 80)}`);
    // The driver's output (the preflight's summary first) is in the results log.
    expect(readFileSync(join(fixed.root, 'ci_mode_test_results.log'), 'utf8')).toMatch(/^preflight: 0 problem\(s\), 5 check\(s\) passed, stages base, runtime, package/m);
    expect(run.stdout.trim().split('\n').pop()).toMatch(/^\d+ passed, 0 failed$/);
  });

  test('the package passes its declared smoke check: the zipapp prints the greeting from its data file', () => {
    const pyz = join(fixed.root, 'dist/readme-app/readme-app.pyz');
    expect(existsSync(pyz)).toBe(true);
    const run = expectSuccess(runCommand('python3', [pyz, '--name', 'fixture']), 'python3 readme-app.pyz --name fixture');
    expect(run.stdout).toMatch(/^Hello from readme-app, fixture!$/m);
    expect(run.stdout).toContain('plugin readme_app.plugins.loud: LOUD');
  });

  test('the runtime image really needed README.md: its setup.py ran there and the metadata names the README', () => {
    const run = docker(['run', '--rm', '--label', `${E2E_LABEL}=${E2E_OWNER}`, 'local/readme-app:runtime_ci', 'sh', '-c', `cat ${'/home/appuser/.local/share/readme-app/python'}/readme_app-0.1.0.dist-info/METADATA`]);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Its `setup.py` reads this file at install time');
    expect(FIXTURE_PIPELINE).toBe('readme-app');
  });
});
