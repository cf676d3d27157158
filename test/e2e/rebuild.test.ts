import { createHash } from 'crypto';
import { appendFileSync, chmodSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { Testing } from 'projen/lib/testing';
import { DESKTOP_APP_STAGES } from '../../presets/desktop-app';
import { PackagingPipeline, ZipappPackager } from '../../src';
import { DRIVER_EXIT_CODES } from '../../src/shell/exit-codes';
import {
  BUILDKIT_DOCKER, cleanUp, copyExample, describeRun, describeWithEngine, dockerOk, expectSuccess, imageId,
  LABEL_PIPELINE, newRunId, PIPELINE, requireBaseImage, Run, runCommand, runScript,
} from '../support/docker';
import { emptyProject } from '../support/project';

/*
 * Warm rebuilds, on both builders, of a copy of the example (under the e2e lock, like every e2e
 * file): a build, a one-line edit of the application's sources, and `build` again. The second
 * build re-runs no step of the base and runtime stages (read from the builder's own output and
 * seen in the unchanged image IDs), leaves no new untagged image of the pipeline, and its package
 * still validates. Each build appends one JSON line to ./build/metrics.json. Last, a size budget
 * that the base image exceeds fails the build with its own exit status.
 */

jest.setTimeout(600_000);

const DRIVER = 'bin/docker.sh';
const ARTIFACT = 'dist/desktop-app-linux.tar.gz';
const CHECKSUM = `${ARTIFACT}.sha256`;
const EDITED = 'src/desktop_app/cli.py';

afterAll(() => cleanUp());

interface Builder {
  readonly name: 'legacy' | 'buildkit';
  readonly env: Record<string, string>;
}

const BUILDERS: readonly Builder[] = [
  { name: 'legacy', env: { DOCKER_BUILDKIT: '0' } },
  { name: 'buildkit', env: { DOCKER: BUILDKIT_DOCKER, DOCKER_BUILDKIT: '1' } },
];

/** The driver's output for one stage: from its "==> [i/n] STAGE:" line to its "<== STAGE:" line. */
function stageOutput(output: string, stage: string): string {
  const start = output.search(new RegExp(`^==> \\[\\d+/\\d+\\] ${stage}: `, 'm'));
  const end = output.indexOf(`\n<== ${stage}: `, start);
  if (start < 0 || end < 0) throw new Error(`no output of stage ${stage} in:\n${output}`);
  return output.slice(start, end);
}

/**
 * The RUN steps of a stage's build output and whether each came from the cache, as the builder
 * reports it: legacy "Step i/n : RUN ..." then " ---> Using cache"; BuildKit "#k [... i/n] RUN ..."
 * and later "#k CACHED".
 */
function runSteps(output: string, builder: Builder['name']): Array<{ step: string; cached: boolean }> {
  const lines = output.split('\n');
  if (builder === 'legacy') {
    return lines.flatMap((line, i) => (/^Step \d+\/\d+ : RUN /.test(line)
      ? [{ step: line, cached: lines[i + 1] === ' ---> Using cache' }] : []));
  }
  return lines.flatMap((line) => {
    const vertex = /^(#\d+) \[[^\]]*\d+\/\d+\] RUN /.exec(line);
    return vertex ? [{ step: line, cached: lines.includes(`${vertex[1]} CACHED`) }] : [];
  });
}

function build(copy: string, builder: Builder, runId: string): Run {
  return expectSuccess(runScript(copy, DRIVER, ['--ci', 'build'], { ...builder.env, BUILD_RUN_ID: runId }), `${DRIVER} --ci build (${builder.name})`);
}

/** The metrics file, one parsed object per line (JSON.parse throws on a line that is not JSON). */
function metricsLines(copy: string): Array<Record<string, any>> {
  return readFileSync(join(copy, 'build/metrics.json'), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
}

/** Untagged images of the example pipeline (`docker images --filter dangling=true`). */
function danglingImages(): string[] {
  return dockerOk(['images', '--quiet', '--no-trunc', '--filter', 'dangling=true', '--filter', `label=${LABEL_PIPELINE}=${PIPELINE}`])
    .split('\n').filter((id) => id !== '');
}

describeWithEngine('warm rebuilds of the example after a one-line source edit', () => {
  beforeAll(() => requireBaseImage());

  test.each(BUILDERS)('$name builder: no RUN step of base or runtime re-runs; the package still validates; metrics.json is written', (builder) => {
    const copy = copyExample();
    build(copy, builder, newRunId(`${builder.name}-first`));
    const before = { base: imageId('local/desktop-app:base_ci'), runtime: imageId('local/desktop-app:runtime_ci') };
    const dangling = danglingImages();

    appendFileSync(join(copy, EDITED), `# edited by the rebuild test (${builder.name}, ${Date.now()})\n`);
    const runId = newRunId(`${builder.name}-warm`);
    const warm = build(copy, builder, runId);

    for (const stage of ['base', 'runtime']) {
      const steps = runSteps(stageOutput(warm.stdout, stage), builder.name);
      expect(steps.length).toBeGreaterThan(0);
      expect(steps.filter((s) => !s.cached)).toEqual([]);
    }
    // The package stage copies the edited file: that copy is not cached.
    expect(stageOutput(warm.stdout, 'package')).not.toMatch(builder.name === 'legacy' ? /Step 4\/5 : COPY [^\n]*\n ---> Using cache/ : /COPY --chown=appuser:appuser src\/[^\n]*\n#\d+ CACHED/);
    expect({ base: imageId('local/desktop-app:base_ci'), runtime: imageId('local/desktop-app:runtime_ci') }).toEqual(before);
    expect(danglingImages().filter((id) => !dangling.includes(id))).toEqual([]);

    // The package validates and holds the edit.
    const check = expectSuccess(runCommand('sha256sum', ['--check', 'desktop-app-linux.tar.gz.sha256'], { cwd: join(copy, 'dist') }), 'sha256sum --check');
    expect(check.stdout.trim()).toBe('desktop-app-linux.tar.gz: OK');
    const pyz = expectSuccess(runCommand('python3', ['-c', 'import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read("desktop_app/cli.py").decode())', 'dist/desktop-app/desktop-app.pyz'], { cwd: copy }), 'reading the zipapp');
    expect(pyz.stdout).toContain(`# edited by the rebuild test (${builder.name}`);

    // One JSON line per build; the last is the warm one.
    const lines = metricsLines(copy);
    expect(lines).toHaveLength(2);
    const last = lines[1];
    expect(last).toMatchObject({ runId, command: 'build', mode: 'ci', builder: builder.name, result: 'ok' });
    expect(new Date(last.timestamp).toISOString().replace('.000', '')).toBe(last.timestamp);
    expect(last.stages.map((s: any) => [s.stage, s.image, s.cached])).toEqual([
      ['base', 'local/desktop-app:base_ci', true],
      ['runtime', 'local/desktop-app:runtime_ci', true],
      ['package', 'local/desktop-app:package_ci', false],
    ]);
    for (const stage of last.stages) {
      expect(stage.imageId).toBe(imageId(stage.image));
      expect(stage.sizeBytes).toBe(Number(dockerOk(['image', 'inspect', '--format', '{{.Size}}', stage.image])));
      expect(stage.layers).toBe(Number(dockerOk(['image', 'inspect', '--format', '{{len .RootFS.Layers}}', stage.image])));
      expect(stage.seconds).toBeGreaterThanOrEqual(0);
      expect(stage.contextBytes).toBeGreaterThanOrEqual(0);
    }
    const tarball = readFileSync(join(copy, ARTIFACT));
    expect(last.package).toMatchObject({
      path: ARTIFACT,
      sizeBytes: tarball.length,
      sha256: createHash('sha256').update(tarball).digest('hex'),
    });
    expect(readFileSync(join(copy, CHECKSUM), 'utf8')).toContain(last.package.sha256);
    // The table at the end of the build.
    expect(warm.stdout).toMatch(new RegExp(`^Metrics \\(${builder.name}, ci mode, [\\d.]+s; appended to \\./build/metrics\\.json\\):$`, 'm'));
    expect(warm.stdout).toMatch(/^ {2}runtime +[\d.]+ +[\d.]+MB +\d+ +yes +\S+$/m);
    // The run record names this run's images with their IDs.
    const record = readFileSync(join(copy, `build/runs/${runId}.tsv`), 'utf8');
    expect(record).toContain(`runtime\tlocal/desktop-app:runtime_ci\t${before.runtime}\n`);
  });
});

describeWithEngine('a size budget', () => {
  beforeAll(() => requireBaseImage());

  test('an image over its stage\'s budget fails the build with exit status 14 and one line naming stage, size and budget', () => {
    const copy = copyExample();
    // The example's model with a budget of 1 MB for its base stage, synthesized into a driver for the copy.
    const project = emptyProject();
    new PackagingPipeline(project, 'DesktopApp', {
      name: 'desktop-app',
      title: 'Desktop App example',
      labelPrefix: 'dev.staged-build.example',
      stages: [{ ...DESKTOP_APP_STAGES[0], sizeBudget: '1MB' }, ...DESKTOP_APP_STAGES.slice(1)],
      packager: new ZipappPackager({ sourceDir: 'src', main: 'desktop_app.cli:main', bundle: ['/home/appuser/.local/share/desktop-app/python'] }),
      sourcesElsewhere: true, // the sources are in the copy, not in this project
    });
    writeFileSync(join(copy, DRIVER), Testing.synth(project)[DRIVER]);
    chmodSync(join(copy, DRIVER), 0o755);

    const run = runScript(copy, DRIVER, ['--ci', 'build'], { BUILD_RUN_ID: newRunId('budget') });
    expect({ status: run.status, detail: run.status === DRIVER_EXIT_CODES.sizeBudget.code ? '' : describeRun(run) })
      .toEqual({ status: DRIVER_EXIT_CODES.sizeBudget.code, detail: '' });
    expect(run.stderr.trim().split('\n').pop()).toMatch(
      /^\.\/bin\/docker\.sh: error: stage base: image local\/desktop-app:base_ci is [\d.]+MB \(\d+ bytes\), over its size budget of 1\.0MB \(1000000 bytes\); make the stage smaller or raise its sizeBudget in \.projenrc\.ts$/);
    // Nothing after the base stage ran, and the metrics say why.
    expect(run.stdout).not.toMatch(/^==> \[2\/3\] runtime/m);
    const last = metricsLines(copy).pop()!;
    expect(last).toMatchObject({ result: 'size-budget', stages: [{ stage: 'base', sizeBudgetBytes: 1000000 }] });
    expect(last.stages[0].sizeBytes).toBeGreaterThan(1000000);
  });
});
