import { Construct } from 'constructs';
import { BUILD_MODES, BuildMode, PerMode } from './build-mode';
import * as checks from './checks';
import { ProblemList } from './model-error';
import { PythonDependencies, PythonRuntime, validatePythonFields } from './python-dependencies';
import { sizeBudget } from './size-budget';
import { StageStep } from './stage-step';

/** Where a stage starts: an external image (optionally pinned by digest), or another stage of the same pipeline. */
export type StageBase = ImageBase | { readonly stage: string };

/** An external base image. */
export interface ImageBase {
  /** The image reference, "[registry/]name:tag", e.g. "ubuntu:22.04". */
  readonly image: string;
  /**
   * The image's content digest, "sha256:<64 hex>": the Dockerfile then says
   * `FROM name:tag@sha256:...`, which the engine resolves by digest alone (the tag is kept for
   * the reader and for Dependabot, which updates tag and digest together). A moved tag cannot
   * change what is built; the input tags change when the digest does.
   * @default - the tag alone (whatever the registry's tag points to at build time)
   */
  readonly digest?: string;
}

/** A build argument with its default; documented in the generated docs. */
export interface BuildArg {
  /** The argument's name, e.g. "PYTHON_VERSION"; not one the generated Dockerfile reserves (HOST_UID, HOST_GID, <STAGE>_IMAGE). */
  readonly name: string;
  /** Its default value (one line; written quoted, so it is taken literally). */
  readonly default: string;
  /** What it sets, for the docs. */
  readonly description: string;
}

/**
 * A non-root user created from the HOST_UID/HOST_GID build arguments, so that files the
 * container writes on a mounted repository belong to the person who runs the build.
 */
export interface StageUser {
  /** The user's name; never "root". */
  readonly name: string;
  /** @default `/home/${name}` */
  readonly home?: string;
  /** Default of the HOST_UID and HOST_GID build arguments; never 0 (root). @default "1000" */
  readonly defaultId?: string;
}

/**
 * When the workflows publish a stage's image: `branch` on every push to the default branch (e.g.
 * the base, which changes rarely), `release` when a release is published (e.g. the runtime, pushed
 * only once the package built FROM it has passed its checks).
 */
export type PublishEvent = 'branch' | 'release';

export const PUBLISH_EVENTS: readonly PublishEvent[] = ['branch', 'release'];

/**
 * The driver tags every image it builds also with an immutable input tag, `<tag>-<hash>`: the
 * first INPUT_HASH_LENGTH hex digits of the SHA-256 of what the stage is built from (its
 * Dockerfile, the files its steps copy, its user IDs, its parent's input tag).
 */
export const INPUT_HASH_LENGTH = 12;

/** The longest tag of a stage's image: the input tag adds "-" and the hash, within Docker's 128 characters. */
export const MAX_STAGE_TAG_LENGTH = 128 - 1 - INPUT_HASH_LENGTH;

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
  /**
   * Whether and when the workflows publish this stage's image (`docker.sh push` with no stage
   * pushes every published stage). @default - not published
   */
  readonly publish?: PublishEvent;
  /**
   * The largest size this stage's image may have, e.g. "300MB" or "1.5GiB" (units: B, kB, MB,
   * GB, KiB, MiB, GiB); a build that makes it larger fails (exit status 14). Checked wherever the
   * driver builds the stage's image (the package stage's only in CI mode).
   * @default - no budget
   */
  readonly sizeBudget?: string;
}

