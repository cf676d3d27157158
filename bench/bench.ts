/*
 * The benchmark of the build cache design (issue 9, items 5 and 6): `npx projen bench [--quick]`.
 * Builds for real on the local engine (run scripts/docker-engine.sh first), prints every figure and
 * ratio as it goes, and writes bench/RESULTS.md. Method: bench/README.md.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { cpus, tmpdir, totalmem } from 'os';
import { join, resolve } from 'path';
import { BenchOptions, parseArgs, selected, USAGE } from './lib/args';
import { ownRecords, parseCacheRecords } from './lib/build-cache';
import { Finished, holdLock, runCommand } from './lib/command';
import { Figure, Figures, formatSummary, formatValue, summaryOf, Unit } from './lib/figures';
import { ratioLines, renderReport, RunInfo } from './lib/report';
import { buildSteps, BuildSteps } from './lib/run-metrics';
import { METRICS_FILE } from '../src/shell/run-record';
import { NAIVE_COPIED_SOURCES } from './fixtures/pipelines';

const REPO = resolve(__dirname, '..');
const WORK = join(REPO, 'bench', '.work');
const LOGS = join(WORK, 'logs');
const STATE = join(WORK, 'state.json');
/** The lock every build of the example's (shared) images holds. */
const E2E_LOCK = '/tmp/staged-build-e2e.lock';

type Builder = 'legacy' | 'buildkit';
const BUILDERS: readonly Builder[] = ['legacy', 'buildkit'];

/** A pipeline the benchmark builds. */
interface Fixture {
  readonly key: 'heavy' | 'example' | 'naive';
  /** The pipeline root (build context), relative to the repository. */
  readonly dir: string;
  /** The file the one-line source edit goes to, relative to dir. */
  readonly editFile: string;
  /** Its images are shared with the e2e tests: every build holds the e2e lock. */
  readonly shared: boolean;
  /** The label of this pipeline's images (the driver's clean removes by it). */
  readonly stageImages: readonly string[];
  /** The stage that installs the Python dependencies, as its last step: whether it ran a step says whether the install re-ran. */
  readonly dependencyStage: string;
}

const HEAVY: Fixture = {
  key: 'heavy', dir: 'bench/fixtures/heavy', editFile: 'src/heavy_app/__init__.py', shared: false,
  stageImages: ['local/bench-heavy:base_ci', 'local/bench-heavy:runtime_ci', 'local/bench-heavy:package_ci'],
  dependencyStage: 'runtime',
};
const NAIVE: Fixture = {
  key: 'naive', dir: 'bench/fixtures/heavy-naive', editFile: 'src/heavy_app/__init__.py', shared: false,
  stageImages: ['local/bench-heavy-naive:base_ci', 'local/bench-heavy-naive:runtime_ci', 'local/bench-heavy-naive:package_ci'],
  dependencyStage: 'runtime',
};
const EXAMPLE: Fixture = {
  key: 'example', dir: 'examples/desktop-app', editFile: 'src/desktop_app/__init__.py', shared: true,
  stageImages: ['local/desktop-app:base_ci', 'local/desktop-app:runtime_ci', 'local/desktop-app:package_ci'],
  dependencyStage: 'runtime',
};
/** Markers of the heavy fixture's BuildKit cache records (its apt step and its image names). */
const HEAVY_CACHE_MARKERS = ['cython3', 'bench-heavy', '/heavy-app/python'];

interface State {
  commit: string;
  figures: Figures;
}

class Bench {
  private readonly state: State;
  private readonly started = Date.now();
  /** Image IDs this run produced, removed at the end when nothing tags them any more. */
  private readonly produced = new Map<Fixture, Set<string>>();
  private uidCounter = 0;
  private runCounter = 0;
  private readonly notes: string[] = [];

