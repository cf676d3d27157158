import * as fc from 'fast-check';
import { Project } from 'projen';
import { PackagerSpec, packagerMutations, packagerOf, packagerSpec } from './packager-arbitraries';
import { absolutePath, cacheDirectory, DIGITS, filePath, LOWER, name, relativePath, runCommand, systemPackage, text, visibleText, word } from './values';
import {
  BuildArg, DispatchWorkflow, PackagingPipeline, PackagingPipelineProps, PythonDependencies, ReleaseWorkflow,
  ReleaseWorkflowOptions, StageDefinition, StageStep, Step, WorkflowOptions,
} from '../../src';

export { absolutePath, cacheDirectory, name, relativePath, runCommand, systemPackage, text, visibleText } from './values';
export type { PackagerSpec } from './packager-arbitraries';

/*
 * fast-check arbitraries for the property tests: random VALID build models (pipeline props, stages,
 * steps, env, labels, the stages' Python and Python dependencies, packagers with every prop and
 * their smoke checks (packager-arbitraries.ts), workflows), made valid by construction rather than by filtering
 * through the validator (so that a validator that is too strict is caught too), and random INVALID
 * ones: a valid model with exactly one field broken, from a catalogue of bad values.
 */

const imageTag = (stage: string, mode: string) => `${stage}-${mode}`;

// ---------------------------------------------------------------------------------------------
// A valid model
// ---------------------------------------------------------------------------------------------

/** The props of a pipeline, writable so that a mutation can break one field. */
export type EditableProps = { -readonly [K in keyof PackagingPipelineProps]: PackagingPipelineProps[K] } & { stages: StageDefinition[] };

/** A whole model: a pipeline and its workflows. */
export interface ModelSpec {
  readonly props: EditableProps;
  /** The packager of props.packager, as data (its props are private to the instance). */
  readonly packager: PackagerSpec;
  readonly release?: ReleaseWorkflowOptions;
  readonly dispatch?: WorkflowOptions;
}

/** What the arbitrary chooses for each stage before the names are known. */
interface StageDraft {
  readonly nameBase: string;
  readonly description: string;
  readonly parentPick: number;
  readonly env: ReadonlyArray<readonly [string, string]>;
  readonly args: ReadonlyArray<readonly [string, string, string]>;
  readonly packages: readonly string[];
  readonly user?: { name: string; home?: string; defaultId?: string };
  readonly workdir?: string;
  readonly steps: readonly StageStep[];
  readonly labels: ReadonlyArray<readonly [string, string]>;
  readonly python?: string;
}

/** A full Python version, "major.minor.micro". */
const pythonVersion = fc.tuple(fc.integer({ min: 2, max: 4 }), fc.nat(20), fc.nat(30)).map(([a, b, c]) => `${a}.${b}.${c}`);

/** A dependency manifest the preflight reads, in the working directory or a folder under it. */
const manifest = fc.tuple(
  fc.option(relativePath, { nil: undefined, freq: 3 }),
  fc.constantFrom('setup.py', 'pyproject.toml', 'requirements.txt', 'requirements-dev.txt', 'requirements_gpu.3.txt'),
).map(([dir, file]) => (dir ? `${dir}/${file}` : file));

/** A folder the install needs to exist: letters, digits, ".", "_", "-" and "/", never ".." nor an option. */
const folderSegment = fc.string({ unit: fc.constantFrom(...LOWER, 'A', 'Z', ...DIGITS, '.', '_', '-'), minLength: 1, maxLength: 6 }).filter((s) => s !== '..');
const emptyFolder = fc.tuple(fc.array(folderSegment, { minLength: 1, maxLength: 2 }), fc.boolean())
  .map(([parts, slash]) => `${parts.join('/')}${slash ? '/' : ''}`).filter((f) => !f.startsWith('-'));

/** The ways a run command may create the folders: `mkdir -p`, its long and clustered forms, quoted, `./`, in a chain. */
const MKDIR_FORMS: ReadonlyArray<(folders: readonly string[]) => string[]> = [
  (fs) => [`mkdir -p ${fs.join(' ')}`],
  (fs) => fs.map((f) => `mkdir -p ${f} && echo made`),
  (fs) => [`echo start; mkdir -p ${fs.map((f) => `'${f}'`).join(' ')}`],
  (fs) => [`mkdir -pv ${fs.map((f) => `"${f}"`).join(' ')}`],
  (fs) => [`mkdir --parents ${fs.map((f) => `./${f}`).join(' ')}`],
  (fs) => [`mkdir -vp -- ${fs.join(' ')}`],
];

