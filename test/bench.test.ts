/*
 * The benchmark's own logic on fake figures and on metrics lines (fake ones, and one the driver's own
 * metrics functions write from captured buildah output); the benchmark itself, npx projen bench,
 * builds for real and is not part of the tests.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { parseSentBytes } from '../bench/bench';
import { parseArgs, selected } from '../bench/lib/args';
import { ownRecords, parseCacheRecords } from '../bench/lib/build-cache';
import { dependencyStageRuns, Figures } from '../bench/lib/figures';
import { renderReport, RunInfo } from '../bench/lib/report';
import { buildSteps, BuildSteps } from '../bench/lib/run-metrics';
import { summarize } from '../bench/lib/stats';
import { evaluate, TARGETS } from '../bench/lib/targets';
import { METRICS_FILE } from '../src/shell/run-record';
import { runSnippets, shellWord } from './support/bash';
import { describeWithPodman, PODMAN, PODMAN_BASE_IMAGE } from './support/podman';
import { tempFolder } from './support/temp';

describe('bench arguments', () => {
  test('defaults: three samples, every figure, the loopback registry, bench/RESULTS.md', () => {
    const options = parseArgs([], {});
    expect(options).toEqual({ runs: 3, resume: false, only: [], registry: '127.0.0.1:5000', output: 'bench/RESULTS.md', help: false });
    expect(selected(options, 'heavy.legacy.cold')).toBe(true);
  });

  test('--quick is one sample; --runs, --only, --registry, --output, --resume', () => {
    expect(parseArgs(['--quick'], {}).runs).toBe(1);
    const options = parseArgs(['--runs', '5', '--only', 'heavy.buildkit', '--only', 'projen', '--registry', 'localhost:5001', '--output', '/tmp/r.md', '--resume'], {});
    expect(options).toMatchObject({ runs: 5, only: ['heavy.buildkit', 'projen'], registry: 'localhost:5001', output: '/tmp/r.md', resume: true });
    expect(selected(options, 'heavy.buildkit.edit')).toBe(true);
    expect(selected(options, 'heavy.legacy.edit')).toBe(false);
    expect(parseArgs([], { STAGED_BUILD_REGISTRY: '127.0.0.1:6000' }).registry).toBe('127.0.0.1:6000');
  });

  test.each([
    [['--runs', '0'], '--runs 0: must be a whole number of at least 1'],
    [['--runs'], '--runs needs a value'],
    [['--only', '--quick'], '--only needs a value'],
    [['--registry', 'http://x'], '--registry http://x: must be HOST[:PORT]'],
    [['--fast'], 'unknown option --fast'],
  ])('%j is refused: %s', (argv, message) => {
    expect(() => parseArgs(argv, {})).toThrow(message);
  });
});

describe('bench statistics', () => {
  test('median, min and max; an even count takes the mean of the middle two', () => {
    expect(summarize([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, n: 3 });
    expect(summarize([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4, n: 4 });
    expect(() => summarize([])).toThrow('no samples');
  });
});

/** A metrics.json line as the driver writes it (only the fields the benchmark reads, and a few others). */
function metricsLine(runId: string, stages: Array<[string, number, number]>): string {
  return JSON.stringify({ runId, command: 'build', result: 'ok', stages: stages.map(([stage, ran, cached]) => ({ stage, cached: ran === 0, steps: { ran, cached } })) });
}

describe('bench: the step counts of a build, from the driver\'s metrics file', () => {
  const file = [
    metricsLine('bench-a', [['base', 5, 0], ['runtime', 5, 0], ['package', 2, 0]]),
    metricsLine('bench-b', [['base', 0, 5], ['runtime', 0, 5], ['package', 1, 1]]),
    metricsLine('bench-c', [['base', 0, 5]]),
    '',
  ].join('\n');

  test('the run\'s line, summed over its stages; whether the dependency stage ran a step', () => {
    expect(buildSteps(file, 'bench-a', 'runtime')).toEqual({ ran: 12, cached: 0, dependencyStageRan: true });
    expect(buildSteps(file, 'bench-b', 'runtime')).toEqual({ ran: 1, cached: 11, dependencyStageRan: false });
  });

  test('a run that did not build the dependency stage leaves it out', () => {
    expect(buildSteps(file, 'bench-c', 'runtime')).toEqual({ ran: 0, cached: 5 });
  });

  test('no line of the run, or a stage without step counts (a driver older than the benchmark): an error saying so', () => {
    expect(() => buildSteps(file, 'bench-x', 'runtime')).toThrow('the driver\'s metrics file has no line of run bench-x');
    const old = JSON.stringify({ runId: 'bench-o', stages: [{ stage: 'base', cached: true }] });
    expect(() => buildSteps(old, 'bench-o', 'runtime')).toThrow('the metrics of run bench-o give stage base no step counts (steps.ran, steps.cached)');
  });

  test('a figure\'s builds whose dependency stage ran a step', () => {
    const steps: BuildSteps[] = [{ ran: 3, cached: 0, dependencyStageRan: true }, { ran: 1, cached: 9, dependencyStageRan: false }, { ran: 0, cached: 4 }];
    expect(dependencyStageRuns({ id: 'x', label: 'x', unit: 'seconds', samples: [1, 2, 3], steps })).toEqual({ ran: 1, of: 2 });
    expect(dependencyStageRuns({ id: 'x', label: 'x', unit: 'seconds', samples: [1], steps: [{ ran: 0, cached: 4 }] })).toBeUndefined();
  });
});