  /** `resumable`: whether the saved state's figures were measured from the same inputs as now. */
  constructor(private readonly options: BenchOptions, commit: string, previous: State | undefined, resumable: boolean) {
    this.state = options.resume && previous && resumable ? { ...previous, commit } : { commit, figures: {} };
    if (options.resume) {
      console.log(previous && resumable
        ? `bench: --resume: keeping the complete figures measured at ${previous.commit}`
        : `bench: --resume: nothing to keep (${previous ? `the figures were measured at ${previous.commit}, whose inputs differ` : 'no saved state'})`);
    }
  }

  private log(name: string): string {
    return join(LOGS, `${name}.log`);
  }

  /** Whether every figure in ids is selected and already complete (--resume). */
  private done(ids: readonly string[]): boolean {
    return ids.every((id) => !selected(this.options, id) || (this.state.figures[id]?.samples.length ?? 0) >= this.options.runs);
  }

  private wanted(ids: readonly string[]): boolean {
    return ids.some((id) => selected(this.options, id)) && !this.done(ids);
  }

  private reset(id: string, label: string, unit: Unit): Figure {
    const figure: Figure = { id, label, unit, samples: [], steps: [] };
    this.state.figures[id] = figure;
    return figure;
  }

  /** A sample; for a build, its step counts (from the driver's metrics) are kept and printed too. */
  private record(figure: Figure, value: number, steps?: BuildSteps): void {
    figure.samples.push(value);
    let detail = '';
    if (steps) {
      figure.steps?.push(steps);
      const dependency = steps.dependencyStageRan === undefined ? '' : `; runtime stage (dependency install) ${steps.dependencyStageRan ? 'RAN steps' : 'ran no step'}`;
      detail = `  [steps (metrics.json): ${steps.ran} ran, ${steps.cached} cached${dependency}]`;
    }
    console.log(`  ${figure.id} #${figure.samples.length}: ${formatValue(figure.unit, value)}${detail}`);
    this.save();
  }

  private finish(figure: Figure): void {
    const summary = summaryOf(this.state.figures, figure.id);
    if (summary) console.log(`= ${figure.id} (${figure.label}): ${formatSummary(figure.unit, summary)}`);
  }

  private save(): void {
    writeFileSync(STATE, `${JSON.stringify(this.state, null, 2)}\n`);
  }

  /** A user ID no earlier build of this run used: the stages' cache keys include it, so the build is cold. */
  private freshUid(): string {
    this.uidCounter++;
    return String(20000 + ((Math.floor(this.started / 1000) * 7 + this.uidCounter * 101) % 40000));
  }

  private builderEnv(builder: Builder, uid: string, runId: string): NodeJS.ProcessEnv {
    const docker = builder === 'legacy' ? (process.env.BENCH_LEGACY_DOCKER || 'docker') : (process.env.BENCH_BUILDKIT_DOCKER || '/usr/bin/docker');
    return {
      ...process.env, DOCKER: docker, DOCKER_BUILDKIT: builder === 'legacy' ? '0' : '1', HOST_UID: uid, HOST_GID: uid,
      BUILD_RUN_ID: runId,
    };
  }

  /** One driver command; `runId` is the run ID it was given (BUILD_RUN_ID), under which its metrics are. */
  private async driver(fixture: Fixture, builder: Builder, uid: string, args: readonly string[], logName: string): Promise<Finished & { runId: string }> {
    this.runCounter++;
    const runId = `bench-${fixture.key}-${builder}-${Date.now()}-${this.runCounter}`;
    const finished = await runCommand('./bin/docker.sh', ['--ci', ...args], {
      cwd: join(REPO, fixture.dir), env: this.builderEnv(builder, uid, runId), log: this.log(logName),
    });
    if (args.includes('build')) await this.rememberImages(fixture, builder, args);
    return { ...finished, runId };
  }

  /** The steps of a build run, as the driver recorded them in the pipeline's metrics file. */
  private stepsOf(fixture: Fixture, run: { runId: string }): BuildSteps {
    const file = join(REPO, fixture.dir, METRICS_FILE);
    return buildSteps(readFileSync(file, 'utf8'), run.runId, fixture.dependencyStage);
  }