/** What the arbitrary chooses for the stage that installs the Python dependencies. */
interface DependencyDraft {
  readonly stagePick: number;
  readonly manifest: string;
  readonly emptyFolders?: readonly string[];
  readonly mkdirForm: number;
}

const dependencyDraft: fc.Arbitrary<DependencyDraft> = fc.record({
  stagePick: fc.nat(),
  manifest,
  emptyFolders: fc.option(fc.uniqueArray(emptyFolder, { maxLength: 2, selector: (f) => f.replace(/\/$/, '') }), { nil: undefined }),
  mkdirForm: fc.nat(MKDIR_FORMS.length - 1),
}, { requiredKeys: ['stagePick', 'manifest', 'mkdirForm'] });

const copyStep = fc.tuple(fc.array(fc.tuple(relativePath, fc.boolean()), { minLength: 1, maxLength: 3 }), absolutePath, fc.option(fc.boolean(), { nil: undefined }))
  .map(([sources, destination, owned]) => {
    const paths = sources.map(([p, slash]) => (slash ? `${p}/` : p));
    const dest = paths.length > 1 && !destination.endsWith('/') ? `${destination}/` : destination;
    return Step.copy(paths, dest, owned === undefined ? {} : { ownedByUser: owned });
  });
const runStep = fc.tuple(fc.array(runCommand, { minLength: 1, maxLength: 3 }), fc.array(cacheDirectory, { maxLength: 2 }))
  .map(([commands, cacheDirectories]) => Step.run(commands, cacheDirectories.length > 0 ? { cacheDirectories } : {}));

const upperWord = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'), minLength: 1, maxLength: 6 });

const stageDraft = (first: boolean) => fc.record({
  nameBase: word,
  description: visibleText,
  parentPick: fc.nat(),
  // Keys made so that they can never be reserved (HOST_UID, HOST_GID, <STAGE>_IMAGE) nor clash with each other.
  env: fc.array(fc.tuple(upperWord, text), { maxLength: 3 }).map((list) => list.map(([k, v], i) => [`ENV${i}_${k}`, v] as const)),
  args: fc.array(fc.tuple(upperWord, text, visibleText), { maxLength: 2 }).map((list) => list.map(([k, d, t], i) => [`ARG${i}_${k}`, d, t] as const)),
  packages: fc.array(systemPackage, { maxLength: 4 }),
  user: first
    ? fc.record({ name: word.filter((w) => w !== 'root'), home: fc.option(absolutePath, { nil: undefined }), defaultId: fc.option(fc.integer({ min: 1, max: 65000 }).map(String), { nil: undefined }) }, { requiredKeys: ['name'] })
    : fc.option(fc.record({ name: word.filter((w) => w !== 'root') }), { nil: undefined, freq: 4 }),
  workdir: first ? absolutePath : fc.option(absolutePath, { nil: undefined, freq: 3 }),
  steps: fc.array(fc.oneof(copyStep, runStep), { maxLength: 3 }),
  labels: fc.array(fc.tuple(word, text), { maxLength: 2 }).map((list) => list.map(([k, v], i) => [`label${i}.${k}`, v] as const)),
  // Most stages inherit their Python; the preflight needs one in the chain of the dependency stage (see below).
  python: first ? fc.option(pythonVersion, { nil: undefined, freq: 2 }) : fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: pythonVersion }),
}, { requiredKeys: ['nameBase', 'description', 'parentPick', 'env', 'args', 'packages', 'steps', 'labels', ...(first ? ['user', 'workdir'] as const : [])] }) as fc.Arbitrary<StageDraft>;


const branch = fc.array(fc.string({ unit: fc.constantFrom(...LOWER, ...DIGITS, '-', '_'), minLength: 1, maxLength: 8 }).filter((s) => !s.startsWith('-')), { minLength: 1, maxLength: 3 })
  .map((parts) => parts.join('/'));
// Labels actionlint knows (custom labels need its configuration); the model takes any label of the grammar.
const runner = fc.constantFrom('ubuntu-24.04', 'ubuntu-22.04', 'ubuntu-latest', 'ubuntu-latest-4-cores', 'self-hosted', 'linux');

