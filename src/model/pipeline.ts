import { Construct } from 'constructs';
import { BUILD_MODES } from './build-mode';
import * as checks from './checks';
import { ImageStage, ImageStageProps, StageUser } from './image-stage';
import { constructPath, ProblemList } from './model-error';
import { Packager, PackagerContext } from './packager';
import { validatePythonModel } from './python-checks';
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
  /** Emit BuildKit cache mounts for run steps that declare cache directories. @default false */
  readonly buildKitCacheMounts?: boolean;
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

  constructor(scope: Construct, props: PipelineProps) {
    this.props = props;
    this.path = constructPath(scope);
    const stages: ImageStage[] = [];
    const seen = new Set<string>();
    (props.stages ?? []).forEach((definition, i) => {
      const { name, ...stageProps } = definition;
      if (seen.has(name)) {
        this.problems.add(`${this.path}/${name}`, `stages[${i}].name`, `duplicate stage name "${name}"`);
        return;
      }
      seen.add(name);
      stages.push(new ImageStage(scope, name, stageProps));
    });
    this.stages = stages;
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

  /** Whether some Dockerfile uses a BuildKit-only feature (cache mounts), so the legacy builder cannot build it. */
  public get requiresBuildKit(): boolean {
    return (this.props.buildKitCacheMounts ?? false)
      && this.stages.some((stage) => this.stepsOf(stage).some((step) => step.kind === 'run' && (step.cacheDirectories ?? []).length > 0));
  }

  /** The repository paths a stage needs: what it copies, and for the package stage the packager's inputs. */
  public inputsOf(stage: ImageStage): readonly string[] {
    const copied = this.stepsOf(stage).flatMap((step) => (step.kind === 'copy' ? step.sources : []));
    return stage === this.packageStage ? [...copied, ...this.props.packager.inputs(this.packagerContext)] : copied;
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
      ['org.opencontainers.image.title', `${this.name}-${stage.name}`],
      ['org.opencontainers.image.description', stage.props.description],
    ];
    if (this.props.sourceUrl) labels.push(['org.opencontainers.image.source', this.props.sourceUrl]);
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
    for (const p of this.problems.all) problems.add(p.path, p.field, p.message);
    const path = this.path;
    const props = this.props;
    checks.check(problems, path, 'name', props.name ?? '', checks.name);
    checks.check(problems, path, 'labelPrefix', props.labelPrefix ?? '', checks.labelKey);
    checks.check(problems, path, 'root', this.root, checks.relativePath);
    checks.check(problems, path, 'platform', this.platform, checks.name);
    if (props.title !== undefined) checks.check(problems, path, 'title', props.title, checks.nonEmpty);
    if (props.sourceUrl !== undefined) checks.check(problems, path, 'sourceUrl', props.sourceUrl, checks.nonEmpty);
    for (const [field, value] of Object.entries(props.paths ?? {})) {
      checks.check(problems, path, `paths.${field}`, value as string, checks.relativePath);
    }
    if (this.stages.length < 2) {
      problems.add(path, 'stages', 'needs at least two stages (a first one FROM an image, and a package stage FROM a stage)');
    }
    this.validateStages(problems);
    validatePythonModel(problems, this);
    if (props.packager) props.packager.validate(problems, `${path}/packager`);
    else problems.add(path, 'packager', 'is required');
    problems.throwIfAny();
  }

  private validateStages(problems: ProblemList): void {
    const imageOwners = new Map<string, string>();
    this.stages.forEach((stage, index) => {
      const path = constructPath(stage);
      stage.validate(problems, path);
      for (const mode of BUILD_MODES) {
        const ref = stage.props.images?.[mode];
        if (ref === undefined) continue;
        const owner = imageOwners.get(ref);
        if (owner) problems.add(path, `images.${mode}`, `image "${ref}" is already used by ${owner}`);
        else imageOwners.set(ref, `stage "${stage.name}" (${mode})`);
      }
      const parentName = stage.parentStage;
      if (parentName === undefined) return;
      const parent = this.stage(parentName);
      if (!parent) {
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
    const last = this.packageStage;
    if (last && this.stages.length >= 2) {
      if (last.parentStage === undefined) problems.add(constructPath(last), 'from', 'the package stage (the last one) must be FROM another stage');
      if (!this.userOf(last)) problems.add(constructPath(last), 'user', 'the package stage runs as a non-root user: give this stage or a parent a user');
      if (!this.workdirOf(last)) problems.add(constructPath(last), 'workdir', 'the package stage needs a working directory: give this stage or a parent a workdir');
    }
    if (this.stages[0] && 'stage' in this.stages[0].props.from) {
      problems.add(constructPath(this.stages[0]), 'from', 'the first stage must be FROM an image, not a stage');
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

/** The stage type renderers receive. */
export type PipelineStage = ImageStage;
