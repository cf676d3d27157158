import { spawnSync } from 'child_process';
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { REPO_ROOT } from './project';
import { ActionContext, localActionFor, RehearsalRefusal, StepFailure } from './rehearsal-actions';
import { REGISTRY_ENV } from '../../src/workflows/workflow-options';
import { evaluateCondition, ExpressionContext, substitute } from './workflow-expressions';

/*
 * A rehearsal of a generated GitHub workflow on this machine. It reads the workflow file from the
 * commit it rehearses and runs its jobs in `needs` order, as GitHub would:
 *  - every job starts in an empty workspace; its checkout is a fresh git clone of that commit;
 *  - every `run:` step runs for real, as GitHub runs it (bash --noprofile --norc -eo pipefail),
 *    in the workspace (or its working-directory), with the workflow's, the job's and the step's
 *    `env:`, and the runner's GITHUB_* variables set to local values;
 *  - every `uses:` step goes through the one table of local equivalents (rehearsal-actions.ts);
 *  - `gh`, which only GitHub can serve, is a recording stand-in (gh-standin.sh) that checks its
 *    arguments;
 *  - the registry the workflow publishes to is replaced by a loopback one: in the workflow's
 *    BUILD_REGISTRY (which every driver command reads) and in the login step (through the table);
 *  - `if:` conditions and `${{ }}` in `with:`/`env:` go through a small evaluator that refuses what
 *    it does not know (workflow-expressions.ts); github.token and secrets.GITHUB_TOKEN are a token
 *    naming the job and its permissions, which the gh stand-in checks.
 * A key the rehearsal does not know (in the workflow, a job or a step) is refused: the rehearsal
 * stops with a RehearsalRefusal rather than skip something it cannot rehearse.
 * It prints, per job, each step and whether it ran for real, through the table, or was skipped.
 */

/** The event that starts the run. */
export interface RehearsalEvent {
  /** GITHUB_EVENT_NAME. */
  readonly name: 'push' | 'release' | 'workflow_dispatch';
  /** GITHUB_REF, e.g. "refs/heads/main" or "refs/tags/v1.0.0". */
  readonly ref: string;
  /** A release's tag (github.event.release.tag_name); the gh stand-in accepts only it. */
  readonly releaseTag?: string;
}

export interface RehearsalOptions {
  /** The workflow file, relative to the repository root. */
  readonly workflow: string;
  /** A git repository whose HEAD is the commit to rehearse (see createSourceRepository). */
  readonly source: string;
  readonly event: RehearsalEvent;
  /** The registry the workflow publishes to: the value of its BUILD_REGISTRY (e.g. "ghcr.io"). */
  readonly publishRegistry: string;
  /** The loopback registry that stands in for it (HOST:PORT[/PATH]): BUILD_REGISTRY of every step. */
  readonly localRegistry: string;
  /** A folder of the rehearsal's own: workspaces, artifacts, the gh stand-in's records. */
  readonly workDir: string;
  /** More runner environment: the tools of this runner (DOCKER, DOCKER_BUILDKIT, ...). */
  readonly runnerEnv?: Readonly<Record<string, string>>;
  /** Where the progress lines go. @default process.stdout */
  readonly print?: (line: string) => void;
}

/** How a step was done: run for real, through the table of local equivalents, or not at all. */
export type StepMode = 'ran' | 'table' | 'skipped';
export type Outcome = 'success' | 'failure' | 'skipped';

export interface StepRecord {
  readonly index: number;
  readonly name: string;
  readonly mode: StepMode;
  readonly outcome: Outcome;
  /** The run: line, or the uses: value. */
  readonly what: string;
  /** One line: what the table did, why it failed, or why it was skipped. */
  readonly summary: string;
  /** Everything a run: step printed (stdout and stderr, interleaved). */
  readonly output: string;
  readonly seconds: number;
}

export interface JobRecord {
  readonly id: string;
  readonly outcome: Outcome;
  /** Why a job was skipped. */
  readonly reason?: string;
  readonly steps: readonly StepRecord[];
}

