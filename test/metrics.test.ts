import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { PackagingPipeline, ZipappPackager } from '../src';
import { DESKTOP_APP_STAGES } from '../presets/desktop-app';
import { ALWAYS_IGNORED } from '../src/dockerfile/dockerignore';
import { parseSize } from '../src/model/size-budget';
import { DRIVER_EXIT_CODES } from '../src/shell/exit-codes';
import { runSnippets, shellWord } from './support/bash';
import { describeWithPodman, PODMAN, PODMAN_BASE_IMAGE, podmanImageId } from './support/podman';
import { emptyProject, modelProblems, synthPresets } from './support/project';
import { tempFolder } from './support/temp';

/*
 * Build metrics and size budgets: the model's sizeBudget (validated, rendered as bytes for the
 * driver), the driver's reading of real build output (fixtures captured from both builders on
 * this project's example), the metrics line and its Markdown table, and the .dockerignore.
 */

const FIXTURES = join(__dirname, 'fixtures', 'build-output');

function pipeline(budget: unknown): PackagingPipeline {
  const project = emptyProject();
  return new PackagingPipeline(project, 'App', {
    name: 'desktop-app',
    labelPrefix: 'dev.staged-build.example',
    stages: [{ ...DESKTOP_APP_STAGES[0], sizeBudget: budget as string }, ...DESKTOP_APP_STAGES.slice(1)],
    packager: new ZipappPackager({ sourceDir: 'src', main: 'desktop_app.cli:main' }),
    sourcesElsewhere: true,
  });
}

describe('sizeBudget in the model', () => {
  test.each([
    ['300MB', 300e6], ['1.5GiB', 1.5 * 2 ** 30], ['512kB', 512e3], ['10 MiB', 10 * 2 ** 20], ['1B', 1],
  ])('%s is %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  test.each(['300', 'MB', '0MB', '-1MB', '300mb', '3e2MB', '300 parsecs', ''])('"%s" is refused, naming the stage and the field', (text) => {
    const p = pipeline(text);
    expect(modelProblems(p.project)).toEqual([
      expect.stringMatching(new RegExp(`^\\[App/base\\] sizeBudget: "${text}" is not a size above zero: a number and a unit \\(B, kB, MB, GB, KiB, MiB, GiB\\), e\\.g\\. "300MB" or "1\\.5GiB"$`)),
    ]);
  });

  test('a number is refused (it must be a string with a unit)', () => {
    expect(modelProblems(pipeline(300).project)).toEqual(['[App/base] sizeBudget: must be a string (found number "300")']);
  });

  test('the driver receives it in bytes; a stage without a budget has none', () => {
    const p = pipeline('1.5GB');
    p.project.synth();
    const driver = readFileSync(join(p.project.outdir, 'bin/docker.sh'), 'utf8');
    const data = runSnippets([], `${functionOf(driver, 'stage_size_budget')}\nstage_size_budget base; stage_size_budget runtime || echo none`, { cwd: p.project.outdir });
    expect(data.stdout).toBe('1500000000\nnone\n');
  });

  test('the size budget has its own exit status, in --help and docs/BUILD.md', () => {
    expect(DRIVER_EXIT_CODES.sizeBudget.code).toBe(14);
    const files = synthPresets();
    expect(files['examples/desktop-app/docs/BUILD.md']).toContain(`| 14 | ${DRIVER_EXIT_CODES.sizeBudget.meaning} |`);
    expect(files['examples/desktop-app/bin/docker.sh']).toContain('EXIT_SIZE_BUDGET=14');
  });
});

/** The text of one bash function of a generated script. */
function functionOf(script: string, name: string): string {
  const match = new RegExp(`^${name}\\(\\) \\{\\n[\\s\\S]*?\\n\\}$`, 'm').exec(script);
  if (!match) throw new Error(`no function ${name}`);
  return match[0];
}

/** Runs a function of driver-metrics.sh in bash, with the driver's log functions and VARS. */
function metrics(script: string, vars: Record<string, string> = {}, env: Record<string, string> = {}) {
  const cwd = tempFolder('metrics');
  return { cwd, ...runSnippets(['driver-log', 'driver-metrics'], script, { cwd, vars: { DRY_RUN: '0', BUILD_LOG: 'build/build.log', ...vars }, env }) };
}