  private async rememberImages(fixture: Fixture, builder: Builder, args: readonly string[]): Promise<void> {
    const registry = args.includes('--registry') ? `${args[args.indexOf('--registry') + 1]}/` : '';
    const set = this.produced.get(fixture) ?? new Set<string>();
    this.produced.set(fixture, set);
    for (const image of fixture.stageImages) {
      const r = await runCommand(this.docker(builder), ['image', 'inspect', '--format', '{{.Id}}', `${registry}${image}`], { log: this.log('images'), allowFailure: true });
      if (r.status === 0) set.add(r.output.trim());
    }
  }

  private docker(builder: Builder): string {
    return builder === 'legacy' ? (process.env.BENCH_LEGACY_DOCKER || 'docker') : (process.env.BENCH_BUILDKIT_DOCKER || '/usr/bin/docker');
  }

  /** Runs `work` holding the e2e lock when the fixture's images are shared with the tests. */
  private async locked<T>(fixture: Fixture, work: () => Promise<T>): Promise<T> {
    if (!fixture.shared) return work();
    console.log(`  (waiting for ${E2E_LOCK})`);
    const release = await holdLock(E2E_LOCK);
    try {
      return await work();
    } finally {
      await release();
    }
  }

  /** A one-line edit of the fixture's source file, undone after `work`. */
  private async edited<T>(fixture: Fixture, n: number, work: () => Promise<T>): Promise<T> {
    const file = join(REPO, fixture.dir, fixture.editFile);
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, `${original}# bench edit ${this.started}-${n}\n`);
    try {
      return await work();
    } finally {
      writeFileSync(file, original);
    }
  }

  /** Cold, warm and after-edit builds of one pipeline with one builder (and the naive layout's for heavy). */
  public async builds(fixture: Fixture, builder: Builder): Promise<void> {
    const p = `${fixture.key}.${builder}`;
    const ids = [`${p}.cold`, `${p}.warm`, `${p}.edit`, ...(fixture === HEAVY ? [`${p}.naive-edit`] : [])];
    if (!this.wanted(ids)) return;
    const name = fixture === HEAVY ? 'heavy fixture' : 'example';
    const builderName = builder === 'legacy' ? 'legacy builder' : 'BuildKit';
    console.log(`\n== ${p}: ${name}, ${builderName}`);
    await this.locked(fixture, async () => {
      const cold = this.reset(`${p}.cold`, `${name}, ${builderName}: cold build (own images removed, new user IDs: no cache)`, 'seconds');
      let uid = '';
      for (let i = 1; i <= this.options.runs; i++) {
        uid = this.freshUid();
        if (!fixture.shared) await this.driver(fixture, builder, uid, ['clean'], `${p}.clean`);
        const r = await this.driver(fixture, builder, uid, ['build'], `${p}.cold`);
        this.record(cold, r.seconds, this.stepsOf(fixture, r));
      }
      this.finish(cold);
      const warm = this.reset(`${p}.warm`, `${name}, ${builderName}: warm build, no change`, 'seconds');
      for (let i = 1; i <= this.options.runs; i++) {
        const r = await this.driver(fixture, builder, uid, ['build'], `${p}.warm`);
        this.record(warm, r.seconds, this.stepsOf(fixture, r));
      }
      this.finish(warm);
      const edit = this.reset(`${p}.edit`, `${name}, ${builderName}: warm build after a one-line source edit`, 'seconds');
      for (let i = 1; i <= this.options.runs; i++) {
        const r = await this.edited(fixture, i, () => this.driver(fixture, builder, uid, ['build'], `${p}.edit`));
        this.record(edit, r.seconds, this.stepsOf(fixture, r));
      }
      this.finish(edit);
    });
    if (fixture === HEAVY) await this.naive(builder);
  }

  /** The same edit with the naive layout: its sources (copied from heavy/) go into the base stage. */
  private async naive(builder: Builder): Promise<void> {
    const p = `heavy.${builder}`;
    for (const path of NAIVE_COPIED_SOURCES) {
      rmSync(join(REPO, NAIVE.dir, path), { recursive: true, force: true });
      cpSync(join(REPO, HEAVY.dir, path), join(REPO, NAIVE.dir, path), { recursive: true });
    }
    const uid = this.freshUid();
    await this.driver(NAIVE, builder, uid, ['clean'], `${p}.naive`);
    const prime = await this.driver(NAIVE, builder, uid, ['build'], `${p}.naive`);
    console.log(`  naive layout primed (cold build): ${formatValue('seconds', prime.seconds)}`);
    const figure = this.reset(`${p}.naive-edit`, `heavy fixture, ${builder === 'legacy' ? 'legacy builder' : 'BuildKit'}: naive layout (sources in base), warm build after the same edit`, 'seconds');
    for (let i = 1; i <= this.options.runs; i++) {
      const r = await this.edited(NAIVE, i, () => this.driver(NAIVE, builder, uid, ['build'], `${p}.naive`));
      this.record(figure, r.seconds, this.stepsOf(NAIVE, r));
    }
    this.finish(figure);
    await this.driver(NAIVE, builder, uid, ['clean'], `${p}.naive`);
  }

  /** A fresh machine: no local image or cache of the fixture, the previous run's images in the registry. */
  public async fresh(): Promise<void> {
    const id = 'fresh.heavy.buildkit';
    if (!this.wanted([id])) return;
    const registry = this.options.registry;
    console.log(`\n== ${id}: heavy fixture, BuildKit, from the registry cache at ${registry}`);
    const check = await runCommand('curl', ['-sf', '-o', '/dev/null', `http://${registry}/v2/`], { log: this.log('fresh'), allowFailure: true });
    if (check.status !== 0) throw new Error(`no registry answers at ${registry}: start it with bash scripts/registry.sh (or scripts/docker-engine.sh), or pass --registry HOST:PORT`);
    const uid = this.freshUid();
    const reg = ['--registry', registry];
    // The cache records there before this figure's builds are not ours: only newer ones are dropped.
    const before = await this.cacheIds();
    await this.driver(HEAVY, 'buildkit', uid, [...reg, 'clean'], id);
    const seed = await this.driver(HEAVY, 'buildkit', uid, [...reg, 'build'], id);
    console.log(`  the previous run: built ${formatValue('seconds', seed.seconds)}, pushing base runtime package`);
    await this.driver(HEAVY, 'buildkit', uid, [...reg, 'push', 'base', 'runtime', 'package'], id);
    const figure = this.reset(id, 'heavy fixture, BuildKit: fresh machine (local images and their build cache removed), build with the registry as cache', 'seconds');
    for (let i = 1; i <= this.options.runs; i++) {
      await this.driver(HEAVY, 'buildkit', uid, [...reg, 'clean'], id);
      await this.dropOwnCache(before);
      const r = await this.driver(HEAVY, 'buildkit', uid, [...reg, 'build'], id);
      this.record(figure, r.seconds, this.stepsOf(HEAVY, r));
    }
    this.finish(figure);
    await this.driver(HEAVY, 'buildkit', uid, [...reg, 'clean'], id);
    await this.dropOwnCache(before);
  }

  private async cacheIds(): Promise<Set<string>> {
    const df = await runCommand(this.docker('buildkit'), ['system', 'df', '-v', '--format', '{{json .BuildCache}}'], { log: this.log('cache') });
    return new Set(parseCacheRecords(df.output).map((r) => r.id));
  }

  /** Removes the BuildKit cache records of the heavy fixture that were not there `before` (children first). */
  private async dropOwnCache(before: ReadonlySet<string>): Promise<void> {
    const docker = this.docker('buildkit');
    const df = await runCommand(docker, ['system', 'df', '-v', '--format', '{{json .BuildCache}}'], { log: this.log('cache') });
    const ours = ownRecords(parseCacheRecords(df.output), before, HEAVY_CACHE_MARKERS);
    for (const record of ours) {
      await runCommand(docker, ['builder', 'prune', '-af', '--filter', `id=${record.id}`], { log: this.log('cache'), allowFailure: true });
    }
    console.log(`  removed ${ours.length} build cache records of the fixture`);
  }

  /** The build context with and without the generated .dockerignore. */
  public async contexts(): Promise<void> {
    const contexts: Array<[string, string]> = [['heavy', HEAVY.dir], ['example', EXAMPLE.dir], ['airunner', '.']];
    const ids = contexts.flatMap(([k]) => [`context.${k}.with`, `context.${k}.without`]);
    if (!this.wanted(ids)) return;
    console.log('\n== context: build context size with and without .dockerignore');
    for (const [key, dir] of contexts) {
      const cwd = join(REPO, dir);
      const without = this.reset(`context.${key}.without`, `build context of ${key} (${dir}) without .dockerignore: bytes of the tar of the folder`, 'bytes');
      const tar = await runCommand('bash', ['-c', 'tar -cf - . 2>/dev/null | wc -c'], { cwd, log: this.log('context') });
      this.record(without, Number(tar.output.trim()));
      const withIgnore = this.reset(`context.${key}.with`, `build context of ${key} (${dir}) with its .dockerignore: as the legacy builder reports it sent`, 'bytes');
      const sent = await runCommand(this.docker('legacy'), ['build', '-f', '-', '.'], {
        cwd, log: this.log('context'), allowFailure: true, input: 'FROM scratch\n', env: { ...process.env, DOCKER_BUILDKIT: '0' },
      });
      this.record(withIgnore, parseSentBytes(sent.output));
    }
  }

  /** `npx projen` of this repository against a bare projen TypeScript project's, alternately. */
  public async projen(): Promise<void> {
    const ids = ['projen.repo', 'projen.bare'];
    if (!this.wanted(ids)) return;
    console.log('\n== projen: npx projen here against a bare projen TypeScript project (same projen, same tsx runner)');
    const bare = mkdtempSync(join(tmpdir(), 'bench-bare-projen-'));
    try {
      writeFileSync(join(bare, 'package.json'), '{ "name": "bench-bare", "private": true }\n');
      writeFileSync(join(bare, '.projenrc.ts'), BARE_PROJENRC);
      symlinkSync(join(REPO, 'node_modules'), join(bare, 'node_modules'));
      // No post-synthesis step, in both (it would run npm install, which replaces the bare project's
      // node_modules link by a fresh install of other versions): PROJEN_DISABLE_POST for the first
      // synthesis, --no-post for the CLI (which sets PROJEN_DISABLE_POST from it).
      const env = { ...process.env, PROJEN_DISABLE_POST: 'true' };
      await runCommand('npx', ['tsx', '.projenrc.ts'], { cwd: bare, env, log: this.log('projen') });
      const repo = this.reset('projen.repo', '`npx projen --no-post` in this repository (synthesizes every pipeline)', 'seconds');
      const bareFigure = this.reset('projen.bare', '`npx projen --no-post` in a bare projen TypeScript project (same projen from node_modules, tsx runner)', 'seconds');
      for (let i = 1; i <= this.options.runs; i++) {
        const r = await runCommand('npx', ['projen', '--no-post'], { cwd: REPO, env, log: this.log('projen') });
        this.record(repo, r.seconds);
        const b = await runCommand('npx', ['projen', '--no-post'], { cwd: bare, env, log: this.log('projen') });
        this.record(bareFigure, b.seconds);
      }
      this.finish(repo);
      this.finish(bareFigure);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  }

  /**
   * Removes the images this run produced that nothing tags any more, the fixtures' own images, and
   * the fixtures' BuildKit cache records (their markers are theirs alone; cold builds of the example
   * leave records that cannot be told from the tests', which the engine's cache GC ages out).
   */
  public async cleanUp(): Promise<void> {
    for (const fixture of [HEAVY, NAIVE]) {
      if (this.produced.has(fixture)) await this.driver(fixture, 'buildkit', '1000', ['clean'], 'cleanup');
    }
    if (this.produced.has(HEAVY) || this.produced.has(NAIVE)) await this.dropOwnCache(new Set());
    for (const [fixture, ids] of this.produced) {
      await this.locked(fixture, async () => {
        for (const id of ids) {
          const tags = await runCommand('docker', ['image', 'inspect', '--format', '{{len .RepoTags}}', id], { log: this.log('cleanup'), allowFailure: true });
          if (tags.status === 0 && tags.output.trim() === '0') {
            await runCommand('docker', ['rmi', id], { log: this.log('cleanup'), allowFailure: true });
          }
        }
      });
    }
  }

  public report(info: Omit<RunInfo, 'totalSeconds'>): string {
    const text = renderReport({ ...info, totalSeconds: (Date.now() - this.started) / 1000 }, this.state.figures, [...NOTES, ...this.notes]);
    writeFileSync(resolve(REPO, this.options.output), text);
    console.log('\n== ratios');
    for (const line of ratioLines(this.state.figures)) console.log(`  ${line}`);
    return text;
  }
}