/*
 * The benchmark reads what the driver writes: the driver's own record_stage and finish_metrics on
 * captured buildah output (the image inspected for real in Podman's store: the base image; no build).
 */
describeWithPodman('bench: reading a metrics line the driver wrote', () => {
  test('two stages recorded by the driver\'s metrics functions: the bench sums them and sees the runtime stage ran a step', () => {
    const fixtures = join(__dirname, 'fixtures', 'build-output');
    const cwd = tempFolder('bench-metrics');
    const run = runSnippets(['driver-log', 'driver-metrics'], [
      'mkdir -p build',
      'stage_size_budget() { return 1; } # the generated data function: no budgets',
      'start_metrics',
      `record_stage base ${PODMAN_BASE_IMAGE} ${PODMAN_BASE_IMAGE} "\${EPOCHREALTIME}" ${shellWord(join(fixtures, 'buildah-small-warm.txt'))}`,
      `record_stage runtime ${PODMAN_BASE_IMAGE} ${PODMAN_BASE_IMAGE} "\${EPOCHREALTIME}" ${shellWord(join(fixtures, 'buildah-small-edited.txt'))}`,
      'finish_metrics',
    ].join('\n'), {
      cwd,
      vars: {
        DRY_RUN: '0', BUILD_LOG: 'build/build.log', RUN_ID: 'bench-podman-1', COMMAND: 'build', MODE: 'ci', DOCKER: PODMAN, BUILDER: 'buildah', DOCKER_BUILDKIT: '0',
        PIPELINE_TITLE: 'App', METRICS_FILE, RUN_RECORD_DIR: 'build/runs', ARTIFACT: 'dist/app.tar.gz', CHECKSUM: 'dist/app.tar.gz.sha256',
      },
    });
    expect(run.stderr).toBe('');
    const text = readFileSync(join(cwd, METRICS_FILE), 'utf8');
    expect(buildSteps(text, 'bench-podman-1', 'runtime')).toEqual({ ran: 1, cached: 5, dependencyStageRan: true });
    expect(buildSteps(text, 'bench-podman-1', 'base')).toEqual({ ran: 1, cached: 5, dependencyStageRan: false });
  });
});

describe('bench: the legacy builder\'s context size', () => {
  test('the legacy builder\'s reported context size', () => {
    expect(parseSentBytes('Sending build context to Docker daemon  32.77kB\rSending build context to Docker daemon  209.4kB\n')).toBe(209400);
    expect(parseSentBytes('Sending build context to Docker daemon  6.4MB\n')).toBe(6400000);
    expect(() => parseSentBytes('error: no such file')).toThrow('did not report the context');
  });
});

describe('bench build cache records', () => {
  const json = JSON.stringify([
    { ID: 'apt*', Parent: 'debian', Description: 'mount / from exec /bin/sh -c apt-get install cython3 gcc', CreatedAt: '2026-11-26 04:42:56.074 +0000 UTC' },
    { ID: 'user', Parent: 'apt', Description: 'mount / from exec /bin/sh -c groupadd', CreatedAt: '2026-11-26 04:42:57.000 +0000 UTC' },
    { ID: 'pip', Parent: 'user', Description: 'mount / from exec /bin/sh -c python3 -m pip install', CreatedAt: '2026-11-26 04:43:27.107 +0000 UTC' },
    { ID: 'debian', Parent: '', Description: 'pulled from debian', CreatedAt: '2026-11-25 20:00:00.000 +0000 UTC' },
    { ID: 'other', Parent: 'debian', Description: 'mount / from exec /bin/sh -c apt-get install python3', CreatedAt: '2026-11-26 04:43:00.000 +0000 UTC' },
    { ID: 'old', Parent: '', Description: 'cython3 of an earlier day', CreatedAt: '2026-11-20 04:43:00.000 +0000 UTC' },
    { ID: 'imported', Parent: 'pip', Description: 'mount / from exec /bin/sh -c cp', CreatedAt: '2026-11-01 00:00:00.000 +0000 UTC' },
  ]);

  test('only the records that were not there before and are, or descend from, a marked record; children first', () => {
    const records = parseCacheRecords(json);
    expect(records[0]).toEqual({ id: 'apt', parent: 'debian', description: 'mount / from exec /bin/sh -c apt-get install cython3 gcc' });
    // "imported" kept the creation time of the build that made it (a registry cache import): still ours.
    const ours = ownRecords(records, new Set(['debian', 'old']), ['cython3']);
    expect(ours.map((r) => r.id)).toEqual(['imported', 'pip', 'user', 'apt']);
  });

  test('an empty cache', () => {
    expect(parseCacheRecords('null')).toEqual([]);
    expect(parseCacheRecords('')).toEqual([]);
  });
});

