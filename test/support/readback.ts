import { Arg, DockerfileParser, Instruction } from 'dockerfile-ast';
import { Construct, RootConstruct } from 'constructs';
import { parse as parseYaml } from 'yaml';
import { ModelSpec } from './arbitraries';
import {
  BUILD_MODES, DEFAULT_GATE_TASKS, DEFAULT_GATE_TIMEOUT_MINUTES, DEFAULT_USER_ID, dispatchWorkflow, Pipeline, PipelineStage, releaseWorkflow,
  renderDockerfile, renderWorkflowYaml, stageDockerfile, USER_ID_ARGS, WorkflowGate,
} from '../../src';
import { asAndClause as clause } from '../../src/model/shell-syntax';

/*
 * Reading generated files back through real parsers and comparing them with the model they came
 * from: each Dockerfile through dockerfile-ast (the instructions and values Docker would see, after
 * its unquoting), each workflow through `yaml`. Every function returns a list of differences
 * (empty when the file says exactly what the model says), so that a failure names them all.
 */

/** The model alone (no projen project): a Pipeline in a bare construct tree. */
export function pipelineOf(spec: ModelSpec): Pipeline {
  return new Pipeline(new Construct(new RootConstruct(), 'App'), spec.props);
}

/**
 * A double-quoted ENV/LABEL/ARG value as Docker reads it. dockerfile-ast removes the quotes and the
 * `\"` and `\\` escapes, and keeps `\$` until variable expansion, where Docker makes it a literal "$".
 */
function dockerValue(parsed: string | null): string | null {
  return parsed === null ? null : parsed.replace(/\\\$/g, '$');
}

/** What Docker leaves of a RUN: the line continuations (`\` + newline) removed, the next line's indentation kept. */
const CONTINUATION = '     ';

/**
 * The shell command Docker runs for a RUN instruction's text, by Docker's own rule: a line that
 * ends with `\` (then optional blanks) continues on the next one, without the `\` and the line
 * break; then the keyword and the flags (`--mount=...`) go. (dockerfile-ast's getArgumentsContent
 * loses a `\'` at the end of a continued RUN, which Docker keeps: checked on a real engine.)
 */
export function dockerRunCommand(instructionText: string): string {
  const lines = instructionText.split('\n');
  const joined = lines.map((line, k) => (k < lines.length - 1 ? line.replace(/\\[ \t]*$/, '') : line)).join('');
  return joined.replace(/^RUN\s+/, '').replace(/^(--\S+\s+)+/, '');
}