const BARE_PROJENRC = `import { javascript, typescript } from 'projen';
const project = new typescript.TypeScriptProject({
  name: 'bench-bare',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  projenrcTsOptions: { runner: typescript.TypeScriptRunner.tsx() },
  sampleCode: false,
});
project.synth();
`;

const NOTES: readonly string[] = [
  'Builds are `bin/docker.sh --ci build` of each pipeline, timed from outside (wall time of the whole command: stages, packager, smoke check). Legacy builder: `docker` on PATH with DOCKER_BUILDKIT=0; BuildKit: /usr/bin/docker with DOCKER_BUILDKIT=1.',
  'A cold build gets user IDs (HOST_UID/HOST_GID) no earlier build used: every stage\'s cache key includes them, so no step of it is cached, with either builder, and the shared engine\'s cache is never pruned; the fixtures\' own images are removed first too. The base images still come from the Debian mirror (apt), as on a fresh machine.',
  'The edit appends one comment line to the application\'s package `__init__.py` (restored after each build). The naive layout (bench/fixtures/heavy-naive) copies the sources into the base stage before the dependency install, as the original AiRunner build did.',
  'The fresh-machine figure pushes a build\'s images (base, runtime, package) to the loopback registry with the driver\'s push, removes the local images (the driver\'s clean) and the BuildKit cache records of the fixture (by ID, only records created by this benchmark), then times `build` with `--registry`, which gives BuildKit the registry\'s images as `--cache-from`. The legacy builder uses no registry cache in the driver, so it has no such figure.',
  'The step counts ("steps run / cached", over all stages of a build, every Dockerfile step but FROM; BuildKit lists no LABEL or ENV step, so its counts are smaller) are the driver\'s own, read from the build\'s line in the pipeline\'s build/metrics.json (`stages[].steps`); the benchmark parses no builder output. "Runtime stage (dependency install) re-ran" counts the builds whose runtime stage ran at least one step: the dependency install is that stage\'s last step, so any step run there means the install re-ran, and none means it came from the cache.',
  'The machine is shared: other jobs may have run on its 2 CPUs during the benchmark, which widens min..max.',
];

