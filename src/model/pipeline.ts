import { posix } from 'path';
import { Construct } from 'constructs';
import { BUILD_MODES } from './build-mode';
import * as checks from './checks';
import { ImageStage, ImageStageProps, StageUser, USER_ID_ARGS } from './image-stage';
import { checkEntrySources } from './entry-sources';
import { constructPath, ProblemList } from './model-error';
import { Packager, PackagerContext } from './packager';
import { validatePythonModel } from './python-checks';
import { checkPythonOnPath } from './python-on-path';
import { checkCopySources, checkManifestSource, RepositoryView } from './repository-sources';
import { BUILDKIT_DOCKERFILE_SUFFIX } from './cache-mounts';
import { Step, StageStep } from './stage-step';

/** A stage of the pipeline: its name plus the stage's data. */
export interface StageDefinition extends ImageStageProps {
  /** The stage's name; the driver's command for it is `build_<name>`. */
  readonly name: string;
}

/** Where the pipeline's generated files go, relative to the project root. */
export interface PipelinePaths {
  /** The build driver script. @default "bin/docker.sh" */
  readonly driver?: string;
  /** Folder of the Dockerfiles and the package script. @default "package/<platform>" */
  readonly support?: string;
  /** The validation script. @default "test_ci_mode.sh" */
  readonly validationScript?: string;
  /** The generated build documentation. @default "docs/BUILD.md" */
  readonly docs?: string;
}

export interface PipelineProps {
  /** The application's name: image labels, container names (`<name>_...`), log and artifact names. */
  readonly name: string;
  /** Human title for docs, e.g. "AiRunner". @default name */
  readonly title?: string;
  /** The build context, relative to the project root. @default "." */
  readonly root?: string;
  /** Target platform, used in the artifact name (`<name>-<platform>.tar.gz`) and paths. @default "linux" */
  readonly platform?: string;
  /** The stages, in build order; the last one is the package stage, run by the packager. */
  readonly stages: readonly StageDefinition[];
  readonly packager: Packager;
  /** Prefix of this pipeline's image labels, e.g. "io.github.example.build". */
  readonly labelPrefix: string;
  /** Source repository URL for the OCI source label. @default - none */
  readonly sourceUrl?: string;
  /** Paths of the generated files, relative to the pipeline root. */
  readonly paths?: PipelinePaths;
  /**
   * Give the stages that install system packages or declare cache directories a second Dockerfile,
   * `Dockerfile.<stage>.buildkit`, with BuildKit cache mounts (apt, and each run step's
   * `cacheDirectories`); the driver builds it when BuildKit is used, and the plain Dockerfile with
   * the legacy builder. @default true
   */
  readonly buildKitCacheMounts?: boolean;
  /**
   * The application's sources live in another repository (this one holds only its build): the
   * packager's entry is then not checked at synthesis (a warning says so); the preflight still
   * checks it before every build, in the checkout where the sources are. @default false
   */
  readonly sourcesElsewhere?: boolean;
}

/**
 * The pipeline model: ordered stages, a packager, and everything derived from them
 * that more than one renderer needs (parents, users, labels, artifact names).
 */
export class Pipeline {
  public readonly props: PipelineProps;
  public readonly path: string;
  public readonly stages: readonly ImageStage[];
  private readonly problems = new ProblemList();
  /**
   * Whether every stage definition became a stage (none was refused for its name): otherwise the
   * last stage and the first one are not known, and their rules are not checked (that would
   * report the refused definition again as a follow-on error).
   */
  private readonly everyStageDefined: boolean;

  constructor(scope: Construct, props: PipelineProps) {
    this.props = checks.isRecord(props) ? props : ({} as PipelineProps);
    this.path = constructPath(scope);
    if (!checks.isRecord(props)) this.problems.add(this.path, 'props', 'are required (name, labelPrefix, stages, packager)');
    const stages: ImageStage[] = [];
    const seen = new Set<string>();
    if (checks.isRecord(props) && props.stages === undefined) this.problems.add(this.path, 'stages', 'is required (the stages, in build order)');
    checks.listOf(this.problems, this.path, 'stages', this.props.stages).forEach((definition, i) => {
      if (!checks.isRecord(definition)) {
        this.problems.add(this.path, `stages[${i}]`, 'must be a stage definition ({ name, description, from, images, ... })');
        return;
      }
      const { name, ...stageProps } = definition;
      // A stage is a construct named after the stage: an invalid name would make constructs throw, so it is reported instead.
      const problem = typeof name === 'string' ? checks.name(name) : 'is required';
      if (problem) {
        this.problems.add(this.path, `stages[${i}].name`, problem);
        return;
      }
      if (seen.has(name)) {
        this.problems.add(`${this.path}/${name}`, `stages[${i}].name`, `duplicate stage name "${name}"`);
        return;
      }
      seen.add(name);
      stages.push(new ImageStage(scope, name, stageProps));
    });
    this.stages = stages;
    this.everyStageDefined = Array.isArray(this.props.stages) && stages.length === this.props.stages.length;
  }