/** The default of HOST_UID and HOST_GID when the stage's user sets no defaultId. */
export const DEFAULT_USER_ID = '1000';

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

  /** The stage this one is built FROM, or undefined when it is built FROM an image. */
  public get parentStage(): string | undefined {
    const from: unknown = this.props.from;
    return checks.isRecord(from) && 'stage' in from && typeof from.stage === 'string' ? from.stage : undefined;
  }

  /** The external image this stage is built FROM, or undefined when it is built FROM a stage. */
  public get baseImage(): string | undefined {
    const from: unknown = this.props.from;
    return checks.isRecord(from) && 'image' in from && typeof from.image === 'string' ? from.image : undefined;
  }

  /** The digest this stage's base image is pinned to, if any. */
  public get baseDigest(): string | undefined {
    const from: unknown = this.props.from;
    return checks.isRecord(from) && 'image' in from && typeof from.digest === 'string' ? from.digest : undefined;
  }

  /** What the FROM line names for an external base: "name:tag@sha256:..." when pinned, else "name:tag". */
  public get baseReference(): string | undefined {
    const image = this.baseImage;
    if (image === undefined) return undefined;
    return this.baseDigest === undefined ? image : `${image}@${this.baseDigest}`;
  }

  public image(mode: BuildMode): string {
    return this.props.images[mode];
  }

  /** The build-arg name through which a child stage receives this stage's image, e.g. BASE_IMAGE. */
  public get imageArgName(): string {
    return `${this.name.toUpperCase().replace(/-/g, '_')}_IMAGE`;
  }

  /** Problems with this stage alone; cross-stage checks (reserved names, labels) live in the pipeline. */
  public validate(problems: ProblemList, path: string): void {
    const p = this.props;
    checks.check(problems, path, 'name', this.name, checks.name);
    checks.check(problems, path, 'description', p.description, checks.nonEmpty);
    this.validateFrom(problems, path);
    if (!checks.isRecord(p.images)) problems.add(path, 'images', 'is required (the image reference for each build mode: { standard, ci })');
    else {
      for (const mode of BUILD_MODES) checks.check(problems, path, `images.${mode}`, p.images[mode], checks.imageReference, requireTag);
    }
    const argNames = new Set<string>();
    checks.listOf(problems, path, 'buildArgs', p.buildArgs).forEach((arg, i) => {
      const at = `buildArgs[${i}]`;
      if (!checks.isRecord(arg)) return problems.add(path, at, 'must be a build argument ({ name, default, description })');
      checks.check(problems, path, `${at}.name`, arg.name, checks.envName);
      if (argNames.has(arg.name)) problems.add(path, `${at}.name`, `duplicate build argument ${checks.show(arg.name)}`);
      argNames.add(arg.name);
      checks.check(problems, path, `${at}.default`, arg.default, checks.singleLine);
      checks.check(problems, path, `${at}.description`, arg.description, checks.nonEmpty);
    });
    for (const [key, value] of checks.entriesOf(problems, path, 'env', p.env)) {
      checks.check(problems, path, `env.${key}`, key, checks.envName);
      checks.check(problems, path, `env.${key}`, value, checks.singleLine);
      if (argNames.has(key)) problems.add(path, `env.${key}`, `has the name of a build argument of this stage; the ENV value would always win over --build-arg ${key}`);
    }
    checks.listOf(problems, path, 'systemPackages', p.systemPackages)
      .forEach((pkg, i) => checks.check(problems, path, `systemPackages[${i}]`, pkg, checks.systemPackage));
    this.validateUser(problems, path);
    if (p.workdir !== undefined) checks.check(problems, path, 'workdir', p.workdir, checks.absolutePath);
    checks.listOf(problems, path, 'steps', p.steps).forEach((step, i) => validateStep(problems, path, `steps[${i}]`, step));
    for (const [key, value] of checks.entriesOf(problems, path, 'labels', p.labels)) {
      checks.check(problems, path, `labels.${key}`, key, checks.labelKey);
      checks.check(problems, path, `labels.${key}`, value, checks.singleLine);
    }
    validatePythonFields(problems, path, p.python, p.pythonDependencies, p.steps);
    if (p.sizeBudget !== undefined) checks.check(problems, path, 'sizeBudget', p.sizeBudget, sizeBudget);
    const publish: unknown = p.publish;
    if (publish !== undefined && !PUBLISH_EVENTS.includes(publish as PublishEvent)) {
      problems.add(path, 'publish', `must be ${PUBLISH_EVENTS.map((e) => `"${e}"`).join(' or ')} (found ${typeof publish === 'string' ? checks.show(publish) : typeof publish})`);
    }
  }

  private validateFrom(problems: ProblemList, path: string): void {
    const from: unknown = this.props.from;
    if (checks.isRecord(from) && 'image' in from) {
      checks.check(problems, path, 'from.image', from.image, checks.imageReference);
      if (from.digest !== undefined) {
        checks.check(problems, path, 'from.digest', from.digest, imageDigest);
        if (typeof from.image === 'string' && from.image.includes('@')) problems.add(path, 'from.digest', `is given twice: ${checks.show(from.image)} already names a digest (keep the tag in image and the digest in digest)`);
      }
    }
    else if (checks.isRecord(from) && 'stage' in from) checks.check(problems, path, 'from.stage', from.stage, checks.name);
    else problems.add(path, 'from', 'is required: { image: "name:tag" } or { stage: "<earlier stage>" }');
  }

  private validateUser(problems: ProblemList, path: string): void {
    const user: unknown = this.props.user;
    if (user === undefined) return;
    if (!checks.isRecord(user)) return problems.add(path, 'user', 'must be a user ({ name, home?, defaultId? })');
    checks.check(problems, path, 'user.name', user.name, checks.name, notRoot);
    if (user.home !== undefined) checks.check(problems, path, 'user.home', user.home, checks.absolutePath);
    if (user.defaultId !== undefined) checks.check(problems, path, 'user.defaultId', user.defaultId, checks.nonRootId);
  }
}

