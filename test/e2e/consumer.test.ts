import { cpSync, existsSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import {
  CONSUMER_APP, CONSUMER_EXAMPLE, CONSUMER_IMAGES, CONSUMER_LABEL_PREFIX, CONSUMER_PIPELINE, CONSUMER_PROJENRC,
} from '../support/consumer';
import { describeRun, describeWithEngine, expectSuccess, imageId, imagesWithLabel, requireBaseImage, Run, runCommand } from '../support/docker';
import { packLibrary } from '../support/pack';
import { REPO_ROOT } from '../support/project';
import { tempFolder } from '../support/temp';

/*
 * An external consumer, as the README's guide "Use it in your own project" describes it: the
 * library is packed with npm (its prepack compiles it), a fresh projen TypeScript project in a
 * temporary folder installs the tarball, gets the guide's .projenrc.ts word for word (the same
 * file as examples/consumer/.projenrc.ts) and the small app it packages, synthesizes, and then
 * builds the app for real in CI mode and validates it with its generated test_ci_mode.sh.
 *
 * The consumer's images are local/hello-app:* with its own label prefix; every run uses its own
 * BUILD_RUN_ID, and the consumer's driver `clean` removes this pipeline's images at the end.
 */

jest.setTimeout(900_000);

const runId = (what: string) => `e2e-consumer-${process.pid}-${what}`;
const LABEL_PIPELINE = `${CONSUMER_LABEL_PREFIX}.pipeline`;

/** The version of a package in this repository's node_modules (so that npm finds it in its cache). */
function installedVersion(name: string): string {
  return (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

function run(cwd: string, file: string, args: string[], env: Record<string, string> = {}): Run {
  return runCommand(file, args, { cwd, env });
}

describeWithEngine('A new projen project adopts the packed library by following the README guide', () => {
  let project: string;
  let app: string;

  beforeAll(() => {
    requireBaseImage();
    project = tempFolder('consumer');
    app = join(project, CONSUMER_APP);
  });
  afterAll(() => {
    // Only this pipeline's containers and images (by its labels), then its ./dist and ./build.
    if (app && existsSync(join(app, 'bin/docker.sh'))) run(app, join(app, 'bin/docker.sh'), ['clean']);
  });

  test('npm pack makes the tarball and a fresh project installs it with projen, constructs and tsx', () => {
    const { tarball } = packLibrary(tempFolder('consumer-pack'));
    // A fresh project: only a package.json, the guide's .projenrc.ts word for word, and the app.
    writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'hello-app', private: true }, null, 2)}\n`);
    cpSync(CONSUMER_PROJENRC, join(project, '.projenrc.ts'));
    cpSync(join(CONSUMER_EXAMPLE, CONSUMER_APP), app, { recursive: true });
    const install = run(project, 'npm', [
      'install', '--prefer-offline', '--no-audit', '--no-fund', '--save-dev', tarball,
      `projen@${installedVersion('projen')}`, `constructs@${installedVersion('constructs')}`, `tsx@${installedVersion('tsx')}`,
    ]);
    expectSuccess(install, 'npm install (the tarball, projen, constructs, tsx)');
    expect(existsSync(join(project, 'node_modules/staged-build/lib/index.js'))).toBe(true);
    expect(existsSync(join(project, 'node_modules/staged-build/lib/shell/snippets/driver-cli.sh'))).toBe(true);
  });

  test('the first synthesis (npx tsx .projenrc.ts) and then npx projen write the pipeline\'s files and ignore entries', () => {
    expect(readFileSync(join(project, '.projenrc.ts'), 'utf8')).toBe(readFileSync(CONSUMER_PROJENRC, 'utf8'));
    // The first run bootstraps projen's own files (.projen/tasks.json); post-synthesis steps
    // (npm install of the TypeScript tool chain) are not part of this test.
    expectSuccess(run(project, 'npx', ['tsx', '.projenrc.ts'], { PROJEN_DISABLE_POST: 'true' }), 'npx tsx .projenrc.ts');
    expectSuccess(run(project, 'npx', ['projen', '--no-post']), 'npx projen --no-post');
    for (const file of ['bin/docker.sh', 'test_ci_mode.sh', 'docs/BUILD.md', 'package/linux/Dockerfile.base', 'package/linux/Dockerfile.runtime', 'package/linux/Dockerfile.package', 'package/linux/package.sh', '.dockerignore', '.env.example']) {
      expect({ file, exists: existsSync(join(app, file)) }).toEqual({ file, exists: true });
    }
    const gitignore = readFileSync(join(project, '.gitignore'), 'utf8').split('\n');
    expect(gitignore).toEqual(expect.arrayContaining(['/app/dist/', '/app/build/', '/app/.env', '/app/ci_mode_test_results.log']));
    // The generated files are the project's, listed for projen's clean-up.
    const files = (JSON.parse(readFileSync(join(project, '.projen/files.json'), 'utf8')) as { files: string[] }).files;
    expect(files).toEqual(expect.arrayContaining(['app/bin/docker.sh', 'app/test_ci_mode.sh']));
  });

  test('the app builds for real in CI mode and its test_ci_mode.sh reports no failure', () => {
    const id = runId('validate');
    const validation = run(app, join(app, 'test_ci_mode.sh'), [], { DOCKER_BUILDKIT: '0', BUILD_RUN_ID: id });
    if (validation.status !== 0) throw new Error(`test_ci_mode.sh failed\n${describeRun(validation, 80)}`);
    expect(validation.stdout.trim().split('\n').pop()).toMatch(/^[1-9]\d* passed, 0 failed$/);
    // The CI-mode images of the guide's pipeline, each labelled as this pipeline's.
    for (const ref of CONSUMER_IMAGES.map((image) => `${image}_ci`)) {
      const built = imageId(ref);
      expect({ ref, built: built !== undefined }).toEqual({ ref, built: true });
      expect(imagesWithLabel(LABEL_PIPELINE, CONSUMER_PIPELINE)).toContain(built);
    }
  });

  test('the package passes its declared smoke check: the zipapp greets, loudly, through its bundled local dependency', () => {
    const pyz = join(app, 'dist/hello-app/hello-app.pyz');
    expect(existsSync(pyz)).toBe(true);
    expect(existsSync(join(app, 'dist/hello-app-linux.tar.gz'))).toBe(true);
    // The smoke check of the guide's .projenrc.ts: arguments ["--name", "smoke check"], output ^HELLO, SMOKE CHECK!$
    const smoke = expectSuccess(runCommand('python3', [pyz, '--name', 'smoke check']), 'python3 hello-app.pyz --name "smoke check"');
    expect(smoke.stdout).toMatch(/^HELLO, SMOKE CHECK!$/m);
    // And as the driver runs it before a package ships: in a fresh container of the base stage's image.
    const driverSmoke = run(app, join(app, 'bin/docker.sh'), ['--ci', 'smoke'], { DOCKER_BUILDKIT: '0', BUILD_RUN_ID: runId('smoke') });
    if (driverSmoke.status !== 0) throw new Error(`bin/docker.sh --ci smoke failed\n${describeRun(driverSmoke, 40)}`);
  });
});
