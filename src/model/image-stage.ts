import { Construct } from 'constructs';
import { BUILD_MODES, BuildMode, PerMode } from './build-mode';
import * as checks from './checks';
import { ProblemList } from './model-error';
import { PythonDependencies, PythonRuntime, validatePythonFields } from './python-dependencies';
import { StageStep } from './stage-step';

/** Where a stage starts: an external image, or another stage of the same pipeline. */
export type StageBase = { readonly image: string } | { readonly stage: string };

/** A build argument with its default; documented in the generated docs. */
export interface BuildArg {
  readonly name: string;
  readonly default: string;
  readonly description: string;
}

/**
 * A non-root user created from the HOST_UID/HOST_GID build arguments, so that files the
 * container writes on a mounted repository belong to the person who runs the build.
 */
export interface StageUser {
  readonly name: string;
  /** @default `/home/${name}` */
  readonly home?: string;
  /** Default of the HOST_UID and HOST_GID build arguments. @default "1000" */
  readonly defaultId?: string;
}

export interface ImageStageProps {
  /** One line saying what the stage adds; used in comments and docs. */
  readonly description: string;
  /** The image or stage this stage is built FROM. */
  readonly from: StageBase;
  /** The image reference (name:tag) this stage is tagged with, per build mode. */
  readonly images: PerMode<string>;
  /** @default [] */
  readonly buildArgs?: readonly BuildArg[];
  /** @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /** Debian/Ubuntu packages installed with apt-get, as root. @default [] */
  readonly systemPackages?: readonly string[];
  /** The non-root user the stage creates and switches to. @default - inherited from the parent stage */
  readonly user?: StageUser;
  /** @default - inherited from the parent stage */
  readonly workdir?: string;
  /** @default [] */
  readonly steps?: readonly StageStep[];
  /** Extra image labels. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /** The Python this stage installs (its version), for the preflight. @default - inherited from the parent stage */
  readonly python?: PythonRuntime;
  /** This stage installs the application's Python dependencies from this manifest (checked by the preflight). @default - none */
  readonly pythonDependencies?: PythonDependencies;
}

/** The build arguments every stage that creates a user takes. */
export const USER_ID_ARGS = ['HOST_UID', 'HOST_GID'] as const;

/** One image stage of a pipeline: plain data plus its own validation. */
export class ImageStage extends Construct {
  public readonly name: string;
  public readonly props: ImageStageProps;

  constructor(scope: Construct, name: string, props: ImageStageProps) {
    super(scope, name);
    this.name = name;
    this.props = props;
  }

  public get parentStage(): string | undefined {
    return 'stage' in this.props.from ? this.props.from.stage : undefined;
  }

  public image(mode: BuildMode): string {
    return this.props.images[mode];
  }

  /** The build-arg name through which a child stage receives this stage's image, e.g. BASE_IMAGE. */
  public get imageArgName(): string {
    return `${this.name.toUpperCase().replace(/-/g, '_')}_IMAGE`;
  }

  /** Problems with this stage alone; cross-stage checks live in the pipeline. */
  public validate(problems: ProblemList, path: string): void {
    const p = this.props;
    checks.check(problems, path, 'name', this.name, checks.name);
    checks.check(problems, path, 'description', p.description, checks.nonEmpty);
    if ('image' in p.from) checks.check(problems, path, 'from.image', p.from.image, checks.imageReference);
    else checks.check(problems, path, 'from.stage', p.from.stage, checks.name);
    for (const mode of BUILD_MODES) {
      const ref = p.images?.[mode];
      if (ref === undefined) problems.add(path, `images.${mode}`, 'is required (the image reference for this build mode)');
      else checks.check(problems, path, `images.${mode}`, ref, checks.imageReference, requireTag);
    }
    (p.buildArgs ?? []).forEach((arg, i) => {
      checks.check(problems, path, `buildArgs[${i}].name`, arg.name, checks.envName);
      checks.check(problems, path, `buildArgs[${i}].default`, arg.default, checks.noLineBreak);
      checks.check(problems, path, `buildArgs[${i}].description`, arg.description, checks.nonEmpty);
    });
    for (const [key, value] of Object.entries(p.env ?? {})) {
      checks.check(problems, path, `env.${key}`, key, checks.envName);
      checks.check(problems, path, `env.${key}`, value, checks.noLineBreak);
    }
    (p.systemPackages ?? []).forEach((pkg, i) => checks.check(problems, path, `systemPackages[${i}]`, pkg, checks.systemPackage));
    if (p.user) {
      checks.check(problems, path, 'user.name', p.user.name, checks.name);
      if (p.user.home !== undefined) checks.check(problems, path, 'user.home', p.user.home, checks.absolutePath);
      if (p.user.defaultId !== undefined) checks.check(problems, path, 'user.defaultId', p.user.defaultId, checks.numericId);
    }
    if (p.workdir !== undefined) checks.check(problems, path, 'workdir', p.workdir, checks.absolutePath);
    (p.steps ?? []).forEach((step, i) => {
      const at = `steps[${i}]`;
      if (step.kind === 'copy') {
        if (step.sources.length === 0) problems.add(path, `${at}.sources`, 'must name at least one path');
        step.sources.forEach((s, j) => checks.check(problems, path, `${at}.sources[${j}]`, s, checks.relativePath));
        checks.check(problems, path, `${at}.destination`, step.destination, checks.absolutePath);
      } else {
        if (step.commands.length === 0) problems.add(path, `${at}.commands`, 'must hold at least one command');
        step.commands.forEach((c, j) => checks.check(problems, path, `${at}.commands[${j}]`, c, checks.nonEmpty));
        (step.cacheDirectories ?? []).forEach((d, j) => checks.check(problems, path, `${at}.cacheDirectories[${j}]`, d, checks.absolutePath));
      }
    });
    for (const [key, value] of Object.entries(p.labels ?? {})) {
      checks.check(problems, path, `labels.${key}`, key, checks.labelKey);
      checks.check(problems, path, `labels.${key}`, value, checks.noLineBreak);
    }
    validatePythonFields(problems, path, p.python, p.pythonDependencies, p.steps);
  }
}

function requireTag(ref: string): string | undefined {
  const lastPart = ref.split('/').pop() ?? '';
  if (!lastPart.includes(':')) return `"${ref}" needs an explicit tag (name:tag)`;
  return checks.imageTag(lastPart.slice(lastPart.indexOf(':') + 1).split('@')[0]);
}