export interface RehearsalResult {
  readonly conclusion: 'success' | 'failure';
  readonly jobs: readonly JobRecord[];
  /** What the gh stand-in recorded: one [tag, repository, ...files] per upload. */
  readonly releaseUploads: readonly string[][];
  /** The progress lines, as printed. */
  readonly report: string;
}

interface Step {
  readonly [key: string]: unknown;
}
interface Job {
  readonly needs?: string | string[];
  readonly if?: string;
  readonly permissions?: Record<string, string>;
  readonly env?: Record<string, unknown>;
  readonly steps?: Step[];
  readonly [key: string]: unknown;
}
interface Workflow {
  readonly on: Record<string, { branches?: string[]; types?: string[] } | null>;
  readonly env?: Record<string, unknown>;
  readonly jobs: Record<string, Job>;
  readonly [key: string]: unknown;
}

const WORKFLOW_KEYS = ['name', 'on', 'permissions', 'concurrency', 'env', 'jobs'];
const JOB_KEYS = ['name', 'needs', 'if', 'runs-on', 'timeout-minutes', 'permissions', 'env', 'steps'];
const STEP_KEYS = ['name', 'id', 'uses', 'with', 'run', 'env', 'if', 'working-directory', 'shell'];
/** What a runner takes from this machine's environment; nothing else leaks in (no jest or CI settings). */
const MACHINE_ENV = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'TERM'];
/** The repository's name on the rehearsal's pretend GitHub. */
export const REHEARSAL_REPOSITORY = 'rehearsal/staged-build';
export const REHEARSAL_ACTOR = 'rehearsal-bot';
const GH_STANDIN = join(REPO_ROOT, 'test', 'support', 'gh-standin.sh');

function refuseUnknownKeys(what: string, value: Record<string, unknown>, known: readonly string[]): void {
  const unknown = Object.keys(value).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new RehearsalRefusal(`${what}: ${unknown.map((k) => `"${k}"`).join(', ')} is not rehearsed (known: ${known.join(', ')})`);
}

/**
 * The runners this machine stands in for: GitHub's Linux x64 images. A job on another runner (a
 * native Windows or macOS package job, an arm64 job) cannot be rehearsed here: the whole workflow
 * is refused before any job runs, naming the jobs, rather than skipped silently or run on the
 * wrong system. (The example's workflows have none; AiRunner's native jobs are checked by the
 * structure tests and actionlint only.)
 */
export const REHEARSABLE_RUNNER = /^ubuntu-(latest|\d{2}\.\d{2})$/;

/** Refuses a workflow with a job this machine cannot stand in for (see REHEARSABLE_RUNNER). */
export function checkRunners(jobs: Readonly<Record<string, Job>>): void {
  const foreign = Object.entries(jobs).filter(([, job]) => !REHEARSABLE_RUNNER.test(String(job['runs-on'])));
  if (foreign.length > 0) {
    throw new RehearsalRefusal(`not rehearsable on this Linux x64 machine: ${foreign.map(([id, job]) => `job ${id} (runs-on ${String(job['runs-on'])})`).join(', ')}; `
      + 'only jobs on GitHub\'s Linux x64 runners (ubuntu-*) are rehearsed');
  }
}

/** The jobs in an order where each comes after every job it needs; a cycle or an unknown job is refused. */
export function jobOrder(jobs: Readonly<Record<string, Job>>): string[] {
  const order: string[] = [];
  const visiting = new Set<string>();
  const visit = (id: string, from: string) => {
    if (!(id in jobs)) throw new RehearsalRefusal(`job ${from} needs "${id}", which is not a job of the workflow`);
    if (order.includes(id)) return;
    if (visiting.has(id)) throw new RehearsalRefusal(`the jobs' needs make a cycle through ${id}`);
    visiting.add(id);
    for (const need of needsOf(jobs[id])) visit(need, id);
    visiting.delete(id);
    order.push(id);
  };
  for (const id of Object.keys(jobs)) visit(id, id);
  return order;
}

function needsOf(job: Job): string[] {
  return job.needs === undefined ? [] : [job.needs].flat();
}

