import { isDeepStrictEqual } from 'util';
import { Arg, DockerfileParser, Instruction } from 'dockerfile-ast';
import { Construct, RootConstruct } from 'constructs';
import { parse as parseYaml } from 'yaml';
import { ModelSpec, PackagerSpec } from './arbitraries';
import {
  BUILD_MODES, BundleFile, DEFAULT_GATE_TASKS, DEFAULT_GATE_TIMEOUT_MINUTES, DEFAULT_USER_ID, dispatchWorkflow, Pipeline, PipelineStage,
  PyInstallerPackagerProps, releaseWorkflow, renderDockerfile, renderWorkflowYaml, StageDefinition, stageDockerfile, USER_ID_ARGS, WorkflowGate,
} from '../../src';
import { asAndClause as clause } from '../../src/model/shell-syntax';
import { shellQuote } from '../../src/shell/shell-quote';

/*
 * Reading generated files back through real parsers and comparing them with the model they came
 * from: each Dockerfile through dockerfile-ast (the instructions and values Docker would see, after
 * its unquoting), each workflow through `yaml`, the PyInstaller spec and the preflight program through
 * python3 (readback-batch.py; compared here). Every function returns a list of differences
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
  return parsed === null ? null : unhidden(parsed).replace(/\\\$/g, '$');
}

/**
 * dockerfile-ast 0.7 reads every word of a RUN or COPY that starts with "<<" as a heredoc, even
 * inside quotes (`echo ' <<'` splits into `'` and `<<'`), and swallows the rest of the file.
 * Docker does not: BuildKit looks for heredocs in words with their quotes kept (so a quoted
 * "<<" never starts one), the legacy builder has none, and the model refuses an unquoted one.
 * The read-back hides "<<" from the parser (same length, so positions hold) and puts it back in
 * every value it reads.
 */
const HIDDEN_HEREDOC = '\uE000\uE001';

function parseDockerfile(text: string): ReturnType<typeof DockerfileParser.parse> {
  return DockerfileParser.parse(text.split('<<').join(HIDDEN_HEREDOC));
}