describe('reading the build output (captured from real builds: test/fixtures/build-output/README.md)', () => {
  /** [fixture, BUILDER, steps that ran, steps from the cache]: every step but FROM, as each builder prints them. */
  const STEPS: ReadonlyArray<readonly [string, string, number, number]> = [
    ['legacy-small-cold.txt', 'legacy', 3, 0],
    ['legacy-small-warm.txt', 'legacy', 0, 3],
    ['legacy-small-edited.txt', 'legacy', 1, 2],
    ['legacy-runtime-cold.txt', 'legacy', 5, 0],
    ['legacy-runtime-warm.txt', 'legacy', 0, 5],
    ['buildkit-small-cold.txt', 'buildkit', 2, 0],
    ['buildkit-small-warm.txt', 'buildkit', 0, 2],
    ['buildkit-small-edited.txt', 'buildkit', 1, 1],
    ['buildkit-runtime-warm.txt', 'buildkit', 0, 3],
    ['buildkit-base-warm.txt', 'buildkit', 0, 3],
    ['buildkit-package-edited.txt', 'buildkit', 2, 0],
    ['buildah-small-cold.txt', 'buildah', 3, 0],
    ['buildah-small-warm.txt', 'buildah', 0, 3],
    ['buildah-small-edited.txt', 'buildah', 1, 2],
    ['buildah-multistage-cold.txt', 'buildah', 3, 1],
    ['buildah-multistage-warm.txt', 'buildah', 0, 4],
  ];

  /** The variables as choose_builder leaves them for each builder (Podman: DOCKER_BUILDKIT=0). */
  const builderVars = (builder: string) => ({ BUILDER: builder, DOCKER_BUILDKIT: builder === 'buildkit' ? '1' : '0' });

  test.each(STEPS)('%s (BUILDER=%s): %d steps ran, %d from the cache', (file, builder, ran, cached) => {
    const run = metrics(`build_steps ${shellWord(join(FIXTURES, file))}`, builderVars(builder));
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(`${ran} ${cached}\n`);
  });

  test.each(STEPS)('%s (BUILDER=%s): fully cached only when no step ran (%d ran)', (file, builder, ran) => {
    const run = metrics(`if build_fully_cached ${shellWord(join(FIXTURES, file))}; then echo yes; else echo no; fi`, builderVars(builder));
    expect(run.stdout).toBe(ran === 0 ? 'yes\n' : 'no\n');
  });

  test('every builder has a capture of a cold, a warm and a one-step build of the same Dockerfile', () => {
    for (const builder of ['legacy', 'buildkit', 'buildah']) {
      const small = STEPS.filter(([file, b]) => b === builder && file.includes('-small-'));
      expect(small.map(([file, , ran, cached]) => [file.replace(/^.*-small-/, ''), ran > 0 && cached === 0, ran === 0, ran === 1])).toEqual([
        ['cold.txt', true, false, false], ['warm.txt', false, true, false], ['edited.txt', false, false, true],
      ]);
    }
  });

  test('the builder decides, not DOCKER_BUILDKIT: buildah\'s output read with BUILDER=buildah whatever DOCKER_BUILDKIT says', () => {
    const path = shellWord(join(FIXTURES, 'buildah-small-edited.txt'));
    for (const buildKit of ['0', '1']) {
      expect(metrics(`build_steps ${path}`, { BUILDER: 'buildah', DOCKER_BUILDKIT: buildKit }).stdout).toBe('1 2\n');
    }
  });

  test('an unknown builder is an error naming it', () => {
    const cwd = tempFolder('metrics');
    const run = runSnippets(['driver-log', 'driver-cli', 'driver-metrics'], `build_steps ${shellWord(join(FIXTURES, 'legacy-small-cold.txt'))}`, { cwd, vars: { BUILDER: 'kaniko', DRIVER_PATH: './bin/docker.sh' } });
    expect(run.status).toBe(DRIVER_EXIT_CODES.failure.code);
    expect(run.stderr).toContain('unknown builder \'kaniko\' (buildkit, legacy or buildah)');
  });

  test('an ARG before FROM is no step of the image (legacy: it never says "Using cache")', () => {
    const text = readFileSync(join(FIXTURES, 'legacy-runtime-warm.txt'), 'utf8');
    expect(text).toMatch(/^Step 1\/7 : ARG BASE_IMAGE=\S+\n(?! ---> Using cache)/m);
  });

  test.each([
    ['legacy-runtime-cold.txt', 'legacy', '227800'],
    ['legacy-small-cold.txt', 'legacy', '30720'],
    ['buildkit-runtime-warm.txt', 'buildkit', '883'],
    ['buildkit-package-edited.txt', 'buildkit', '43850'],
    ['buildkit-base-warm.txt', 'buildkit', '0'],
    ['buildkit-small-cold.txt', 'buildkit', '67'],
    ['buildah-small-cold.txt', 'buildah', ''],
    ['buildah-small-edited.txt', 'buildah', ''],
  ])('%s (BUILDER=%s): the context sent is "%s" bytes (buildah prints no size: none)', (file, builder, bytes) => {
    const run = metrics(`context_bytes ${shellWord(join(FIXTURES, file))}`, { BUILDER: builder });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(bytes === '' ? '' : `${bytes}\n`);
  });
});