  public get name(): string {
    return this.props.name;
  }

  public get title(): string {
    return this.props.title ?? this.props.name;
  }

  public get root(): string {
    return this.props.root ?? '.';
  }

  public get platform(): string {
    return this.props.platform ?? 'linux';
  }

  public get driverPath(): string {
    return this.props.paths?.driver ?? 'bin/docker.sh';
  }

  public get supportDir(): string {
    return this.props.paths?.support ?? `package/${this.platform}`;
  }

  public get validationScriptPath(): string {
    return this.props.paths?.validationScript ?? 'test_ci_mode.sh';
  }

  public get docsPath(): string {
    return this.props.paths?.docs ?? 'docs/BUILD.md';
  }

  public get packageScriptPath(): string {
    return `${this.supportDir}/package.sh`;
  }

  public dockerfilePath(stage: ImageStage): string {
    return `${this.supportDir}/Dockerfile.${stage.name}`;
  }

  /** The stage's rendering with BuildKit cache mounts, or undefined when it has none (see usesCacheMounts). */
  public buildKitDockerfilePath(stage: ImageStage): string | undefined {
    return this.usesCacheMounts(stage) ? `${this.dockerfilePath(stage)}${BUILDKIT_DOCKERFILE_SUFFIX}` : undefined;
  }

  /** Whether the stage's BuildKit rendering has cache mounts: it installs system packages, or a run step declares cache directories. */
  public usesCacheMounts(stage: ImageStage): boolean {
    if (this.props.buildKitCacheMounts === false) return false;
    return (stage.props.systemPackages ?? []).length > 0
      || this.stepsOf(stage).some((step) => step.kind === 'run' && (step.cacheDirectories ?? []).length > 0);
  }

  /** The last stage: its image holds the sources, and the packager runs in it. */
  public get packageStage(): ImageStage {
    return this.stages[this.stages.length - 1];
  }

  public stage(name: string): ImageStage | undefined {
    return this.stages.find((s) => s.name === name);
  }

  public parentOf(stage: ImageStage): ImageStage | undefined {
    const parent = stage.parentStage;
    return parent === undefined ? undefined : this.stage(parent);
  }

  /** The stages from the first one to `stage`, following `from`. */
  public chainOf(stage: ImageStage): ImageStage[] {
    const chain: ImageStage[] = [];
    for (let s: ImageStage | undefined = stage; s && !chain.includes(s); s = this.parentOf(s)) chain.unshift(s);
    return chain;
  }

  /** The user the stage runs as: its own, or the nearest parent's. */
  public userOf(stage: ImageStage): StageUser | undefined {
    return this.inherited(stage, (s) => s.props.user);
  }

  /** The stage's working directory: its own, or the nearest parent's. */
  public workdirOf(stage: ImageStage): string | undefined {
    return this.inherited(stage, (s) => s.props.workdir);
  }