/** Differences between a stage's rendered Dockerfile, read back, and the model. */
export function dockerfileDifferences(pipeline: Pipeline, stage: PipelineStage): string[] {
  const text = renderDockerfile(stageDockerfile(pipeline, stage));
  const problems: string[] = [];
  const expect = (what: string, actual: unknown, expected: unknown) => {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) problems.push(`${stage.name}: ${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  };
  const parsed = DockerfileParser.parse(text);
  const all = parsed.getInstructions();
  const p = stage.props;
  const parent = pipeline.parentOf(stage);
  const user = pipeline.userOf(stage);

  // FROM, and the ARG before it that names the parent's image.
  expect('FROM count', parsed.getFROMs().length, 1);
  expect('FROM image', parsed.getFROMs()[0]?.getImage(), parent ? `\${${parent.imageArgName}}` : stage.baseImage);
  expect('ARGs before FROM', parsed.getInitialARGs().map((a) => [a.getProperty()?.getName(), dockerValue(a.getProperty()?.getValue() ?? null)]),
    parent ? [[parent.imageArgName, parent.image('ci')]] : []);

  // ARGs after FROM: the user's IDs, then the stage's build arguments, with their defaults.
  const args = all.filter((i) => i.getKeyword() === 'ARG').slice(parsed.getInitialARGs().length) as Arg[];
  expect('ARGs', args.map((a) => [a.getProperty()?.getName(), dockerValue(a.getProperty()?.getValue() ?? null)]), [
    ...(p.user ? USER_ID_ARGS.map((n) => [n, p.user?.defaultId ?? DEFAULT_USER_ID]) : []),
    ...(p.buildArgs ?? []).map((a) => [a.name, a.default]),
  ]);

  // LABEL and ENV key-values, as Docker unquotes them.
  const properties = (keyword: string) => all.filter((i) => i.getKeyword() === keyword)
    .flatMap((i) => (i as unknown as { getProperties(): Array<{ getName(): string; getValue(): string | null }> }).getProperties())
    .map((prop) => [prop.getName(), dockerValue(prop.getValue())]);
  expect('LABELs', properties('LABEL'), pipeline.labelsOf(stage));
  expect('ENVs', properties('ENV'), Object.entries(p.env ?? {}));

  // USER and WORKDIR.
  const users = all.filter((i) => i.getKeyword() === 'USER').map((i) => i.getArgumentsContent());
  const ownUser = p.user !== undefined || (p.systemPackages ?? []).length > 0;
  expect('last USER', users[users.length - 1], user && ownUser ? user.name : undefined);
  if (users.includes('root')) expect('USER root only for the system packages of a child stage', !!(parent && user && (p.systemPackages ?? []).length > 0), true);
  expect('WORKDIR', all.filter((i) => i.getKeyword() === 'WORKDIR').map((i) => i.getArgumentsContent()), p.workdir ? [p.workdir] : []);

  // RUNs: system packages, user creation, then one per run step, each command one && clause.
  const runs = all.filter((i) => i.getKeyword() === 'RUN');
  const runText = (i: Instruction) => {
    const flags = (i as unknown as { getFlags(): Array<{ getName(): string; getValue(): string | null }> }).getFlags();
    return { flags: flags.map((f) => `${f.getName()}=${f.getValue()}`), command: dockerRunCommand(i.getTextContent()) };
  };
  let next = 0;
  if ((p.systemPackages ?? []).length > 0) {
    const words = (runs[next++]?.getArgumentsContent() ?? '').split(/\s+/);
    const from = words.indexOf('--no-install-recommends') + 1;
    expect('apt-get install packages', words.slice(from, words.indexOf('&&', from)), p.systemPackages);
  }
  if (p.user) expect('user creation RUN', /useradd .* --uid "\$\{HOST_UID\}"/.test(runs[next++]?.getArgumentsContent() ?? ''), true);
  const steps = pipeline.stepsOf(stage);
  const runSteps = steps.filter((s) => s.kind === 'run');
  expect('RUN count', runs.length - next, runSteps.length);
  runSteps.forEach((step, k) => {
    const { flags, command } = runText(runs[next + k]);
    expect(`RUN of run step ${k}`, command, step.kind === 'run' ? step.commands.map(clause).join(`${CONTINUATION}&& `) : '');
    const mounts = pipeline.props.buildKitCacheMounts && step.kind === 'run' ? (step.cacheDirectories ?? []) : [];
    expect(`cache mounts of run step ${k}`, flags.map((f) => f.replace(/^mount=type=cache,target=([^,]*).*$/, '$1')), mounts);
  });

  // COPYs: sources and destination as Docker reads them (JSON form through a JSON parser), and --chown.
  const copies = all.filter((i) => i.getKeyword() === 'COPY');
  const copySteps = steps.filter((s) => s.kind === 'copy');
  expect('COPY count', copies.length, copySteps.length);
  copySteps.forEach((step, k) => {
    const copy = copies[k];
    if (!copy || step.kind !== 'copy') return;
    const content = copy.getArgumentsContent() ?? '';
    const flags = (copy as unknown as { getFlags(): Array<{ getName(): string; getValue(): string | null }> }).getFlags();
    // The flags are not in the arguments; Docker reads the JSON form with a JSON parser, the plain form split at white space.
    const paths = content.startsWith('[') ? JSON.parse(content) as string[] : content.split(/\s+/);
    expect(`COPY ${k} paths`, paths, [...step.sources, step.destination]);
    const owned = (step.ownedByUser ?? true) && user;
    expect(`COPY ${k} --chown`, flags.map((f) => `${f.getName()}=${f.getValue()}`), owned ? [`chown=${user.name}:${user.name}`] : []);
  });
  return problems;
}

/** The gate a workflow without gate options gets in a plain projen project (not a Node project). */
export const PLAIN_PROJECT_GATE: WorkflowGate = { tasks: DEFAULT_GATE_TASKS, nodeVersion: 'lts/*', installCommand: 'npm ci', timeoutMinutes: DEFAULT_GATE_TIMEOUT_MINUTES };

/** Differences between the rendered workflows, read back with `yaml`, and the model. */
export function workflowDifferences(pipeline: Pipeline, spec: ModelSpec): string[] {
  const problems: string[] = [];
  const expect = (what: string, actual: unknown, expected: unknown) => {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) problems.push(`${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  };
  type Job = { 'runs-on': string; 'timeout-minutes': number; 'needs'?: string; 'steps': Array<{ run?: string; with?: Record<string, string> }> };
  type Workflow = { name: string; on: Record<string, { branches?: string[] }>; jobs: Record<string, Job> };
  const expressions = (text: string) => [...text.matchAll(/\$\{\{[^}]*\}\}/g)].map((m) => m[0]);
  const KNOWN = new Set(['${{ github.ref }}', '${{ github.actor }}', '${{ secrets.GITHUB_TOKEN }}', '${{ always() }}', "${{ github.event_name == 'release' }}",
    '${{ github.token }}', '${{ github.event.release.tag_name }}', '${{ github.repository }}']);
  const runner = (options: { runner?: string }) => options.runner ?? 'ubuntu-24.04';
  if (spec.release) {
    const branch = spec.release.branch ?? 'master';
    const text = renderWorkflowYaml(releaseWorkflow(pipeline, spec.release, PLAIN_PROJECT_GATE));
    const workflow = parseYaml(text) as Workflow;
    expect('release name', workflow.name, spec.release.fileName);
    expect('release branches', workflow.on.push?.branches, [branch]);
    const job = workflow.jobs[`publish-${pipeline.stages[0].name}`];
    expect('release jobs', Object.keys(workflow.jobs), ['gate', `publish-${pipeline.stages[0].name}`]);
    expect('release needs', job?.needs, 'gate');
    expect('release runs-on', [workflow.jobs.gate?.['runs-on'], job?.['runs-on']], [runner(spec.release), runner(spec.release)]);
    expect('release timeout', job?.['timeout-minutes'], spec.release.timeoutMinutes ?? 60);
    const known = new Set([...KNOWN, `\${{ github.ref == 'refs/heads/${branch}' }}`]);
    expect('release expressions', expressions(text).filter((e) => !known.has(e)), []);
  }
  if (spec.dispatch) {
    const text = renderWorkflowYaml(dispatchWorkflow(pipeline, spec.dispatch, PLAIN_PROJECT_GATE));
    const workflow = parseYaml(text) as Workflow;
    expect('dispatch name', workflow.name, spec.dispatch.fileName);
    expect('dispatch jobs', Object.keys(workflow.jobs), ['gate', 'package', 'release']);
    expect('dispatch needs', [workflow.jobs.package?.needs, workflow.jobs.release?.needs], ['gate', 'package']);
    expect('dispatch runs-on', ['gate', 'package', 'release'].map((j) => workflow.jobs[j]?.['runs-on']), [1, 2, 3].map(() => runner(spec.dispatch!)));
    expect('dispatch timeout', workflow.jobs.package?.['timeout-minutes'], spec.dispatch.timeoutMinutes ?? 90);
    const upload = workflow.jobs.package?.steps.find((s) => s.with?.['if-no-files-found'] === 'error');
    const root = pipeline.root === '.' ? '' : `${pipeline.root}/`;
    expect('dispatch artifact paths', upload?.with?.path.split('\n'), [`${root}${pipeline.artifactPath}`, `${root}${pipeline.checksumPath}`]);
    expect('dispatch expressions', expressions(text).filter((e) => !KNOWN.has(e)), []);
  }
  return problems;
}

/** Every build mode's image of every stage, for the bash read-back. */
export function stageImages(pipeline: Pipeline): Array<[string, string]> {
  return pipeline.stages.flatMap((s) => BUILD_MODES.map((m) => [`${s.name}/${m}`, s.image(m)] as [string, string]));
}