function unhidden(text: string): string {
  return text.split(HIDDEN_HEREDOC).join('<<');
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

/**
 * A COPY instruction's flags and arguments as Docker splits them: the leading words that start with
 * "--" are its flags, the rest its arguments. (dockerfile-ast 0.7 also takes a " --" inside a JSON
 * form's string for a flag: `COPY --chown=a:a ["a/-- --", "/a/"]` has one flag for Docker.)
 */
export function dockerCopyParts(instructionText: string): { flags: string[]; content: string } {
  const lines = instructionText.split('\n');
  let text = lines.map((line, k) => (k < lines.length - 1 ? line.replace(/\\[ \t]*$/, '') : line)).join('').replace(/^COPY\s+/, '');
  const flags: string[] = [];
  for (let flag = /^--(\S+)\s+/.exec(text); flag; flag = /^--(\S+)\s+/.exec(text)) {
    flags.push(flag[1]);
    text = text.slice(flag[0].length);
  }
  return { flags, content: text.trim() };
}

/** Differences between the model and both renderings of a stage's Dockerfile (the BuildKit one when the stage has it), read back. */
export function dockerfileDifferences(pipeline: Pipeline, stage: PipelineStage): string[] {
  return [
    ...renderingDifferences(pipeline, stage, 'plain'),
    ...(pipeline.buildKitDockerfilePath(stage) ? renderingDifferences(pipeline, stage, 'buildkit').map((d) => `(BuildKit) ${d}`) : []),
  ];
}

/** Differences between one rendering of a stage's Dockerfile, read back, and the model. */
function renderingDifferences(pipeline: Pipeline, stage: PipelineStage, variant: 'plain' | 'buildkit'): string[] {
  const mounted = variant === 'buildkit';
  const text = renderDockerfile(stageDockerfile(pipeline, stage, variant));
  const problems: string[] = [];
  const expect = (what: string, actual: unknown, expected: unknown) => {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) problems.push(`${stage.name}: ${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  };
  const parsed = parseDockerfile(text);
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
    return { flags: flags.map((f) => `${f.getName()}=${f.getValue()}`), command: dockerRunCommand(unhidden(i.getTextContent())) };
  };
  let next = 0;
  if ((p.systemPackages ?? []).length > 0) {
    const words = (runs[next++]?.getArgumentsContent() ?? '').split(/\s+/);
    const from = words.indexOf('--no-install-recommends') + 1;
    const end = words.indexOf('&&', from);
    expect('apt-get install packages', words.slice(from, end < 0 ? words.length : end), p.systemPackages);
  }
  if (p.user) expect('user creation RUN', /useradd .* --uid "\$\{HOST_UID\}"/.test(runs[next++]?.getArgumentsContent() ?? ''), true);
  const steps = pipeline.stepsOf(stage);
  const runSteps = steps.filter((s) => s.kind === 'run');
  expect('RUN count', runs.length - next, runSteps.length);
  runSteps.forEach((step, k) => {
    const { flags, command } = runText(runs[next + k]);
    // Without mounts, a step with cache directories empties them last.
    const directories = step.kind === 'run' ? step.cacheDirectories ?? [] : [];
    const emptied = !mounted && directories.length > 0 ? [`rm -rf ${directories.map(shellQuote).join(' ')}`] : [];
    expect(`RUN of run step ${k}`, command, step.kind === 'run' ? [...step.commands.map(clause), ...emptied].join(`${CONTINUATION}&& `) : '');
    const mounts = mounted ? directories : [];
    expect(`cache mounts of run step ${k}`, flags.map((f) => f.replace(/^mount=type=cache,target=([^,]*).*$/, '$1')), mounts);
  });

  // COPYs: sources and destination as Docker reads them (JSON form through a JSON parser), and --chown.
  const copies = all.filter((i) => i.getKeyword() === 'COPY');
  const copySteps = steps.filter((s) => s.kind === 'copy');
  expect('COPY count', copies.length, copySteps.length);
  copySteps.forEach((step, k) => {
    const copy = copies[k];
    if (!copy || step.kind !== 'copy') return;
    const range = copy.getRange();
    const { flags, content } = dockerCopyParts(text.split('\n').slice(range.start.line, range.end.line + 1).join('\n'));
    // The flags are not in the arguments; Docker reads the JSON form with a JSON parser, the plain form split at white space.
    const paths = content.startsWith('[') ? JSON.parse(content) as string[] : content.split(/\s+/);
    expect(`COPY ${k} paths`, paths, [...step.sources, step.destination]);
    const owned = (step.ownedByUser ?? true) && user;
    expect(`COPY ${k} --chown`, flags, owned ? [`chown=${user.name}:${user.name}`] : []);
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

// ---------------------------------------------------------------------------------------------
// The generated Python files (read by test/support/readback-batch.py)
// ---------------------------------------------------------------------------------------------

/** What readback-batch.py prints for a PyInstaller spec executed with the recorders. */
export interface SpecRecord {
  readonly error: string | null;
  readonly root: string;
  readonly distpath: string;
  readonly bundleDir: string;
  readonly analyses: ReadonlyArray<Record<string, unknown>>;
  readonly exes: ReadonlyArray<Record<string, unknown>>;
  readonly collects: ReadonlyArray<Record<string, unknown>>;
  readonly helperCalls: ReadonlyArray<Record<string, unknown>>;
  readonly copies: ReadonlyArray<readonly [string, string, string]>;
}

/** The output of one run of the preflight's main(), captured. */
export interface PreflightRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly traceback: string | null;
}

/** What readback-batch.py prints for a preflight program. */
export interface PreflightRecord {
  readonly error: string | null;
  readonly model: Record<string, unknown> & { package: { smokeCheck: { command: string; expectedOutput: string } | null } };
  readonly sameAsExecuted: boolean;
  readonly root: string;
  readonly smokeWords: string[] | null;
  readonly regexError: string | null;
  readonly help: PreflightRun;
  readonly emptyRoot: PreflightRun;
  readonly emptyRootStage: PreflightRun;
}

/** Where two plain values differ: one line per differing leaf ("a.b[2]: got x, expected y"). */
function leafDifferences(actual: unknown, expected: unknown, at: string): string[] {
  if (isDeepStrictEqual(actual, expected)) return [];
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object';
  if (isObject(actual) && isObject(expected) && Array.isArray(actual) === Array.isArray(expected)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])];
    return keys.flatMap((key) => leafDifferences(actual[key], expected[key], Array.isArray(expected) ? `${at}[${key}]` : `${at}.${key}`));
  }
  return [`${at}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`];
}

/** A collector of differences: `expect(what, actual, expected)` records each differing leaf. */
function differences(prefix: string): { problems: string[]; expect: (what: string, actual: unknown, expected: unknown) => void } {
  const problems: string[] = [];
  return {
    problems,
    expect: (what, actual, expected) => problems.push(...leafDifferences(actual, expected, `${prefix}${what}`)),
  };
}

/**
 * Differences between a PyInstaller spec, executed with the recorders, and the packager's props:
 * the entry script, import paths and hook folders resolved under ROOT (the pipeline root), the data
 * and binaries (repository sources resolved under ROOT, image sources as they are) with their
 * folders, the hidden imports, excludes, the collection helpers called for each package, the
 * executable's name, console and mode, and the copies beside the bundle.
 */
export function specDifferences(model: Pipeline, props: PyInstallerPackagerProps, record: SpecRecord, root: string): string[] {
  const { problems, expect } = differences('spec: ');
  expect('error', record.error, null);
  expect('ROOT', record.root, root);
  expect('Analysis count', record.analyses.length, 1);
  const inRoot = (path: string) => `${root}/${path}`;
  const source = (f: BundleFile) => ('repository' in f.source ? inRoot(f.source.repository) : f.source.image);
  const a = record.analyses[0] ?? {};
  expect('scripts', a.scripts, [inRoot(props.entryPoint)]);
  expect('pathex', a.pathex, (props.importPaths ?? ['src']).map(inRoot));
  expect('hookspath', a.hookspath, (props.hookPaths ?? []).map(inRoot));
  expect('datas', a.datas, (props.datas ?? []).map((f) => [source(f), f.destination]));
  expect('binaries', a.binaries, (props.binaries ?? []).map((f) => [source(f), f.destination]));
  expect('hiddenimports', a.hiddenimports, props.hiddenImports ?? []);
  expect('excludes', a.excludes, props.excludes ?? []);
  expect('collection helpers', record.helperCalls, (props.collect ?? []).flatMap((c) => [
    ...(c.dataFiles ? [{ helper: 'collect_data_files', package: c.package, options: c.includePyFiles ? { include_py_files: 'True' } : {} }] : []),
    ...(c.submodules ? [{ helper: 'collect_submodules', package: c.package, options: {} }] : []),
    ...(c.dynamicLibs ? [{ helper: 'collect_dynamic_libs', package: c.package, options: {} }] : []),
  ]));
  const oneFile = props.mode === 'one-file';
  const app = model.name;
  expect('EXE', record.exes, [{ name: app, console: props.console ?? true, exclude_binaries: !oneFile, one_file: oneFile }]);
  expect('COLLECT', record.collects, oneFile ? [] : [{ name: app }]);
  const bundleDir = oneFile ? record.distpath : `${record.distpath}/${app}`;
  expect('BUNDLE_DIR', record.bundleDir, bundleDir);
  expect('copies beside the bundle', record.copies, (props.besideBundle ?? []).map((f) => ['copy2', source(f), `${bundleDir}/${f.destination}`]));
  return problems;
}

/** The props of the packager, as the preflight sees them: its entry, sources, import paths and modules. */
function packagerInputs(spec: PackagerSpec): Record<string, unknown> {
  if (spec.kind === 'zipapp') {
    const sourceDir = spec.props.sourceDir ?? 'src';
    return { entryScript: null, entryModule: spec.props.main.split(':')[0], repositorySources: [sourceDir], imageSources: [...spec.props.bundle ?? []], importPaths: [sourceDir], modules: [] };
  }
  const p = spec.props;
  const files = [...p.datas ?? [], ...p.binaries ?? [], ...p.besideBundle ?? []];
  return {
    entryScript: p.entryPoint,
    entryModule: null,
    repositorySources: [...files.flatMap((f) => ('repository' in f.source ? [f.source.repository] : [])), ...p.hookPaths ?? []],
    imageSources: files.flatMap((f) => ('image' in f.source ? [f.source.image] : [])),
    importPaths: [...p.importPaths ?? ['src']],
    modules: [...p.hiddenImports ?? [], ...(p.collect ?? []).map((c) => c.package)],
  };
}

/** The stages of stage `k`'s chain, from the first: k and its parents, by the FROM names. */
function chainOf(stages: readonly StageDefinition[], k: number): number[] {
  const from = stages[k].from as { stage?: string };
  const parent = from.stage === undefined ? -1 : stages.findIndex((s) => s.name === from.stage);
  return parent < 0 ? [k] : [...chainOf(stages, parent), k];
}

/** The COPY steps of stage `k`, as the preflight has them: the package stage also copies the support folder into its workdir. */
function copiesOf(model: Pipeline, spec: ModelSpec, k: number): Array<{ sources: string[]; destination: string }> {
  const stages = spec.props.stages;
  const own = (stages[k].steps ?? []).flatMap((step) => (step.kind === 'copy' ? [{ sources: [...step.sources], destination: step.destination }] : []));
  if (k !== stages.length - 1) return own;
  const workdir = chainOf(stages, k).reverse().map((i) => stages[i].workdir).find((w) => w !== undefined);
  return [...own, { sources: [`${model.supportDir}/`], destination: `${workdir}/${model.supportDir}/` }];
}

/** The model the preflight must embed, computed from the spec (not from the preflight renderer). */
export function expectedPreflightModel(model: Pipeline, spec: ModelSpec): Record<string, unknown> {
  const stages = spec.props.stages;
  const nearest = <T>(k: number, get: (s: StageDefinition) => T | undefined): [T, StageDefinition] | undefined => {
    for (const i of chainOf(stages, k).reverse()) {
      const value = get(stages[i]);
      if (value !== undefined) return [value, stages[i]];
    }
    return undefined;
  };
  const kind = (manifest: string) => {
    const base = manifest.split('/').pop();
    return base === 'setup.py' || base === 'pyproject.toml' ? base : 'requirements.txt';
  };
  return {
    title: model.title,
    program: `${model.supportDir}/preflight.py`,
    config: '.projenrc.ts',
    stages: stages.map((s, k) => {
      const python = nearest(k, (x) => x.python);
      const deps = s.pythonDependencies;
      return {
        name: s.name,
        parent: (s.from as { stage?: string }).stage ?? null,
        workdir: nearest(k, (x) => x.workdir)?.[0] ?? '/',
        copies: copiesOf(model, spec, k),
        python: python ? { version: python[0].version, declaredBy: python[1].name } : null,
        dependencies: deps ? { manifest: deps.manifest, kind: kind(deps.manifest), emptyFolders: [...deps.emptyFolders ?? []] } : null,
      };
    }),
    package: { stage: stages[stages.length - 1].name, ...packagerInputs(spec.packager) },
  };
}

/**
 * The problems the preflight must report against an empty pipeline root for the stages in
 * `scope` (indexes): each copy source of the dependency stage's chain (or the manifest that no
 * copy step puts there), the package stage's missing entry, and a missing smoke check.
 */
function expectedProblemCount(model: Pipeline, spec: ModelSpec, scope: readonly number[]): number {
  const stages = spec.props.stages;
  let count = 0;
  const dep = stages.findIndex((s) => s.pythonDependencies !== undefined);
  if (dep >= 0 && scope.includes(dep)) {
    const sources = chainOf(stages, dep).flatMap((k) => copiesOf(model, spec, k).flatMap((copy) => copy.sources));
    count += Math.max(sources.length, 1);
  }
  if (scope.includes(stages.length - 1)) count += spec.packager.props.smokeCheck ? 1 : 2;
  return count;
}

/**
 * Differences between a generated preflight program, read back, and the model: it parses, its
 * MODEL literal is the model (and what the module defines), it resolves the pipeline root, its
 * smoke-check command splits into the launch command and the model's arguments, its --help
 * works, and against an empty root it reports exactly the expected problems, never a traceback.
 * `stage` is the stage given with --stage in the second run.
 */
export function preflightDifferences(model: Pipeline, spec: ModelSpec, record: PreflightRecord, root: string, stage: number): string[] {
  const { problems, expect } = differences('preflight: ');
  expect('error', record.error, null);
  if (record.error) return problems;
  const { rootFromProgram, ...literal } = record.model;
  const smoke = literal.package.smokeCheck;
  const expected = expectedPreflightModel(model, spec);
  const { smokeCheck: _, ...pkg } = literal.package;
  expect('MODEL', { ...literal, package: pkg }, expected);
  expect('MODEL equals the module\'s', record.sameAsExecuted, true);
  expect('root resolved from the program', record.root, root);
  void rootFromProgram;
  const declared = spec.packager.props.smokeCheck;
  const launch = spec.packager.kind === 'zipapp' ? ['python3', `${model.name}/${model.name}.pyz`] : [`./${model.name}/${model.name}`];
  expect('smoke check expected output', smoke?.expectedOutput ?? null, declared?.expectedOutput ?? null);
  expect('smoke check command words', record.smokeWords, declared ? ['cd', 'dist', '&&', ...launch, ...declared.arguments ?? []] : null);
  expect('smoke check regular expression compiles in Python', record.regexError, null);
  expect('--help', [record.help.status, record.help.traceback, record.help.stderr], [0, null, '']);
  const runs: Array<[string, PreflightRun, number[]]> = [
    ['against an empty root', record.emptyRoot, spec.props.stages.map((_s, k) => k)],
    [`against an empty root, --stage ${spec.props.stages[stage].name}`, record.emptyRootStage, chainOf(spec.props.stages, stage)],
  ];
  for (const [what, run, scope] of runs) {
    const count = expectedProblemCount(model, spec, scope);
    const summary = /^preflight: (\d+) problem\(s\)/m.exec(run.stdout);
    expect(`${what}: traceback`, run.traceback, null);
    expect(`${what}: problems`, summary ? Number(summary[1]) : run.stdout, count);
    if (summary && Number(summary[1]) !== count) problems.push(`${what}: the preflight said:\n${run.stdout}`);
    expect(`${what}: exit status`, run.status, count > 0 ? 1 : 0);
    expect(`${what}: lines`, run.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('preflight: ')), []);
  }
  return problems;
}