  /** A setting of the stage itself, or else of the nearest stage it is built FROM that sets it. */
  private inherited<T>(stage: ImageStage, setting: (s: ImageStage) => T | undefined): T | undefined {
    for (const s of this.chainOf(stage).reverse()) {
      const value = setting(s);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  /** Whether the stage's Dockerfile takes the HOST_UID/HOST_GID build arguments. */
  public takesUserIds(stage: ImageStage): boolean {
    return stage.props.user !== undefined;
  }

  /** The stage's steps; the package stage also receives the generated support files. */
  public stepsOf(stage: ImageStage): readonly StageStep[] {
    const steps = stage.props.steps ?? [];
    if (stage !== this.packageStage) return steps;
    return [...steps, Step.copy(`${this.supportDir}/`, `${this.workdirOf(stage)}/${this.supportDir}/`)];
  }

  /**
   * The repository paths a stage needs: what it copies, and for the package stage the packager's
   * inputs. Each path once, normalized ("src/" and "./src" are "src"), and none inside another
   * (a folder's files are all read with it): the input tag hashes every file once.
   */
  public inputsOf(stage: ImageStage): readonly string[] {
    const copied = this.stepsOf(stage).flatMap((step) => (step.kind === 'copy' ? step.sources : []));
    const all = stage === this.packageStage ? [...copied, ...this.props.packager.inputs(this.packagerContext)] : copied;
    return distinctPaths(all);
  }

  public get labelKeys(): { pipeline: string; stage: string; runId: string } {
    const prefix = this.props.labelPrefix;
    return { pipeline: `${prefix}.pipeline`, stage: `${prefix}.stage`, runId: `${prefix}.run-id` };
  }

  /** Labels baked into a stage's image; `docker.sh clean` and the validation script select by them. */
  public labelsOf(stage: ImageStage): Array<[string, string]> {
    const keys = this.labelKeys;
    const labels: Array<[string, string]> = [
      [keys.pipeline, this.name],
      [keys.stage, stage.name],
      [OCI_TITLE, `${this.name}-${stage.name}`],
      [OCI_DESCRIPTION, stage.props.description],
    ];
    if (this.props.sourceUrl) labels.push([OCI_SOURCE, this.props.sourceUrl]);
    return [...labels, ...Object.entries(stage.props.labels ?? {})];
  }

  public get packagerContext(): PackagerContext {
    return {
      appName: this.name,
      distDir: 'dist',
      buildDir: 'build',
      packageDir: `dist/${this.name}`,
      supportDir: this.supportDir,
    };
  }

  /** The tarball the package step makes, relative to the pipeline root. */
  public get artifactPath(): string {
    return `dist/${this.name}-${this.platform}.tar.gz`;
  }

  public get checksumPath(): string {
    return `${this.artifactPath}.sha256`;
  }

  public get buildLogPath(): string {
    return 'build/build.log';
  }

  public get packagerLogPath(): string {
    return `build/${this.name}.log`;
  }

  /** All problems of the model; throws a ModelError naming each construct path and field. */
  public validate(): void {
    const problems = new ProblemList();
    this.check(problems);
    problems.throwIfAny();
  }

  /** Records every problem of the model in `problems`; never throws, whatever the props hold. */
  public check(problems: ProblemList): void {
    const before = problems.all.length;
    for (const p of this.problems.all) problems.add(p.path, p.field, p.message);
    const path = this.path;
    const props = this.props;
    checks.check(problems, path, 'name', props.name, checks.name);
    checks.check(problems, path, 'labelPrefix', props.labelPrefix, checks.labelKey);
    checks.check(problems, path, 'root', this.root, checks.relativePath, rootFolder);
    checks.check(problems, path, 'platform', this.platform, checks.name);
    if (props.title !== undefined) checks.check(problems, path, 'title', props.title, checks.nonEmpty);
    if (props.sourceUrl !== undefined) checks.check(problems, path, 'sourceUrl', props.sourceUrl, checks.url);
    checks.checkBoolean(problems, path, 'buildKitCacheMounts', props.buildKitCacheMounts);
    checks.checkBoolean(problems, path, 'sourcesElsewhere', props.sourcesElsewhere);
    this.checkPaths(problems);
    if (Array.isArray(props.stages) && props.stages.length < 2) {
      problems.add(path, 'stages', 'needs at least two stages (a first one FROM an image, and a package stage FROM a stage)');
    }
    this.validateStages(problems);
    validatePythonModel(problems, this);
    if (props.packager === undefined || props.packager === null) problems.add(path, 'packager', 'is required (e.g. new ZipappPackager({ main: "my_app.cli:main" }))');
    else if (!isPackager(props.packager)) problems.add(path, 'packager', 'must be a packager (e.g. new ZipappPackager(...) or new PyInstallerPackager(...))');
    else {
      props.packager.validate(problems, `${path}/packager`);
      // A rule of the whole model: checked only when nothing else is wrong (a broken stage list, FROM chain or package list would make it a follow-on error).
      if (problems.all.length === before) checkPythonOnPath(problems, this);
    }
  }

  /** Whether the application's sources are in another repository (then the entry is not checked at synthesis). */
  public get sourcesElsewhere(): boolean {
    return this.props.sourcesElsewhere === true;
  }

  /**
   * What the model takes from the repository is there, under the pipeline root, unless the
   * sources live elsewhere: every copy source, the dependency manifest the copy steps bring, and
   * the packager's entry module (or script). For a valid model only.
   */
  public checkSources(problems: ProblemList, repository: RepositoryView): void {
    if (this.sourcesElsewhere) return;
    const before = problems.all.length;
    checkCopySources(problems, this, repository);
    checkManifestSource(problems, this, repository);
    // The entry is looked for in the copied source folder: a missing folder is reported once, above.
    if (problems.all.length > before) return;
    checkEntrySources(problems, `${this.path}/packager`, this.root, this.props.packager.preflight(this.packagerContext), (path) => repository.entryAt(path) !== undefined);
  }

  /** paths.*: normalized, literal file and folder paths, outside the folders the driver empties. */
  private checkPaths(problems: ProblemList): void {
    const paths: unknown = this.props.paths;
    if (paths === undefined) return;
    if (!checks.isRecord(paths)) return problems.add(this.path, 'paths', 'must be an object ({ driver?, support?, validationScript?, docs? })');
    for (const [field, value] of Object.entries(paths)) {
      if (value === undefined) continue;
      if (!PATH_FIELDS.includes(field)) {
        problems.add(this.path, `paths.${field}`, `is not a path of the pipeline (known: ${PATH_FIELDS.join(', ')})`);
        continue;
      }
      checks.check(problems, this.path, `paths.${field}`, value, checks.generatedPath, outsideOutputs);
    }
  }

  private validateStages(problems: ProblemList): void {
    const imageOwners = new Map<string, string>();
    const argOwners = new Map<string, string>();
    for (const stage of this.stages) {
      const owner = argOwners.get(stage.imageArgName);
      if (owner) problems.add(constructPath(stage), 'name', `stages "${owner}" and "${stage.name}" both receive their image through the build argument ${stage.imageArgName}; rename one`);
      else argOwners.set(stage.imageArgName, stage.name);
    }
    const reserved = this.reservedArgNames;
    this.stages.forEach((stage, index) => {
      const path = constructPath(stage);
      stage.validate(problems, path);
      this.checkReservedNames(problems, path, stage, reserved);
      this.checkLabels(problems, path, stage);
      for (const mode of BUILD_MODES) {
        const ref = stage.props.images?.[mode];
        if (ref === undefined) continue;
        const owner = imageOwners.get(ref);
        if (owner) problems.add(path, `images.${mode}`, `image "${ref}" is already used by ${owner}`);
        else imageOwners.set(ref, `stage "${stage.name}" (${mode})`);
      }
      const parentName = stage.parentStage;
      // An invalid name is reported by the stage itself (from.stage); no stage can have it.
      if (parentName === undefined || checks.name(parentName) !== undefined) return;
      const parent = this.stage(parentName);
      if (!parent) {
        // A definition refused for its name may be the stage meant: its error is reported already.
        if (!this.everyStageDefined) return;
        problems.add(path, 'from.stage', `unknown stage "${parentName}" (known: ${this.stages.map((s) => s.name).join(', ')})`);
        return;
      }
      const cycle = this.cycleFrom(stage);
      if (cycle) {
        problems.add(path, 'from.stage', `cyclic "from": ${cycle.join(' -> ')}`);
        return;
      }
      if (this.stages.indexOf(parent) > index) {
        problems.add(path, 'from.stage', `stage "${parentName}" must come before "${stage.name}" in the stage list`);
      }
    });
    // Follow-on errors are left out: the rules below need the stage list and the FROM chain whole.
    if (!this.everyStageDefined) return;
    const last = this.packageStage;
    if (last && this.stages.length >= 2) {
      if (last.baseImage !== undefined) problems.add(constructPath(last), 'from', 'the package stage (the last one) must be FROM another stage');
      if (this.chainIsWhole(last) && !this.userOf(last)) problems.add(constructPath(last), 'user', 'the package stage runs as a non-root user: give this stage or a parent a user');
      if (this.chainIsWhole(last) && !this.workdirOf(last)) problems.add(constructPath(last), 'workdir', 'the package stage needs a working directory: give this stage or a parent a workdir');
    }
    if (this.stages[0] && this.stages[0].parentStage !== undefined) {
      problems.add(constructPath(this.stages[0]), 'from', 'the first stage must be FROM an image, not a stage');
    }
  }

  /**
   * Whether following `from` from `stage` ends at a stage built FROM a valid image reference: no
   * unknown or invalid `from`, no cycle. Only then do the settings a stage inherits (user, workdir,
   * Python) say something; otherwise their absence follows from the `from` error already reported.
   */
  public chainIsWhole(stage: ImageStage): boolean {
    const first = this.chainOf(stage)[0];
    return first.baseImage !== undefined && checks.imageReference(first.baseImage) === undefined;
  }

  /**
   * Names the generated Dockerfiles reserve: HOST_UID/HOST_GID (the user's IDs) and the
   * <STAGE>_IMAGE arguments. An ENV or build argument of the same name would override them
   * (an ENV HOST_UID=0 would make the image user root, in this stage and every child).
   */
  public get reservedArgNames(): ReadonlySet<string> {
    return new Set<string>([...USER_ID_ARGS, ...this.stages.map((s) => s.imageArgName)]);
  }

  private checkReservedNames(problems: ProblemList, path: string, stage: ImageStage, reserved: ReadonlySet<string>): void {
    const env: unknown = stage.props.env;
    for (const key of checks.isRecord(env) ? Object.keys(env) : []) {
      if (reserved.has(key)) problems.add(path, `env.${key}`, `${key} is reserved by the generated Dockerfiles (${[...reserved].join(', ')}); choose another name`);
    }
    const args: unknown = stage.props.buildArgs;
    (Array.isArray(args) ? args : []).forEach((arg: unknown, i) => {
      if (checks.isRecord(arg) && typeof arg.name === 'string' && reserved.has(arg.name)) {
        problems.add(path, `buildArgs[${i}].name`, `${arg.name} is reserved by the generated Dockerfiles (${[...reserved].join(', ')}); choose another name`);
      }
    });
  }

  /** A stage's own labels must not replace the ones the pipeline sets: `clean` and the validation script select by them. */
  private checkLabels(problems: ProblemList, path: string, stage: ImageStage): void {
    const labels: unknown = stage.props.labels;
    if (!checks.isRecord(labels) || typeof this.props.labelPrefix !== 'string') return;
    const generated = new Set(GENERATED_LABELS);
    for (const key of Object.keys(labels)) {
      if (key === this.props.labelPrefix || key.startsWith(`${this.props.labelPrefix}.`)) {
        problems.add(path, `labels.${key}`, `keys under "${this.props.labelPrefix}." are the pipeline's own (it selects its images by them); choose another key`);
      } else if (generated.has(key)) {
        problems.add(path, `labels.${key}`, `${key} is set by the pipeline; choose another key`);
      }
    }
  }

  /** The cycle through `stage`'s parents, if following `from` comes back to it. */
  private cycleFrom(stage: ImageStage): string[] | undefined {
    const seen: string[] = [stage.name];
    for (let s = this.parentOf(stage); s; s = this.parentOf(s)) {
      if (s === stage) return [...seen, s.name];
      if (seen.includes(s.name)) return undefined; // a cycle that does not pass through `stage`
      seen.push(s.name);
    }
    return undefined;
  }
}

const OCI_TITLE = 'org.opencontainers.image.title';
const OCI_DESCRIPTION = 'org.opencontainers.image.description';
const OCI_SOURCE = 'org.opencontainers.image.source';
/** The OCI labels the pipeline sets on every image. */
const GENERATED_LABELS = [OCI_TITLE, OCI_DESCRIPTION, OCI_SOURCE];

const PATH_FIELDS = ['driver', 'support', 'validationScript', 'docs'];

/** The folders the driver writes and `clean` empties: no generated file may live there. */
const OUTPUT_FOLDERS = ['dist', 'build'];

function outsideOutputs(value: string): string | undefined {
  const first = value.split('/')[0];
  return OUTPUT_FOLDERS.includes(first) ? `${checks.show(value)} is inside ./${first}, which the driver writes and "clean" empties` : undefined;
}

/**
 * The root is "." or a normalized folder path. It starts the workflows' artifact paths, which
 * are glob patterns: a leading "!" (exclude), "#" (comment) or "~" (home) would change them.
 */
function rootFolder(value: string): string | undefined {
  if (value === '.') return undefined;
  if (/^[!#~]/.test(value)) return `${checks.show(value)} must not start with "${value[0]}" (the workflows' artifact paths are patterns, where it means something)`;
  return checks.generatedPath(value);
}

/**
 * Repository paths, each once: normalized (no "./", "." component or trailing "/"), in their
 * first order, without those inside another one of the list ("src/app/main.py" when "src" is there).
 */
function distinctPaths(paths: readonly string[]): string[] {
  const normalized = [...new Set(paths.map((path) => posix.normalize(path).replace(/\/+$/, '') || '.'))];
  const inside = (path: string, folder: string) => folder === '.' || path.startsWith(`${folder}/`);
  return normalized.filter((path) => !normalized.some((other) => other !== path && inside(path, other)));
}

function isPackager(value: unknown): value is Packager {
  return checks.isRecord(value) && typeof value.validate === 'function' && typeof value.commands === 'function' && typeof value.supportFiles === 'function';
}

/** The stage type renderers receive. */
export type PipelineStage = ImageStage;