/** The token a job gets: it names the job and its permissions (the gh stand-in reads them). */
export function jobToken(id: string, permissions: Readonly<Record<string, string>> | undefined): string {
  return `rehearsal-token:${id}:${Object.entries(permissions ?? {}).map(([k, v]) => `${k}=${v}`).join(',')}`;
}

/** A value of `with:` or `env:` as GitHub passes it: a string, with its ${{ }} evaluated. */
function valueOf(value: unknown, context: ExpressionContext): string {
  if (typeof value === 'string') return substitute(value, context);
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  throw new RehearsalRefusal(`the value ${JSON.stringify(value)} is not a string, number or boolean`);
}

function valuesOf(values: Record<string, unknown> | undefined, context: ExpressionContext): Record<string, string> {
  return Object.fromEntries(Object.entries(values ?? {}).map(([k, v]) => [k, valueOf(v, context)]));
}

function git(args: string[], cwd: string): string {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/**
 * A git repository in `dir` whose one commit is the working tree of `from` as it is now, with
 * every uncommitted change and every new file that git does not ignore: what a push of the
 * current tree would put on GitHub.
 */
export function createSourceRepository(dir: string, from = REPO_ROOT): string {
  mkdirSync(dir, { recursive: true });
  const listed = git(['ls-files', '-z', '--cached', '--others', '--exclude-standard'], from).split('\0').filter((p) => p !== '');
  const files = [...new Set(listed)].filter((p) => existsSync(join(from, p)) && statSync(join(from, p)).isFile());
  for (const path of files) {
    const to = join(dir, path);
    mkdirSync(join(to, '..'), { recursive: true });
    copyFileSync(join(from, path), to);
    chmodSync(to, statSync(join(from, path)).mode & 0o777 | 0o200);
  }
  git(['init', '--quiet', '--initial-branch=main'], dir);
  return commitAll(dir, 'The working tree to rehearse');
}

/** Commits every change of the source repository (a test's deliberate change); returns the commit. */
export function commitAll(dir: string, message: string): string {
  git(['add', '--all'], dir);
  git(['-c', 'user.name=rehearsal', '-c', 'user.email=rehearsal@localhost', 'commit', '--quiet', '--allow-empty', '-m', message], dir);
  return git(['rev-parse', 'HEAD'], dir).trim();
}

/** Runs the workflow's jobs; returns what happened. Throws RehearsalRefusal on what it cannot rehearse. */
export function rehearse(options: RehearsalOptions): RehearsalResult {
  const lines: string[] = [];
  const print = (line: string) => {
    lines.push(line);
    (options.print ?? ((l: string) => process.stdout.write(`${l}\n`)))(line);
  };
  const sha = git(['rev-parse', 'HEAD'], options.source).trim();
  const text = git(['show', `HEAD:${options.workflow}`], options.source);
  const workflow = parse(text) as Workflow;
  refuseUnknownKeys(`workflow ${options.workflow}`, workflow, WORKFLOW_KEYS);
  checkTrigger(workflow, options.event);
  checkRunners(workflow.jobs);

  const record = join(options.workDir, 'release-uploads');
  const artifacts = join(options.workDir, 'artifacts');
  const bin = join(options.workDir, 'bin');
  for (const dir of [record, artifacts, bin]) mkdirSync(dir, { recursive: true });
  copyFileSync(GH_STANDIN, join(bin, 'gh'));
  chmodSync(join(bin, 'gh'), 0o755);

  const machine = Object.fromEntries(MACHINE_ENV.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k] as string]));
  const started = Date.now();
  print(`[rehearsal] ${options.workflow} on ${options.event.name} (${options.event.ref}), commit ${sha.slice(0, 12)}; registry ${options.publishRegistry} -> ${options.localRegistry}`);

  const results = new Map<string, JobRecord>();
  for (const id of jobOrder(workflow.jobs)) {
    const job = workflow.jobs[id];
    refuseUnknownKeys(`job ${id}`, job, JOB_KEYS);
    const token = jobToken(id, job.permissions);
    const github = {
      event_name: options.event.name,
      ref: options.event.ref,
      ref_name: options.event.ref.replace(/^refs\/(heads|tags)\//, ''),
      sha,
      repository: REHEARSAL_REPOSITORY,
      actor: REHEARSAL_ACTOR,
      token,
      job: id,
      event: options.event.releaseTag === undefined ? {} : { release: { tag_name: options.event.releaseTag } },
    };
    const needs = needsOf(job);
    const needsSucceeded = needs.every((n) => results.get(n)?.outcome === 'success');
    const jobContext: ExpressionContext = { contexts: { github, secrets: { GITHUB_TOKEN: token }, env: {} }, succeeded: needsSucceeded };
    if (!evaluateCondition(job.if, jobContext)) {
      const reason = needsSucceeded ? `if: ${job.if} is false` : `a job it needs did not succeed (${needs.filter((n) => results.get(n)?.outcome !== 'success').join(', ')})`;
      print(`[rehearsal] job ${id}: skipped, ${reason}`);
      results.set(id, { id, outcome: 'skipped', reason, steps: [] });
      continue;
    }
    print(`[rehearsal] job ${id}${needs.length ? ` (needs ${needs.join(', ')})` : ''}, permissions ${JSON.stringify(job.permissions ?? {})}`);
    results.set(id, runJob(id, job, { options, workflow, github, token, sha, machine, bin, record, artifacts, print }));
    const outcome = results.get(id)!.outcome;
    print(`[rehearsal] job ${id}: ${outcome}`);
  }
  const jobs = [...results.values()];
  const conclusion = jobs.some((j) => j.outcome === 'failure') ? 'failure' : 'success';
  print(`[rehearsal] ${options.workflow}: ${conclusion} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  const uploadsFile = join(record, 'uploads.tsv');
  const releaseUploads = existsSync(uploadsFile) ? readFileSync(uploadsFile, 'utf8').split('\n').filter((l) => l !== '').map((l) => l.split('\t')) : [];
  return { conclusion, jobs, releaseUploads, report: lines.join('\n') };
}

/** The workflow must run on the event (and, for a push, on the ref's branch, named exactly). */
function checkTrigger(workflow: Workflow, event: RehearsalEvent): void {
  const on = workflow.on ?? {};
  if (!(event.name in on)) throw new RehearsalRefusal(`the workflow does not run on ${event.name} (it runs on ${Object.keys(on).join(', ')})`);
  const filter = on[event.name];
  if (event.name === 'push' && filter?.branches) {
    const branch = event.ref.replace(/^refs\/heads\//, '');
    if (filter.branches.some((b) => /[*?![\]]/.test(b))) throw new RehearsalRefusal('branch patterns are not rehearsed (name branches exactly)');
    if (!filter.branches.includes(branch)) throw new RehearsalRefusal(`a push to ${event.ref} does not start the workflow (branches: ${filter.branches.join(', ')})`);
  }
  if (event.name === 'release' && filter?.types && !filter.types.includes('published')) throw new RehearsalRefusal('the rehearsal publishes releases only');
  if (event.name === 'release' && !event.releaseTag) throw new RehearsalRefusal('a release event needs its tag (releaseTag)');
}

interface JobRun {
  readonly options: RehearsalOptions;
  readonly workflow: Workflow;
  readonly github: Record<string, unknown>;
  readonly token: string;
  readonly sha: string;
  readonly machine: Record<string, string>;
  readonly bin: string;
  readonly record: string;
  readonly artifacts: string;
  readonly print: (line: string) => void;
}

function runJob(id: string, job: Job, run: JobRun): JobRecord {
  const { options, print } = run;
  const home = join(options.workDir, 'jobs', id);
  const workspace = join(home, 'workspace');
  const temp = join(home, 'tmp');
  const dockerConfig = join(home, 'docker-config');
  for (const dir of [workspace, temp, dockerConfig]) mkdirSync(dir, { recursive: true });
  const commandFiles = Object.fromEntries(['GITHUB_OUTPUT', 'GITHUB_ENV', 'GITHUB_PATH', 'GITHUB_STEP_SUMMARY'].map((name) => [name, join(temp, name.toLowerCase())]));
  for (const file of Object.values(commandFiles)) writeFileSync(file, '');
  const runner: Record<string, string> = {
    ...run.machine,
    ...options.runnerEnv,
    PATH: `${run.bin}:${run.machine.PATH ?? '/usr/bin:/bin'}`,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: options.event.name,
    GITHUB_REF: options.event.ref,
    GITHUB_REF_NAME: String(run.github.ref_name),
    GITHUB_SHA: run.sha,
    GITHUB_REPOSITORY: REHEARSAL_REPOSITORY,
    GITHUB_ACTOR: REHEARSAL_ACTOR,
    GITHUB_JOB: id,
    GITHUB_WORKSPACE: workspace,
    RUNNER_OS: 'Linux',
    RUNNER_TEMP: temp,
    DOCKER_CONFIG: dockerConfig,
    REHEARSAL_GH_RECORD: run.record,
    REHEARSAL_RELEASE_TAG: options.event.releaseTag ?? '',
    REHEARSAL_REPOSITORY,
    ...commandFiles,
  };
  const contexts = { github: run.github, secrets: { GITHUB_TOKEN: run.token } };
  const baseContext: ExpressionContext = { contexts: { ...contexts, env: {} }, succeeded: true };
  const workflowEnv = valuesOf(run.workflow.env, baseContext);
  const jobEnv = valuesOf(job.env, { contexts: { ...contexts, env: workflowEnv }, succeeded: true });
  const minutes = typeof job['timeout-minutes'] === 'number' ? job['timeout-minutes'] : 360;
  const deadline = Date.now() + minutes * 60_000;
  const steps: StepRecord[] = [];
  // The steps context: each step with an id: its outputs (what its run: wrote to GITHUB_OUTPUT).
  const stepOutputs: Record<string, { outputs: Record<string, string> }> = {};
  let failed = false;

  (job.steps ?? []).forEach((step, i) => {
    refuseUnknownKeys(`job ${id}, step ${i + 1}`, step, STEP_KEYS);
    if ((step.uses === undefined) === (step.run === undefined)) throw new RehearsalRefusal(`job ${id}, step ${i + 1}: a step has either uses: or run:`);
    // Every run: is rehearsed with bash, GitHub's default on Linux; another shell is not.
    if (step.shell !== undefined && (step.shell !== 'bash' || step.run === undefined)) throw new RehearsalRefusal(`job ${id}, step ${i + 1}: shell: ${String(step.shell)} is not rehearsed (bash only)`);
    const what = String(step.uses ?? step.run);
    const name = typeof step.name === 'string' ? step.name : what;
    const env = { ...workflowEnv, ...jobEnv };
    const context: ExpressionContext = { contexts: { ...contexts, env, steps: stepOutputs }, succeeded: !failed };
    const started = Date.now();
    const done = (mode: StepMode, outcome: Outcome, summary: string, output = '') => {
      const seconds = (Date.now() - started) / 1000;
      steps.push({ index: i + 1, name, mode, outcome, what, summary, output, seconds });
      const label = { ran: '[ran]  ', table: '[table]', skipped: '[skip] ' }[mode];
      print(`  ${label} ${i + 1}. ${name}: ${outcome}${mode === 'skipped' ? '' : ` (${seconds.toFixed(1)}s)`} - ${summary}`);
      if (outcome === 'failure') {
        failed = true;
        if (output) print(output.trimEnd().split('\n').slice(-25).map((l) => `        | ${l}`).join('\n'));
      }
    };
    if (!evaluateCondition(typeof step.if === 'string' ? step.if : undefined, context)) {
      done('skipped', 'skipped', step.if === undefined ? 'a step before failed' : `if: ${String(step.if)} is false`);
      return;
    }
    const stepEnv = withLocalRegistry({ ...runner, ...env, ...valuesOf(step.env as Record<string, unknown> | undefined, context) }, options, `job ${id}, step ${i + 1}`);
    if (step.uses !== undefined) {
      const { action } = localActionFor(String(step.uses));
      const inputs = valuesOf(step.with as Record<string, unknown> | undefined, context);
      const unknown = Object.keys(inputs).filter((k) => !action.inputs.includes(k));
      if (unknown.length > 0) throw new RehearsalRefusal(`${what}: the input(s) ${unknown.join(', ')} are not rehearsed (known: ${action.inputs.join(', ')})`);
      const actionContext: ActionContext = {
        workspace, source: options.source, artifacts: run.artifacts, publishRegistry: options.publishRegistry, localRegistry: options.localRegistry, env: stepEnv,
        permissions: job.permissions ?? {}, attestations: join(options.workDir, 'attestations', id),
      };
      try {
        done('table', 'success', `${what} -> ${action.means}: ${action.run(inputs, actionContext)}`);
      } catch (error) {
        if (!(error instanceof StepFailure)) throw error;
        done('table', 'failure', `${what} -> ${action.means}: ${error.message}`);
      }
      return;
    }
    const cwd = join(workspace, typeof step['working-directory'] === 'string' ? step['working-directory'] : '.');
    const { status, output, timedOut } = runShell(String(step.run), cwd, stepEnv, temp, i + 1, deadline - Date.now());
    for (const [variable, file] of Object.entries(commandFiles)) {
      const written = readFileSync(file, 'utf8');
      if (variable === 'GITHUB_STEP_SUMMARY' || written === '') continue;
      if (variable !== 'GITHUB_OUTPUT' || typeof step.id !== 'string') throw new RehearsalRefusal(`job ${id}, step ${i + 1} wrote to ${variable}, which the rehearsal carries to later steps only as the outputs of a step with an id`);
      stepOutputs[step.id] = { outputs: parseStepOutputs(written, `job ${id}, step ${i + 1}`) };
      writeFileSync(file, '');
    }
    done('ran', status === 0 ? 'success' : 'failure', timedOut ? `timed out (timeout-minutes: ${minutes})` : `exit status ${status}: ${what}`, output);
  });
  return { id, outcome: failed ? 'failure' : 'success', steps };
}

/**
 * The outputs a step wrote to GITHUB_OUTPUT: "name=value" lines (GitHub's multi-line
 * "name<<DELIMITER" form is refused: no generated step writes it).
 */
export function parseStepOutputs(text: string, where: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const line of text.split('\n').filter((l) => l !== '')) {
    const match = /^([A-Za-z_][A-Za-z0-9_-]*)=(.*)$/.exec(line);
    if (!match) throw new RehearsalRefusal(`${where} wrote ${JSON.stringify(line)} to GITHUB_OUTPUT, which is not name=value (the only form the rehearsal reads)`);
    outputs[match[1]] = match[2];
  }
  return outputs;
}

/**
 * The one substitution of the rehearsal: the registry the workflow publishes to (its env
 * BUILD_REGISTRY, which every driver command reads) becomes the loopback registry. A workflow that
 * names another registry, or none, is refused: the rehearsal would publish somewhere real.
 */
function withLocalRegistry(env: Record<string, string>, options: RehearsalOptions, where: string): Record<string, string> {
  const value = env[REGISTRY_ENV];
  if (value === undefined) throw new RehearsalRefusal(`${where}: the workflow does not set ${REGISTRY_ENV}, so the rehearsal cannot point it at the loopback registry`);
  if (value !== options.publishRegistry) throw new RehearsalRefusal(`${where}: ${REGISTRY_ENV}=${value} is not the registry the rehearsal stands in for (${options.publishRegistry})`);
  return { ...env, [REGISTRY_ENV]: options.localRegistry };
}

/** One run: block, as GitHub runs it with `shell: bash`; stdout and stderr go to one log, in order. */
function runShell(script: string, cwd: string, env: Record<string, string>, temp: string, index: number, timeoutMs: number): { status: number | null; output: string; timedOut: boolean } {
  const file = join(temp, `step-${index}.sh`);
  const log = join(temp, `step-${index}.log`);
  writeFileSync(file, script);
  if (!existsSync(cwd)) return { status: 1, output: `working-directory ${cwd} does not exist`, timedOut: false };
  const fd = openSync(log, 'w');
  try {
    const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], { cwd, env, stdio: ['ignore', fd, fd], timeout: Math.max(timeoutMs, 1000), killSignal: 'SIGTERM' });
    const timedOut = (result.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
    return { status: result.status, output: readFileSync(log, 'utf8'), timedOut };
  } finally {
    closeSync(fd);
  }
}