/** Fake figures: a heavy fixture whose legacy edit re-ran the dependency install. */
function fakeFigures(): Figures {
  const seconds = (id: string, samples: number[], dependencyStageRan?: boolean): Figures => ({
    [id]: { id, label: id, unit: 'seconds', samples, steps: dependencyStageRan === undefined ? [] : samples.map(() => ({ ran: dependencyStageRan ? 4 : 1, cached: 3, dependencyStageRan })) },
  });
  return {
    ...seconds('heavy.legacy.cold', [150, 160, 170], true),
    ...seconds('heavy.legacy.edit', [90, 95, 100], true),
    ...seconds('heavy.legacy.naive-edit', [95, 96, 97], true),
    ...seconds('heavy.buildkit.cold', [140, 150, 160], true),
    ...seconds('heavy.buildkit.edit', [6, 7, 8], false),
    ...seconds('heavy.buildkit.naive-edit', [85, 90, 95], true),
    ...seconds('fresh.heavy.buildkit', [30, 31, 32], false),
    ...seconds('projen.repo', [6, 7, 8]),
    ...seconds('projen.bare', [5, 5, 5]),
    'context.heavy.with': { id: 'context.heavy.with', label: 'with', unit: 'bytes', samples: [201700] },
    'context.heavy.without': { id: 'context.heavy.without', label: 'without', unit: 'bytes', samples: [5000000] },
  };
}

describe('bench targets', () => {
  test('met and missed, with the factor and a why from the driver\'s step counts', () => {
    const figures = fakeFigures();
    const [legacyEdit, kitEdit, legacyNaive, kitNaive, fresh, projen] = TARGETS.map((t) => evaluate(t, figures));
    expect(legacyEdit).toMatchObject({ met: false, verdict: 'missed: 5.9x the limit' });
    expect(legacyEdit.ratio).toBeCloseTo(95 / 160);
    expect(legacyEdit.why).toContain('the runtime stage (its last step: the dependency install) re-ran steps in 3 of 3 builds after the edit');
    expect(legacyEdit.why).toContain('per-run --label');
    expect(legacyEdit.why).toContain('not merged at this commit');
    expect(kitEdit).toMatchObject({ met: true, verdict: 'met' });
    expect(legacyNaive).toMatchObject({ met: false });
    expect(legacyNaive.why).toContain('our layout\'s runtime stage (the dependency install) re-ran steps too');
    expect(kitNaive.met).toBe(true);
    expect(kitNaive.ratio).toBeCloseTo(90 / 7);
    expect(fresh.met).toBe(true);
    expect(projen).toMatchObject({ met: false, verdict: 'missed: 1.1x the limit' });
  });

  test('a target whose figures were not measured', () => {
    expect(evaluate(TARGETS[0], {})).toEqual({ target: TARGETS[0], verdict: 'not measured in this run' });
  });
});

describe('bench report', () => {
  const info: RunInfo = {
    date: '2026-11-26T05:00:00.000Z', commit: 'abc1234', dirty: false, runs: 3, cpus: 2, memoryBytes: 8 * 2 ** 30,
    kernel: 'Linux 6.1', engine: 'dockerd 20.10.24', legacyClient: 'docker 28.1.1', buildkitClient: '/usr/bin/docker 20.10.24', totalSeconds: 1234,
  };

  test('the machine, the targets with their verdicts, every figure with median, min, max', () => {
    const report = renderReport(info, fakeFigures(), ['a note']);
    const rows = report.split('\n');
    expect(rows).toContain('| CPUs | 2 |');
    expect(rows).toContain('| memory | 8.0 GiB |');
    expect(rows).toContain('| commit | abc1234 |');
    expect(rows).toContain('| engine | dockerd 20.10.24 |');
    const target = rows.find((r) => r.startsWith('| heavy fixture, legacy builder: warm build after a source edit / cold |'));
    expect(target?.split(' | ').slice(1, 4)).toEqual(['0.594', '<= 0.1', 'missed: 5.9x the limit']);
    expect(rows).toContain('| id | what | median (min, max, n) | samples | steps run / cached (per build) | runtime stage (dependency install) re-ran |');
    expect(rows).toContain('| heavy.legacy.cold | heavy.legacy.cold | 160.0 s (min 150.0 s, max 170.0 s, n=3) | 150.0 s, 160.0 s, 170.0 s | 4/3, 4/3, 4/3 | 3 of 3 |');
    expect(rows).toContain('| heavy.buildkit.edit | heavy.buildkit.edit | 7.0 s (min 6.0 s, max 8.0 s, n=3) | 6.0 s, 7.0 s, 8.0 s | 1/3, 1/3, 1/3 | 0 of 3 |');
    expect(rows).toContain('| context.heavy.with | with | 201.7 kB | 201.7 kB |  |  |');
    expect(rows).toContain('| build context of the heavy fixture: with / without .dockerignore | 0.040 |');
    expect(rows).toContain('- a note');
  });
});