/** A valid model: two to five stages in a FROM chain, a packager, optional paths and workflows. */
export const validModel: fc.Arbitrary<ModelSpec> = fc.record({
  name,
  title: fc.option(visibleText, { nil: undefined }),
  labelPrefix: fc.tuple(word, word).map(([a, b]) => `org.${a}.${b}`),
  registry: fc.constantFrom('ghcr.io/example', 'localhost:5000/team', 'example'),
  root: fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: relativePath.filter((p) => !/^[!#~]/.test(p)) }),
  platform: fc.option(word, { nil: undefined }),
  first: stageDraft(true),
  rest: fc.array(stageDraft(false), { minLength: 1, maxLength: 4 }),
  packager: packagerSpec,
  dependencies: fc.option(dependencyDraft, { nil: undefined, freq: 3 }),
  sourceUrl: fc.option(fc.tuple(word, word).map(([a, b]) => `https://github.com/${a}/${b}`), { nil: undefined }),
  paths: fc.option(fc.record({
    driver: fc.option(filePath('tools-').map((p) => `${p}.sh`), { nil: undefined }),
    support: fc.option(relativePath.map((p) => `support-${p}`), { nil: undefined }),
    validationScript: fc.option(word.map((w) => `validate-${w}.sh`), { nil: undefined }),
    docs: fc.option(filePath('doc-').map((p) => `${p}.md`), { nil: undefined }),
  }), { nil: undefined }),
  buildKitCacheMounts: fc.option(fc.boolean(), { nil: undefined }),
  dockerignore: fc.option(fc.array(relativePath.filter((p) => !p.startsWith('#')), { maxLength: 3 }), { nil: undefined }),
  release: fc.option(fc.record({ fileName: name.map((n) => `r-${n}`.slice(0, 63)), branch: fc.option(branch, { nil: undefined }), runner: fc.option(runner, { nil: undefined }), timeoutMinutes: fc.option(fc.integer({ min: 1, max: 360 }), { nil: undefined }) }, { requiredKeys: ['fileName'] }), { nil: undefined }),
  dispatch: fc.option(fc.record({ fileName: name.map((n) => `d-${n}`.slice(0, 63)), runner: fc.option(runner, { nil: undefined }), timeoutMinutes: fc.option(fc.integer({ min: 1, max: 360 }), { nil: undefined }) }, { requiredKeys: ['fileName'] }), { nil: undefined }),
}).map((m) => {
  const drafts = [m.first, ...m.rest];
  // Unique stage names whose <NAME>_IMAGE build arguments differ too.
  const names = drafts.map((d, i) => `${d.nameBase}-${i}`);
  const stages: StageDefinition[] = drafts.map((d, i) => ({
    name: names[i],
    description: d.description,
    from: i === 0 ? { image: 'debian:bookworm-slim' } : { stage: names[d.parentPick % i] },
    images: { standard: `${m.registry}/app:${imageTag(names[i], 'std')}`, ci: `${m.registry}/app:${imageTag(names[i], 'ci')}` },
    ...(d.env.length > 0 ? { env: Object.fromEntries(d.env) } : {}),
    ...(d.args.length > 0 ? { buildArgs: d.args.map(([argName, def, description]): BuildArg => ({ name: argName, default: def, description })) } : {}),
    ...(d.packages.length > 0 ? { systemPackages: d.packages } : {}),
    ...(d.user ? { user: d.user } : {}),
    ...(d.workdir ? { workdir: d.workdir } : {}),
    ...(d.steps.length > 0 ? { steps: d.steps } : {}),
    ...(d.labels.length > 0 ? { labels: Object.fromEntries(d.labels) } : {}),
    ...(d.python !== undefined ? { python: { version: d.python } } : {}),
    // As in the presets: the first stage is published on the branch, the later image stages on a release.
    ...(i === 0 ? { publish: 'branch' as const } : i < drafts.length - 1 ? { publish: 'release' as const } : {}),
  }));
  if (m.dependencies) withDependencies(stages, drafts.map((d) => d.parentPick), m.dependencies);
  withPythonOnPath(stages, drafts.map((d) => d.parentPick));
  const props: EditableProps = {
    name: m.name,
    labelPrefix: m.labelPrefix,
    stages,
    packager: packagerOf(m.packager),
    // The entry check reads the project's files; these projects hold no application sources.
    sourcesElsewhere: true,
    ...(m.title !== undefined ? { title: m.title } : {}),
    ...(m.root !== undefined ? { root: m.root } : {}),
    ...(m.platform !== undefined ? { platform: m.platform } : {}),
    ...(m.sourceUrl !== undefined ? { sourceUrl: m.sourceUrl } : {}),
    ...(m.paths !== undefined ? { paths: m.paths } : {}),
    ...(m.buildKitCacheMounts !== undefined ? { buildKitCacheMounts: m.buildKitCacheMounts } : {}),
    ...(m.dockerignore !== undefined ? { dockerignore: m.dockerignore } : {}),
  };
  // Workflows push images: only with a registry host.
  const pushable = m.registry.includes('.') || m.registry.includes(':');
  return { props, packager: m.packager, release: pushable ? m.release : undefined, dispatch: pushable ? m.dispatch : undefined };
});

/** The index of each stage's parent (the first stage has none): stage i > 0 is FROM stage parentPick % i. */
function parentIndex(parentPicks: readonly number[], i: number): number | undefined {
  return i === 0 ? undefined : parentPicks[i] % i;
}

/**
 * Makes one stage (on the package stage's chain or not) install the Python dependencies: its
 * manifest, the empty folders with a run step that creates them, and a Python version on the
 * stage itself when no stage of its chain declares one.
 */
function withDependencies(stages: StageDefinition[], parentPicks: readonly number[], draft: DependencyDraft): void {
  const index = draft.stagePick % stages.length;
  let declared = false;
  for (let i: number | undefined = index; i !== undefined; i = parentIndex(parentPicks, i)) declared ||= stages[i].python !== undefined;
  const folders = draft.emptyFolders ?? [];
  const dependencies: PythonDependencies = { manifest: draft.manifest, ...(draft.emptyFolders ? { emptyFolders: draft.emptyFolders } : {}) };
  const stage = stages[index];
  stages[index] = {
    ...stage,
    pythonDependencies: dependencies,
    ...(declared ? {} : { python: { version: '3.11.2' } }),
    ...(folders.length > 0 ? { steps: [Step.run(MKDIR_FORMS[draft.mkdirForm](folders)), ...(stage.steps ?? [])] } : {}),
  };
}

/** Debian packages that put python3 on PATH, by the model's rule (pythonProvider). */
const PYTHON_PACKAGE = /^python3(\.[0-9]+)?$|^python3-full$/;

/**
 * The packagers run python3 in the package stage: when no stage of its chain declares a Python
 * or installs a python3 package, the first stage installs "python3" (most models already have one).
 */
function withPythonOnPath(stages: StageDefinition[], parentPicks: readonly number[]): void {
  const chain: number[] = [];
  for (let i: number | undefined = stages.length - 1; i !== undefined; i = parentIndex(parentPicks, i)) chain.push(i);
  const provides = (s: StageDefinition) => s.python !== undefined || (s.systemPackages ?? []).some((p) => PYTHON_PACKAGE.test(p));
  if (chain.some((i) => provides(stages[i]))) return;
  stages[0] = { ...stages[0], systemPackages: [...(stages[0].systemPackages ?? []), 'python3'] };
}

/** Builds the model's constructs in `project`. */
export function buildModel(project: Project, spec: ModelSpec): PackagingPipeline {
  const pipeline = new PackagingPipeline(project, 'App', spec.props);
  if (spec.release) new ReleaseWorkflow(project, 'Release', { pipeline, ...spec.release });
  if (spec.dispatch) new DispatchWorkflow(project, 'Dispatch', { pipeline, ...spec.dispatch });
  return pipeline;
}

// ---------------------------------------------------------------------------------------------
// An invalid model: one field broken
// ---------------------------------------------------------------------------------------------

/** Bad values, by the kind of field they break. */
export const BAD = {
  singleLine: ['a\nb', 'a\rb', 'nul\u0000', 'esc\u001b[31m', 'del\u007f', 'line\u2028sep', 'lone\ud800'],
  name: ['', 'A', '1a', 'a/b', 'a b', '-a', 'a.b', 'ä', 'x'.repeat(64), 'a\n'],
  path: ['$HOME/x', 'a${X}', 'a\\b', 'a"b', "a'b", 'a`b`', ' lead', 'trail ', 'a\nb', 'a\u001bb', '', '  '],
  relativeOnly: ['/abs', '-flag', '../up', 'a/../../b', '--from=x'],
  absoluteOnly: ['relative', '/a:b', '/a/../b', 'C:\\x'],
  cacheDirectory: ['/tmp/c,target=/x', '/a=b', '/a b'],
  generatedPath: ['bin/', './x', 'a//b', 'a/./b', 'x*', 'y?', 'z[1]', 'dist/x.sh', 'build/y.md', '/abs', '../up', 'a\nb', `${'d'.repeat(256)}/x`],
  command: ['echo first # a note', 'echo a \\', 'echo "a', "echo 'a", 'if true; then echo a', 'echo a &&', '&& echo a', 'exit 0', 'exit', 'cat <<EOF',
    ' lead', 'trail ', 'a\nb', 'echo $(date', 'fi', '(echo', 'echo a;', 'x=1 exit', 'echo a\\\\'],
  systemPackage: ['python3>/dev/null$(touch${IFS}/x)', 'Python3', 'a', 'py thon', 'x=1;rm', 'x=', 'x:', '-x', 'x=$(id)', ''],
  id: ['0', '00', '-1', 'abc', '1e3', '99999999999', '1 2', ''],
  runner: ['ubuntu-24.04; curl evil', '${{ github.event.issue.title }}', 'a b', '', '-x', 'ubuntu\n'],
  branch: ['main;x', '${{x}}', 'release/*', 'a..b', 'feature/.hidden', 'x.lock', 'a/', '/a', 'a//b', '-x', 'a b', ''],
  labelKey: ['Bad', 'a b', '-a', 'a-', ''],
  dockerignore: ['a\nb', '# comment', ' lead', '', 'nul\u0000'],
  url: ['not a url', 'ftp://x', 'https://a b', 'https://x\n'],
  pythonVersion: ['3', '3.10', '3.10.12a1', 'x.y.z', ' 3.10.1', '3.10.1 ', '', '3.10.1\n', '3..1', '3.10.12.1', 3.1, null, ['3.10.12'], undefined],
  manifest: ['$HOME/setup.py', 'a\\setup.py', 'a"/setup.py', ' setup.py', 'setup.py ', 'a\nsetup.py', '', '/abs/setup.py', '-setup.py', '../setup.py',
    'setup.cfg', 'Pipfile', 'requirements.in', 'docs/README.md', 'setup.py/', 5, undefined],
  folder: ['a b', '$x', '/abs', '../up', 'a/../b', '-x', '', 'a*', "a'b", 'a\nb', 'é', 5],
  notAList: ['x', {}, 5, null, true],
  notAnObject: [null, 'x', 5, [], true],
} as const;

/** One way to break a model: what it does, and the [path] field the error must name. */
export interface Mutation {
  readonly what: string;
  readonly path: string;
  readonly field: RegExp;
  readonly apply: (spec: ModelSpec) => ModelSpec;
}

const withProps = (spec: ModelSpec, change: Partial<EditableProps> | Record<string, unknown>): ModelSpec => ({ ...spec, props: { ...spec.props, ...change } as EditableProps });
const withStage = (spec: ModelSpec, i: number, change: Record<string, unknown>): ModelSpec => {
  const stages = spec.props.stages.slice();
  stages[i] = { ...stages[i], ...change } as StageDefinition;
  return withProps(spec, { stages });
};
const withPackager = (spec: ModelSpec, change: (props: Record<string, unknown>) => Record<string, unknown>): ModelSpec => {
  const packager = { kind: spec.packager.kind, props: change({ ...spec.packager.props }) } as unknown as PackagerSpec;
  return { ...withProps(spec, { packager: packagerOf(packager) }), packager };
};
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every single-field break of `spec`, each with the bad value `pick` chooses from its list. */
export function mutations(spec: ModelSpec, pick: number): Mutation[] {
  const choose = <T>(list: readonly T[]) => list[pick % list.length];
  const stages = spec.props.stages;
  const i = pick % stages.length;
  const stage = stages[i];
  const at = `App/${stage.name}`;
  const prefix = spec.props.labelPrefix;
  const firstStepOf = (kind: 'copy' | 'run') => (stage.steps ?? []).findIndex((s) => s.kind === kind);
  const list: Mutation[] = [
    // pipeline fields
    { what: 'pipeline name', path: 'App', field: /^name$/, apply: (s) => withProps(s, { name: choose(BAD.name) }) },
    { what: 'label prefix', path: 'App', field: /^labelPrefix$/, apply: (s) => withProps(s, { labelPrefix: choose(BAD.labelKey) }) },
    { what: 'title', path: 'App', field: /^title$/, apply: (s) => withProps(s, { title: choose(BAD.singleLine) }) },
    { what: 'root', path: 'App', field: /^root$/, apply: (s) => withProps(s, { root: choose([...BAD.generatedPath.filter((p) => !/^(dist|build)\//.test(p)), '!x', '#x', '~x']) }) },
    { what: 'platform', path: 'App', field: /^platform$/, apply: (s) => withProps(s, { platform: choose(BAD.name.filter((n) => n !== '')) }) },
    { what: 'source URL', path: 'App', field: /^sourceUrl$/, apply: (s) => withProps(s, { sourceUrl: choose(BAD.url) }) },
    { what: 'a generated path', path: 'App', field: /^paths\.(driver|support|validationScript|docs)$/, apply: (s) => withProps(s, { paths: { ...s.props.paths, [choose(['driver', 'support', 'validationScript', 'docs'])]: choose(BAD.generatedPath) } }) },
    { what: 'two generated paths that collide', path: 'App', field: /^paths\.(driver|docs|validationScript)$/, apply: (s) => withProps(s, { paths: { ...s.props.paths, driver: 'same/file', docs: 'same/file' } }) },
    { what: 'a generated file inside another', path: 'App', field: /^paths\.(driver|docs)$/, apply: (s) => withProps(s, { paths: { ...s.props.paths, driver: 'x/run.sh', docs: 'x/run.sh/BUILD.md' } }) },
    { what: 'a .dockerignore entry', path: 'App', field: /^dockerignore\[0\]$/, apply: (s) => withProps(s, { dockerignore: [choose(BAD.dockerignore)] }) },
    { what: 'no packager', path: 'App', field: /^packager$/, apply: (s) => withProps(s, { packager: undefined }) },
    { what: 'a yes/no field that is not one', path: 'App', field: /^buildKitCacheMounts$/, apply: (s) => withProps(s, { buildKitCacheMounts: choose(['false', 1, null, {}]) }) },
    { what: 'no stages', path: 'App', field: /^stages$/, apply: (s) => withProps(s, { stages: undefined }) },
    { what: 'a packager that is not one', path: 'App', field: /^packager$/, apply: (s) => withProps(s, { packager: { name: 'x' } }) },
    {
      // No stage has Python (no python field, no python3 package, no Python dependencies): the packager's python3 is missing.
      what: 'no Python on PATH for the packager', path: `App/${stages[stages.length - 1].name}`, field: /^python$/,
      apply: (s) => withProps(s, {
        stages: s.props.stages.map((st): StageDefinition => {
          const { python, pythonDependencies, systemPackages, ...rest } = st;
          const kept = (systemPackages ?? []).filter((p) => !PYTHON_PACKAGE.test(p));
          return { ...rest, ...(kept.length > 0 ? { systemPackages: kept } : {}) };
        }),
      }),
    },
    // stage fields
    { what: 'stage name', path: 'App', field: new RegExp(`^stages\\[${i}\\]\\.name$`), apply: (s) => withStage(s, i, { name: choose(BAD.name) }) },
    { what: 'description', path: at, field: /^description$/, apply: (s) => withStage(s, i, { description: choose([...BAD.singleLine, '', '   ', undefined]) }) },
    { what: 'no images', path: at, field: /^images/, apply: (s) => withStage(s, i, { images: choose([undefined, {}, { standard: 'x:y' }, 'x:y']) }) },
    { what: 'no from', path: at, field: /^from/, apply: (s) => withStage(s, i, { from: choose([undefined, {}, 'debian', { image: 5 }]) }) },
    { what: 'an env value', path: at, field: /^env\.E_BAD$/, apply: (s) => withStage(s, i, { env: { ...stage.env, E_BAD: choose(BAD.singleLine) } }) },
    { what: 'a reserved env name', path: at, field: /^env\.(HOST_UID|HOST_GID|[A-Z0-9_]+_IMAGE)$/, apply: (s) => withStage(s, i, { env: { ...stage.env, [choose(['HOST_UID', 'HOST_GID', `${stages[0].name.toUpperCase().replace(/-/g, '_')}_IMAGE`])]: '0' } }) },
    { what: 'a reserved build argument', path: at, field: /^buildArgs\[0\]\.name$/, apply: (s) => withStage(s, i, { buildArgs: [{ name: choose(['HOST_UID', 'HOST_GID']), default: '0', description: 'd' }] }) },
    { what: 'a build-arg default', path: at, field: /^buildArgs\[0\]\.default$/, apply: (s) => withStage(s, i, { buildArgs: [{ name: 'A_B', default: choose(BAD.singleLine), description: 'd' }] }) },
    { what: 'a system package', path: at, field: /^systemPackages\[0\]$/, apply: (s) => withStage(s, i, { systemPackages: [choose(BAD.systemPackage)] }) },
    { what: 'the default user ID', path: 'App/' + stages[0].name, field: /^user\.defaultId$/, apply: (s) => withStage(s, 0, { user: { ...stages[0].user!, defaultId: choose(BAD.id) } }) },
    { what: 'the user name', path: 'App/' + stages[0].name, field: /^user\.name$/, apply: (s) => withStage(s, 0, { user: { ...stages[0].user!, name: choose([...BAD.name, 'root']) } }) },
    { what: 'the home folder', path: 'App/' + stages[0].name, field: /^user\.home$/, apply: (s) => withStage(s, 0, { user: { ...stages[0].user!, home: choose([...BAD.path, ...BAD.absoluteOnly]) } }) },
    { what: 'the workdir', path: 'App/' + stages[0].name, field: /^workdir$/, apply: (s) => withStage(s, 0, { workdir: choose([...BAD.path, ...BAD.absoluteOnly]) }) },
    { what: 'a label under the prefix', path: at, field: new RegExp(`^labels\\.${escape(prefix)}\\.`), apply: (s) => withStage(s, i, { labels: { [`${prefix}.${choose(['pipeline', 'stage', 'run-id', 'x'])}`]: 'v' } }) },
    { what: 'a label the pipeline sets', path: at, field: /^labels\.org\.opencontainers\.image\./, apply: (s) => withStage(s, i, { labels: { [`org.opencontainers.image.${choose(['title', 'description', 'source'])}`]: 'v' } }) },
    { what: 'a label key', path: at, field: /^labels\./, apply: (s) => withStage(s, i, { labels: { [choose(BAD.labelKey)]: 'v' } }) },
    { what: 'a copy source', path: at, field: /^steps\[0\]\.sources\[0\]$/, apply: (s) => withStage(s, i, { steps: [Step.copy(choose([...BAD.path, ...BAD.relativeOnly, 'a*', 'b?']), '/app/')] }) },
    { what: 'a copy destination', path: at, field: /^steps\[0\]\.destination$/, apply: (s) => withStage(s, i, { steps: [Step.copy(['a', 'b'], choose([...BAD.path, ...BAD.absoluteOnly, '/no-slash']))] }) },
    { what: 'a run command', path: at, field: /^steps\[0\]\.commands\[0\]$/, apply: (s) => withStage(s, i, { steps: [Step.run(choose(BAD.command))] }) },
    { what: 'a cache directory', path: at, field: /^steps\[0\]\.cacheDirectories\[0\]$/, apply: (s) => withStage(s, i, { steps: [Step.run('true', { cacheDirectories: [choose([...BAD.cacheDirectory, ...BAD.path, ...BAD.absoluteOnly])] })] }) },
    { what: 'a step that is not one', path: at, field: /^steps\[0\]/, apply: (s) => withStage(s, i, { steps: [choose([{ kind: 'run' }, { kind: 'copy' }, { kind: 'other' }, null, 'RUN x'])] }) },
  ];
  // The first copy or run step the stage has, broken in place (the others keep their index).
  const copyAt = firstStepOf('copy');
  if (copyAt >= 0) {
    list.push({ what: 'an existing copy source', path: at, field: new RegExp(`^steps\\[${copyAt}\\]\\.sources\\[0\\]$`), apply: (s) => {
      const steps = stage.steps!.slice();
      const copy = steps[copyAt] as { sources: readonly string[]; destination: string };
      steps[copyAt] = Step.copy([choose([...BAD.path, ...BAD.relativeOnly]), ...copy.sources.slice(1)], copy.destination.endsWith('/') ? copy.destination : `${copy.destination}/`);
      return withStage(s, i, { steps });
    } });
  }
  const runAt = firstStepOf('run');
  if (runAt >= 0) {
    list.push({ what: 'an existing run command', path: at, field: new RegExp(`^steps\\[${runAt}\\]\\.commands\\[0\\]$`), apply: (s) => {
      const steps = stage.steps!.slice();
      steps[runAt] = Step.run([choose(BAD.command)]);
      return withStage(s, i, { steps });
    } });
  }
  list.push(...pythonMutations(spec, pick));
  list.push(...packagerMutations(spec.packager, pick).map((m): Mutation => ({
    what: `packager: ${m.what}`, path: 'App/packager', field: m.field, apply: (s) => withPackager(s, m.apply),
  })));
  if (spec.release) {
    list.push(
      { what: 'the release branch', path: 'Release', field: /^branch$/, apply: (s) => ({ ...s, release: { ...s.release!, branch: choose(BAD.branch) } }) },
      { what: 'the release runner', path: 'Release', field: /^runner$/, apply: (s) => ({ ...s, release: { ...s.release!, runner: choose(BAD.runner) } }) },
      { what: 'the release file name', path: 'Release', field: /^fileName$/, apply: (s) => ({ ...s, release: { ...s.release!, fileName: choose(BAD.name) } }) },
      { what: 'the release timeout', path: 'Release', field: /^timeoutMinutes$/, apply: (s) => ({ ...s, release: { ...s.release!, timeoutMinutes: choose([0, -1, 1.5, 361, Number.NaN]) } }) },
    );
    if (spec.dispatch) {
      list.push({ what: 'two workflows with one file name', path: 'Dispatch', field: /^fileName$/, apply: (s) => ({ ...s, dispatch: { ...s.dispatch!, fileName: s.release!.fileName } }) });
    }
  }
  if (spec.dispatch) {
    list.push({ what: 'the dispatch runner', path: 'Dispatch', field: /^runner$/, apply: (s) => ({ ...s, dispatch: { ...s.dispatch!, runner: choose(BAD.runner) } }) });
  }
  return list;
}

/** The breaks of the stages' `python` and `pythonDependencies` fields, alone and across stages. */
function pythonMutations(spec: ModelSpec, pick: number): Mutation[] {
  const choose = <T>(list: readonly T[]) => list[pick % list.length];
  const stages = spec.props.stages;
  const i = pick % stages.length;
  const pathOf = (k: number) => `App/${stages[k].name}`;
  // The stage that installs the dependencies (or stage i), with a Python so that only the broken field is wrong.
  const existing = stages.findIndex((s) => s.pythonDependencies !== undefined);
  const dep = existing >= 0 ? existing : i;
  const withDependencies = (change: Record<string, unknown>) => (s: ModelSpec) => withStage(s, dep, {
    python: stages[dep].python ?? { version: '3.11.2' },
    pythonDependencies: { ...(stages[dep].pythonDependencies ?? { manifest: 'setup.py' }), ...change },
  });
  // The chain of stage k: k and its parents, by the FROM names.
  const chainOf = (k: number): number[] => {
    const from = stages[k].from as { stage?: string };
    const parent = from.stage === undefined ? -1 : stages.findIndex((s) => s.name === from.stage);
    return parent < 0 ? [k] : [...chainOf(parent), k];
  };
  const other = dep === i ? (i + 1) % stages.length : i;
  return [
    { what: 'the Python version', path: pathOf(i), field: /^python\.version$/, apply: (s) => withStage(s, i, { python: { version: choose(BAD.pythonVersion) } }) },
    { what: 'a python field that is not one', path: pathOf(i), field: /^python$/, apply: (s) => withStage(s, i, { python: choose([...BAD.notAnObject, '3.11.2']) }) },
    { what: 'the dependency manifest', path: pathOf(dep), field: /^pythonDependencies\.manifest$/, apply: withDependencies({ manifest: choose(BAD.manifest) }) },
    { what: 'an empty folder', path: pathOf(dep), field: /^pythonDependencies\.emptyFolders\[0\]$/, apply: withDependencies({ emptyFolders: [choose(BAD.folder)] }) },
    { what: 'an empty folder no run step creates', path: pathOf(dep), field: /^pythonDependencies\.emptyFolders\[0\]$/, apply: withDependencies({ emptyFolders: [choose(['never-made', 'src', 'a/b/'])] }) },
    { what: 'empty folders that are not a list', path: pathOf(dep), field: /^pythonDependencies\.emptyFolders$/, apply: withDependencies({ emptyFolders: choose(BAD.notAList) }) },
    { what: 'a pythonDependencies field that is not one', path: pathOf(dep), field: /^pythonDependencies$/, apply: (s) => withStage(s, dep, { pythonDependencies: choose([...BAD.notAnObject, 'setup.py']) }) },
    {
      what: 'a second stage that installs the Python dependencies', path: pathOf(Math.max(dep, other)), field: /^pythonDependencies$/,
      apply: (s) => withStage(withDependencies({})(s), other, { python: { version: '3.11.2' }, pythonDependencies: { manifest: 'requirements.txt' } }),
    },
    {
      what: 'Python dependencies with no Python in the stage\'s chain', path: pathOf(i), field: /^pythonDependencies$/,
      apply: (s) => {
        const chain = chainOf(i);
        const changed = s.props.stages.map((stage, k): StageDefinition => {
          const { python, pythonDependencies, ...rest } = stage;
          const keepPython = !chain.includes(k) && python !== undefined ? { python } : {};
          return { ...rest, ...keepPython, ...(k === i ? { pythonDependencies: { manifest: 'requirements.txt' } } : {}) };
        });
        return withProps(s, { stages: changed });
      },
    },
  ];
}

/** A valid model with exactly one field broken, and the mutation that broke it. */
export const invalidModel: fc.Arbitrary<{ spec: ModelSpec; mutation: Mutation }> = fc.tuple(validModel, fc.nat(), fc.nat()).map(([spec, which, pick]) => {
  const all = mutations(spec, pick);
  const mutation = all[which % all.length];
  return { spec: mutation.apply(spec), mutation };
});