/** The bytes of "Sending build context to Docker daemon  209.4kB" (the last one printed). */
export function parseSentBytes(output: string): number {
  const all = [...output.matchAll(/Sending build context to Docker daemon\s+([0-9.]+)\s*([kMG]?B)/g)];
  const last = all[all.length - 1];
  if (!last) throw new Error(`the legacy builder did not report the context it sent: ${output.trim().split('\n').slice(-2).join(' / ')}`);
  const scale: Record<string, number> = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 };
  return Math.round(Number(last[1]) * scale[last[2]]);
}

async function text(command: string, args: readonly string[]): Promise<string> {
  const r = await runCommand(command, args, { log: join(LOGS, 'machine.log'), allowFailure: true });
  return r.status === 0 ? r.output.trim() : `unknown (${command} ${args.join(' ')} failed)`;
}

/**
 * What the figures depend on at a commit: the git objects of the library, the presets, the example,
 * the fixtures and the benchmark itself (not the report, the docs or the tests). --resume keeps
 * figures only when these are the same.
 */
const INPUTS = ['src', 'presets', 'examples', 'bench/fixtures', 'bench/lib', 'bench/bench.ts', '.projenrc.ts', 'package-lock.json'];
async function inputsOf(rev: string): Promise<string> {
  return text('git', ['rev-parse', ...INPUTS.map((path) => `${rev}:${path}`)]);
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`bench: ${(error as Error).message}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  mkdirSync(LOGS, { recursive: true });
  const engine = await runCommand('docker', ['version', '--format', '{{.Server.Version}}'], { log: join(LOGS, 'machine.log'), allowFailure: true });
  if (engine.status !== 0) {
    console.error('bench: no Docker engine answers; start one with: bash scripts/docker-engine.sh');
    return 4;
  }
  const commit = await text('git', ['rev-parse', '--short', 'HEAD']);
  // Uncommitted changes to what the figures depend on (not the report, the docs or the tests).
  const dirty = (await text('git', ['status', '--porcelain', '--', ...INPUTS])).length > 0;
  const previous = existsSync(STATE) ? (JSON.parse(readFileSync(STATE, 'utf8')) as State) : undefined;
  const resumable = previous !== undefined && !dirty && (await inputsOf(previous.commit)) === (await inputsOf('HEAD'));
  const bench = new Bench(options, commit, previous, resumable);
  console.log(`bench: ${options.runs} sample(s) per figure, commit ${commit}${dirty ? ' (uncommitted changes)' : ''}; logs in bench/.work/logs/`);
  const started = Date.now();
  try {
    for (const builder of BUILDERS) {
      await bench.builds(HEAVY, builder);
      await bench.builds(EXAMPLE, builder);
    }
    await bench.fresh();
    await bench.contexts();
    await bench.projen();
  } catch (error) {
    console.error(`bench: ${(error as Error).message}`);
    console.error('bench: the figures measured so far are in bench/.work/state.json; rerun with --resume to continue');
    await bench.cleanUp().catch(() => undefined);
    return 1;
  }
  await bench.cleanUp();
  bench.report({
    date: new Date().toISOString(), commit, dirty, runs: options.runs, cpus: cpus().length, memoryBytes: totalmem(),
    kernel: await text('uname', ['-sr']), engine: `dockerd ${engine.output.trim()}`,
    legacyClient: `${process.env.BENCH_LEGACY_DOCKER || 'docker'} ${await text(process.env.BENCH_LEGACY_DOCKER || 'docker', ['version', '--format', '{{.Client.Version}}'])}`,
    buildkitClient: `${process.env.BENCH_BUILDKIT_DOCKER || '/usr/bin/docker'} ${await text(process.env.BENCH_BUILDKIT_DOCKER || '/usr/bin/docker', ['version', '--format', '{{.Client.Version}}'])}`,
  });
  console.log(`\nbench: wrote ${options.output} in ${formatValue('seconds', (Date.now() - started) / 1000)}`);
  return 0;
}

if (require.main === module) {
  main().then((code) => process.exit(code), (error) => {
    console.error(`bench: ${(error as Error).stack ?? error}`);
    process.exit(1);
  });
}
