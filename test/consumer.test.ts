import { spawnSync } from 'child_process';
import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'fs';
import { join } from 'path';
import { CONSUMER_APP, CONSUMER_EXAMPLE, CONSUMER_PROJENRC, README_COPY_END, README_COPY_START } from './support/consumer';
import { formatFindings, lintDockerfile, shellcheck } from './support/linters';
import { REPO_ROOT } from './support/project';
import { tempFolder } from './support/temp';

/*
 * The guide's .projenrc.ts (examples/consumer/.projenrc.ts) without a Docker engine: the README
 * shows exactly this file, and it synthesizes against the current sources (its import of
 * "staged-build" mapped to src/index.ts), with linter-clean results. The e2e test
 * (test/e2e/consumer.test.ts) runs the same file against the packed library and builds for real.
 */

jest.setTimeout(180_000);

test('the README\'s "Use it in your own project" shows examples/consumer/.projenrc.ts word for word', () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(README_COPY_START);
  const end = readme.indexOf(README_COPY_END);
  expect({ start: start >= 0, end: end > start }).toEqual({ start: true, end: true });
  const block = readme.slice(start + README_COPY_START.length, end).trim();
  expect(block).toBe(`\`\`\`ts\n${readFileSync(CONSUMER_PROJENRC, 'utf8').trimEnd()}\n\`\`\``);
});

describe('the guide\'s .projenrc.ts, synthesized against the current sources', () => {
  const project = tempFolder('consumer-synth');
  const app = join(project, CONSUMER_APP);

  beforeAll(() => {
    cpSync(CONSUMER_PROJENRC, join(project, '.projenrc.ts'));
    cpSync(join(CONSUMER_EXAMPLE, CONSUMER_APP), app, { recursive: true });
    // "staged-build" is this repository's sources; projen and constructs its node_modules.
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(project, 'node_modules'));
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { paths: { 'staged-build': [join(REPO_ROOT, 'src/index.ts')] } } }));
    const run = spawnSync(join(REPO_ROOT, 'node_modules/.bin/tsx'), ['.projenrc.ts'], { cwd: project, encoding: 'utf8', env: { ...process.env, PROJEN_DISABLE_POST: 'true' } });
    if (run.status !== 0) throw new Error(`tsx .projenrc.ts failed\n${run.stdout}\n${run.stderr}`);
  });

  test('it type-checks against the library\'s exports', () => {
    const config = join(project, 'tsconfig.check.json');
    writeFileSync(config, JSON.stringify({
      compilerOptions: {
        noEmit: true, strict: true, skipLibCheck: true, module: 'node16', target: 'es2022', moduleResolution: 'node16', types: ['node'],
        paths: { 'staged-build': [join(REPO_ROOT, 'src/index.ts')] },
      },
      files: ['.projenrc.ts'],
    }));
    const check = spawnSync(join(REPO_ROOT, 'node_modules/.bin/tsc'), ['--project', config], { cwd: project, encoding: 'utf8' });
    expect(`${check.stdout}${check.stderr}`).toBe('');
    expect(check.status).toBe(0);
  });

  test('it writes the pipeline\'s files under app/, and the ignore entries for app/\'s outputs', () => {
    const files = (JSON.parse(readFileSync(join(project, '.projen/files.json'), 'utf8')) as { files: string[] }).files;
    expect(files).toEqual(expect.arrayContaining([
      'app/bin/docker.sh', 'app/test_ci_mode.sh', 'app/docs/BUILD.md', 'app/package/linux/package.sh',
      'app/package/linux/Dockerfile.base', 'app/package/linux/Dockerfile.runtime', 'app/package/linux/Dockerfile.package',
    ]));
    for (const ignoreFile of ['.gitignore', '.npmignore']) {
      expect(readFileSync(join(project, ignoreFile), 'utf8').split('\n')).toEqual(expect.arrayContaining(['/app/dist/', '/app/build/', '/app/.env', '/app/ci_mode_test_results.log']));
    }
  });

  test('its generated scripts pass shellcheck and its Dockerfiles the Dockerfile linter', () => {
    const scripts = ['bin/docker.sh', 'test_ci_mode.sh', 'package/linux/package.sh'].map((p) => join(app, p));
    const findings = [
      ...shellcheck(scripts),
      ...['base', 'runtime', 'package'].flatMap((stage) => lintDockerfile(readFileSync(join(app, `package/linux/Dockerfile.${stage}`), 'utf8'), `Dockerfile.${stage}`)),
    ];
    if (findings.length > 0) throw new Error(formatFindings(findings));
  });

  test('its driver\'s CI-mode dry run plans the three stages with the guide\'s image names', () => {
    const run = spawnSync(join(app, 'bin/docker.sh'), ['--ci', '--dry-run', 'build'], { cwd: app, encoding: 'utf8' });
    expect(run.status).toBe(0);
    for (const stage of ['base', 'runtime', 'package']) expect(run.stdout).toContain(`--tag local/hello-app:${stage}_ci`);
  });
});