function validateStep(problems: ProblemList, path: string, at: string, step: StageStep): void {
  const s: unknown = step;
  if (!checks.isRecord(s) || (s.kind !== 'copy' && s.kind !== 'run')) {
    return problems.add(path, at, 'must be a step made with Step.copy(...) or Step.run(...)');
  }
  if (step.kind === 'copy') {
    const sources = checks.listOf(problems, path, `${at}.sources`, step.sources);
    if (sources.length === 0) problems.add(path, `${at}.sources`, 'must name at least one path');
    sources.forEach((source, j) => checks.check(problems, path, `${at}.sources[${j}]`, source, checks.relativePath, checks.literalPath));
    checks.check(problems, path, `${at}.destination`, step.destination, checks.absolutePath);
    checks.checkBoolean(problems, path, `${at}.ownedByUser`, step.ownedByUser);
    if (sources.length > 1 && typeof step.destination === 'string' && !step.destination.endsWith('/')) {
      problems.add(path, `${at}.destination`, `${checks.show(step.destination)} must end with "/": several sources are copied into a folder`);
    }
  } else {
    const commands = checks.listOf(problems, path, `${at}.commands`, step.commands);
    if (commands.length === 0) problems.add(path, `${at}.commands`, 'must hold at least one command');
    commands.forEach((command, j) => checks.check(problems, path, `${at}.commands[${j}]`, command, checks.runCommand));
    checks.listOf(problems, path, `${at}.cacheDirectories`, step.cacheDirectories)
      .forEach((dir, j) => checks.check(problems, path, `${at}.cacheDirectories[${j}]`, dir, checks.cacheDirectory));
  }
}

/** A content digest as a FROM line pins it: "sha256:" and 64 lowercase hex digits. */
function imageDigest(value: string): string | undefined {
  return /^sha256:[a-f0-9]{64}$/.test(value)
    ? undefined
    : `${checks.show(value)} is not an image digest ("sha256:" and 64 lowercase hex digits, e.g. from docker buildx imagetools inspect IMAGE)`;
}

function notRoot(value: string): string | undefined {
  return value === 'root' ? '"root" is not allowed: the image user is never root' : undefined;
}

function requireTag(ref: string): string | undefined {
  const lastPart = ref.split('/').pop() ?? '';
  if (!lastPart.includes(':')) return `"${ref}" needs an explicit tag (name:tag)`;
  const tag = lastPart.slice(lastPart.indexOf(':') + 1).split('@')[0];
  const problem = checks.imageTag(tag);
  if (problem) return problem;
  if (tag.length > MAX_STAGE_TAG_LENGTH) {
    return `the tag ${checks.show(tag)} is too long (${tag.length} characters; at most ${MAX_STAGE_TAG_LENGTH}, so that the input tag "<tag>-<${INPUT_HASH_LENGTH} hex digits>" fits in 128)`;
  }
  return undefined;
}