describe('the metrics line and table', () => {
  const vars = {
    RUN_ID: 'unit-1', COMMAND: 'build', MODE: 'ci', DOCKER: 'docker', DOCKER_BUILDKIT: '0', BUILDER: 'legacy', PIPELINE_TITLE: 'Desktop App',
    METRICS_FILE: 'build/metrics.json', RUN_RECORD_DIR: 'build/runs', ARTIFACT: 'dist/app.tar.gz', CHECKSUM: 'dist/app.tar.gz.sha256',
  };
  const script = [
    'mkdir -p build dist',
    'printf "package" >dist/app.tar.gz',
    '(cd dist && sha256sum app.tar.gz >app.tar.gz.sha256)',
    'start_metrics',
    // As record_stage adds them (it needs an engine for docker image inspect; see test/e2e/rebuild.test.ts).
    'METRIC_STAGES+=("{\\"stage\\":\\"base\\",\\"cached\\":true}")',
    'METRIC_ROWS+=("base|0.3|189.7MB|4|yes|0B")',
    'record_package "${EPOCHREALTIME}"',
    'finish_metrics',
    'finish_metrics',
  ].join('\n');

  test('one JSON object per build command, appended: run ID, time, revision, builder, mode, stages, package', () => {
    const run = metrics(script, vars);
    expect(run.stderr).toBe('');
    const lines = readFileSync(join(run.cwd, 'build/metrics.json'), 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(2);
    const line = JSON.parse(lines[0]);
    expect(line).toMatchObject({
      runId: 'unit-1', command: 'build', mode: 'ci', builder: 'legacy', docker: 'docker', result: 'ok',
      stages: [{ stage: 'base', cached: true }],
      package: { path: 'dist/app.tar.gz', sizeBytes: 7, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    expect(line.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(line.revision === null || /^[0-9a-f]{40}$/.test(line.revision)).toBe(true);
    expect(line.package.sha256).toBe(readFileSync(join(run.cwd, 'dist/app.tar.gz.sha256'), 'utf8').split(' ')[0]);
    // The table on the terminal.
    expect(run.stdout).toMatch(/^Metrics \(legacy, ci mode, [\d.]+s; appended to \.\/build\/metrics\.json\):\n {2}Stage +Seconds +Size +Layers +Cached +Context\n {2}base +0\.3 +189\.7MB +4 +yes +0B\n {2}dist\/app\.tar\.gz +[\d.]+ +7B +- +- +-\n/);
  });

  test('$GITHUB_STEP_SUMMARY set: the same table in Markdown is appended to it', () => {
    const run = metrics(script, vars, { GITHUB_STEP_SUMMARY: 'summary.md' });
    const summary = readFileSync(join(run.cwd, 'summary.md'), 'utf8');
    const table = summary.split('\n\n')[1].split('\n');
    expect(table).toEqual([
      '| Stage | Seconds | Size | Layers | Cached | Context |',
      '| --- | ---: | ---: | ---: | --- | ---: |',
      '| base | 0.3 | 189.7MB | 4 | yes | 0B |',
      expect.stringMatching(/^\| dist\/app\.tar\.gz \| [\d.]+ \| 7B \| - \| - \| - \|$/),
    ]);
    expect(summary).toMatch(/^### Desktop App: build, ci mode, legacy, [\d.]+s\n/);
    expect(summary).toMatch(/\nPackage: `dist\/app\.tar\.gz`, 7B, sha256 `[0-9a-f]{64}`\n/);
    // Two builds, two tables.
    expect(summary.match(/^### /gm)).toHaveLength(2);
  });

  test('a value with quotes or backslashes stays valid JSON', () => {
    const run = metrics('mkdir -p build; start_metrics; finish_metrics', { ...vars, DOCKER: '/opt/my "docker"\\bin' });
    expect(JSON.parse(readFileSync(join(run.cwd, 'build/metrics.json'), 'utf8')).docker).toBe('/opt/my "docker"\\bin');
  });

  test.each([['0', '0B'], ['999', '999B'], ['1000', '1.0kB'], ['189700000', '189.7MB'], ['2500000000', '2.5GB'], ['', '-']])('human_size %s is %s', (bytes, text) => {
    expect(metrics(`human_size ${shellWord(bytes)}`).stdout).toBe(`${text}\n`);
  });
});

/*
 * record_stage after a buildah build: the image is inspected for real (Podman's store, the base
 * image, which scripts/podman-engine.sh loads; no build, so no e2e lock), the output is a capture.
 */
describeWithPodman('a stage\'s metrics from buildah\'s output (Podman)', () => {
  test('steps ran and cached, cached false, contextBytes null; "-" in the table; the built line says the size is not reported', () => {
    const output = join(FIXTURES, 'buildah-small-edited.txt');
    const run = metrics([
      'mkdir -p build',
      'stage_size_budget() { return 1; } # the generated data function: no budget for this stage',
      'start_metrics',
      `record_stage runtime ${PODMAN_BASE_IMAGE} ${PODMAN_BASE_IMAGE} "\${EPOCHREALTIME}" ${shellWord(output)}`,
      'echo "summary:$(stage_summary runtime)"',
      'finish_metrics',
    ].join('\n'), {
      RUN_ID: 'unit-buildah', COMMAND: 'build_runtime', MODE: 'ci', DOCKER: PODMAN, BUILDER: 'buildah', DOCKER_BUILDKIT: '0', PIPELINE_TITLE: 'App',
      METRICS_FILE: 'build/metrics.json', RUN_RECORD_DIR: 'build/runs', ARTIFACT: 'dist/app.tar.gz', CHECKSUM: 'dist/app.tar.gz.sha256',
    });
    expect(run.stderr).toBe('');
    const line = JSON.parse(readFileSync(join(run.cwd, 'build/metrics.json'), 'utf8'));
    expect(line).toMatchObject({ builder: 'buildah', docker: PODMAN });
    expect(line.stages).toEqual([expect.objectContaining({
      stage: 'runtime', image: PODMAN_BASE_IMAGE, imageId: podmanImageId(PODMAN_BASE_IMAGE),
      cached: false, steps: { ran: 1, cached: 2 }, contextBytes: null, sizeBudgetBytes: null,
    })]);
    expect(run.stdout).toMatch(/^summary:, [\d.]+MB, \d+ layers, 1 of 3 steps run, context size not reported by buildah$/m);
    expect(run.stdout).toMatch(/^ {2}runtime +[\d.]+ +[\d.]+MB +\d+ +no +-$/m);
  });
});

describe('the build context (.dockerignore)', () => {
  const files = synthPresets();
  const dockerignore = files['examples/desktop-app/.dockerignore'];
  const patterns = dockerignore.split('\n').filter((l) => l !== '' && !l.startsWith('#'));

  test('keeps out version control, outputs, logs, node_modules, virtual environments and caches', () => {
    for (const entry of ['.git', 'dist', 'build', 'logs', '*.log', '**/node_modules', '.venv', 'venv', '**/.venv', '.cache', '**/__pycache__', '**/.pytest_cache', '**/.mypy_cache']) {
      expect(patterns).toContain(entry);
    }
    expect(patterns).toEqual(ALWAYS_IGNORED.flatMap(([, p]) => p));
  });

  test('the driver\'s input hash applies every pattern (the forms it reads exactly as Docker does)', () => {
    const cwd = tempFolder('ignore');
    writeFileSync(join(cwd, '.dockerignore'), dockerignore);
    const run = runSnippets(['driver-input-tag'], [
      'load_context_ignore',
      'echo "${#CONTEXT_IGNORE_TOP[@]} ${#CONTEXT_IGNORE_ANY[@]}"',
      'for p in .git/x node_modules/a/b src/.venv/bin/python venv/lib logs/a.log src/x.log .cache/pip/x libs/g/.mypy_cache/y libs/g/g.egg-info/PKG-INFO; do context_ignored "$p" || echo "kept $p"; done',
      'context_ignored src/app.py || echo "kept src/app.py"',
    ].join('\n'), { cwd });
    expect(run.stdout).toBe(`${patterns.filter((p) => !p.startsWith('**/')).length} ${patterns.filter((p) => p.startsWith('**/')).length}\nkept src/app.py\n`);
  });
});
