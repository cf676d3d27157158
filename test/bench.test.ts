/*
 * The benchmark's own logic on fake figures and recorded builder output (the benchmark itself,
 * npx projen bench, builds for real and is not part of the tests).
 */
import { parseSentBytes } from '../bench/bench';
import { parseArgs, selected } from '../bench/lib/args';
import { cacheUse } from '../bench/lib/build-log';
import { ownRecords, parseCacheRecords } from '../bench/lib/build-cache';
import { Figures } from '../bench/lib/figures';
import { renderReport, RunInfo } from '../bench/lib/report';
import { summarize } from '../bench/lib/stats';
import { evaluate, TARGETS } from '../bench/lib/targets';

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

describe('bench build logs', () => {
  test('legacy builder: a cached and a re-run dependency install', () => {
    const log = [
      'Step 1/5 : ARG BASE_IMAGE', 'Step 2/5 : FROM ${BASE_IMAGE}', ' ---> 41ea5fc09835',
      'Step 3/5 : COPY requirements.txt /app/', ' ---> Using cache',
      'Step 4/5 : RUN apt-get update', ' ---> Using cache', ' ---> 1a2b',
      'Step 5/5 : RUN python3 -m pip install --target /x -r requirements.txt', ' ---> Running in 0f0f', 'Processing ./libs/kernels',
    ].join('\n');
    expect(cacheUse(log)).toEqual({ ran: 1, cached: 1, markerRan: true });
    expect(cacheUse(log.replace(' ---> Running in 0f0f', ' ---> Using cache'))).toEqual({ ran: 0, cached: 2, markerRan: false });
  });

  test('BuildKit (engine 20.10, the vertex digest line first): CACHED or run', () => {
    const log = [
      '#5 [2/4] RUN apt-get update', '#5 sha256:f496ff', '#5 CACHED', '',
      '#8 [4/4] RUN python3 -m pip install --no-index -r requirements.txt', '#8 sha256:66df45', '#8 3.144   Preparing metadata', '#8 DONE 80.1s',
      '#9 [1/2] COPY src/ /app/src/', '#9 sha256:abc', '#9 DONE 0.1s',
    ].join('\n');
    expect(cacheUse(log)).toEqual({ ran: 1, cached: 1, markerRan: true });
    expect(cacheUse(log.replace('#8 3.144   Preparing metadata', '#8 CACHED'))).toEqual({ ran: 0, cached: 2, markerRan: false });
  });

  test('no dependency install seen: markerRan is left out', () => {
    expect(cacheUse('Step 1/2 : RUN true\n ---> Running in 1\n')).toEqual({ ran: 1, cached: 0 });
  });

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
  const seconds = (id: string, samples: number[], markerRan?: boolean): Figures => ({
    [id]: { id, label: id, unit: 'seconds', samples, cache: markerRan === undefined ? [] : samples.map(() => ({ ran: 1, cached: 3, markerRan })) },
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
  test('met and missed, with the factor and a why from the build logs', () => {
    const figures = fakeFigures();
    const [legacyEdit, kitEdit, legacyNaive, kitNaive, fresh, projen] = TARGETS.map((t) => evaluate(t, figures));
    expect(legacyEdit).toMatchObject({ met: false, verdict: 'missed: 5.9x the limit' });
    expect(legacyEdit.ratio).toBeCloseTo(95 / 160);
    expect(legacyEdit.why).toContain('the dependency install re-ran in 3 of 3 builds after the edit');
    expect(legacyEdit.why).toContain('per-run --label');
    expect(legacyEdit.why).toContain('not merged at this commit');
    expect(kitEdit).toMatchObject({ met: true, verdict: 'met' });
    expect(legacyNaive).toMatchObject({ met: false });
    expect(legacyNaive.why).toContain('our layout re-ran the dependency install too');
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
    expect(rows).toContain('| heavy.legacy.cold | heavy.legacy.cold | 160.0 s (min 150.0 s, max 170.0 s, n=3) | 150.0 s, 160.0 s, 170.0 s | 3 of 3 |');
    expect(rows).toContain('| context.heavy.with | with | 201.7 kB | 201.7 kB |  |');
    expect(rows).toContain('| build context of the heavy fixture: with / without .dockerignore | 0.040 |');
    expect(rows).toContain('- a note');
  });
});
