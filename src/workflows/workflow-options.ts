import * as checks from '../model/checks';
import { ProblemList } from '../model/model-error';
import { Pipeline } from '../model/pipeline';
import { IMAGE_PLATFORM_RUNNERS, ImagePlatform, validateImagePlatforms } from '../model/platform-target';
import { shellQuote } from '../shell/shell-quote';

/** The quality gate of a workflow: a job that every other job needs (directly or through another). */
export interface WorkflowGateOptions {
  /**
   * The project tasks the gate runs, in this order, each as `npx projen <task>` after the
   * project's dependencies are installed from its lock file. Each must be a task of the project
   * at synthesis. @default ["test"]
   */
  readonly tasks?: readonly string[];
  /**
   * The Node.js version the gate sets up (`node-version` of actions/setup-node).
   * @default the major of the project's minNodeVersion as "N.x" (a Node project), else "lts/*"
   */
  readonly nodeVersion?: string;
  /** The gate job's time limit. @default 30 */
  readonly timeoutMinutes?: number;
}

/** Settings shared by the generated workflows. */
export interface WorkflowOptions {
  /** Workflow file name without ".yml", e.g. "docker-release". */
  readonly fileName: string;
  /**
   * Folder of the workflow file, relative to the project root. GitHub runs only the workflows in
   * ".github/workflows" of the repository root; a workflow elsewhere (an example's) is inactive
   * there, and its steps are still written to run from the repository root.
   * @default ".github/workflows"
   */
  readonly directory?: string;
  /** GitHub-hosted runner label (`runs-on`). @default "ubuntu-24.04" */
  readonly runner?: string;
  /** The time limit of the job that builds and publishes. @default 60 */
  readonly timeoutMinutes?: number;
  /** The quality gate that runs before anything is pushed or uploaded. @default { tasks: ["test"] } */
  readonly gate?: WorkflowGateOptions;
  /**
   * The registry the workflow pulls from and publishes to, HOST[:PORT][/PATH] (e.g. "ghcr.io" or
   * "registry.example.test/team"). The workflow sets it as BUILD_REGISTRY for every driver command
   * (it replaces the host of the model's image names, or goes in front of a name without one) and
   * logs in to its host. Required when the CI images name no registry host (e.g. "local/app:base_ci").
   * @default the registry host of the pipeline's CI images
   */
  readonly registry?: string;
  /**
   * Sign SLSA build provenance for every image the workflow pushes: each platform's image, and,
   * with several platforms, the merged manifest list (actions/attest on the registry digest, also
   * pushed to the registry; `gh attestation verify oci://IMAGE --repo OWNER/NAME` checks it). Only
   * the jobs that push get `id-token: write` and `attestations: write`.
   * @default false
   */
  readonly attestImages?: boolean;
  /**
   * The platforms the workflow's images are built for. Each is built on its own native runner
   * (IMAGE_PLATFORM_RUNNERS: linux/arm64 on "ubuntu-24.04-arm", never emulated), pushed as
   * `<tag>-<arch>`, and a merge job joins them into one multi-platform manifest list per tag. With
   * one platform, one job builds and pushes the images under their plain tags. Give both
   * workflows the same list: the package workflow's images are built FROM the release workflow's.
   * @default ["linux/amd64"]
   */
  readonly platforms?: readonly ImagePlatform[];
}

/** The environment variables of the driver that name the platform of a build, and the platforms a merge joins. */
export const PLATFORM_ENV = 'BUILD_PLATFORM';
export const PLATFORMS_ENV = 'BUILD_PLATFORMS';

/** The runner a platform's images are built on: the workflow's runner for linux/amd64, else the platform's native runner. */
export function platformRunner(platform: ImagePlatform, runner: string): string {
  return platform === 'linux/amd64' ? runner : IMAGE_PLATFORM_RUNNERS[platform];
}

export const DEFAULT_RUNNER = 'ubuntu-24.04';
/** The driver's environment variable for the registry (its --registry option). */
export const REGISTRY_ENV = 'BUILD_REGISTRY';
export const DEFAULT_WORKFLOW_DIRECTORY = '.github/workflows';
export const DEFAULT_GATE_TASKS: readonly string[] = ['test'];
export const DEFAULT_GATE_TIMEOUT_MINUTES = 30;

/** A job's `steps` entry: GitHub's own keys. */
export type WorkflowStep = Record<string, unknown>;

/** `<directory>/<fileName>.yml`, relative to the project root. */
export function workflowPath(options: WorkflowOptions): string {
  return `${options.directory ?? DEFAULT_WORKFLOW_DIRECTORY}/${options.fileName}.yml`;
}

/** The driver as a path from the repository root, e.g. "./src/airunner/bin/docker.sh". */
export function driverPathFromRepository(pipeline: Pipeline): string {
  return `./${repoPath(pipeline, pipeline.driverPath)}`;
}

/**
 * A `run:` line that runs the driver from the repository root: every word shell-quoted, e.g.
 * `./src/airunner/bin/docker.sh --ci build_base` (a root with a space stays one word).
 */
export function driverCommand(pipeline: Pipeline, ...args: readonly string[]): string {
  return [driverPathFromRepository(pipeline), ...args].map(shellQuote).join(' ');
}

/** A `run:` line that runs the pipeline's validation script (test_ci_mode.sh) from the repository root. */
export function validationCommand(pipeline: Pipeline): string {
  return shellQuote(`./${repoPath(pipeline, pipeline.validationScriptPath)}`);
}

/** A path of the pipeline, relative to the repository root. */
export function repoPath(pipeline: Pipeline, path: string): string {
  return pipeline.root === '.' ? path : `${pipeline.root}/${path}`;
}

/** The registry host a CI image names (Docker's rule: a first component with ".", ":" or "localhost"), if any. */
export function imageRegistryHost(image: string): string | undefined {
  if (!image.includes('/')) return undefined;
  const first = image.split('/')[0];
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : undefined;
}

/** The registry the workflow publishes to: the option, else the host of the pipeline's CI images (undefined when neither names one). */
export function publishRegistryOf(pipeline: Pipeline, options: WorkflowOptions): string | undefined {
  return options.registry ?? imageRegistryHost(pipeline.stages[0].image('ci'));
}

/**
 * An image name as the driver puts it under REGISTRY (its with_registry): the registry replaces
 * the name's registry host, or goes in front of a name without one.
 * ghcr.io/owner/app:linux_ci -> 127.0.0.1:5000/owner/app:linux_ci; local/app:base_ci -> registry.example.test/local/app:base_ci
 */
export function imageUnderRegistry(image: string, registry: string): string {
  const host = imageRegistryHost(image);
  return `${registry}/${host === undefined ? image : image.slice(host.length + 1)}`;
}

/** The host of a registry (HOST[:PORT][/PATH]): what the workflow logs in to. */
export function registryHost(registry: string): string {
  return registry.split('/')[0];
}

/** A registry as the driver's BUILD_REGISTRY takes it: HOST[:PORT][/PATH], lowercase (Docker's reference grammar). */
export function registry(value: string): string | undefined {
  return /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?(\/[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*)*$/.test(value)
    ? undefined
    : `${checks.show(value)} is not a registry: HOST[:PORT][/PATH] in lowercase, e.g. "ghcr.io" or "registry.example.test/team"`;
}

/** A project task name as `npx projen` takes it: "test", "test:unit", "check:generated". */
export function taskName(value: string): string | undefined {
  return /^[A-Za-z0-9][A-Za-z0-9:._-]{0,99}$/.test(value)
    ? undefined
    : `${checks.show(value)} is not a task name (letters, digits, ":", ".", "_", "-", e.g. "test:unit")`;
}

/** A Node.js version as actions/setup-node takes it: "20", "20.x", "20.11.1", "lts/*". */
export function nodeVersion(value: string): string | undefined {
  return /^(\d+(\.(\d+|x))?(\.(\d+|x))?|lts\/\*|lts\/[a-z]+|latest|node)$/.test(value)
    ? undefined
    : `${checks.show(value)} is not a Node.js version (e.g. "20.x", "20.11.1" or "lts/*")`;
}

function checkMinutes(problems: ProblemList, path: string, field: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > 360)) {
    problems.add(path, field, `${typeof value === 'number' ? String(value) : JSON.stringify(value) ?? String(value)} must be a whole number of minutes between 1 and 360`);
  }
}

/**
 * Every value these options put into a workflow is either refused here or quoted where it is
 * used: names and labels by their grammar (no "$", so never "${{"), shell words by shellQuote.
 */
export function validateWorkflowOptions(problems: ProblemList, path: string, pipeline: Pipeline, options: WorkflowOptions): void {
  checks.check(problems, path, 'fileName', options.fileName, checks.name);
  if (options.directory !== undefined) checks.check(problems, path, 'directory', options.directory, checks.relativePath, checks.literalPath);
  if (options.runner !== undefined) checks.check(problems, path, 'runner', options.runner, checks.runnerLabel);
  checkMinutes(problems, path, 'timeoutMinutes', options.timeoutMinutes);
  const gate = options.gate;
  if (gate !== undefined && !checks.isRecord(gate)) problems.add(path, 'gate', 'must be an object ({ tasks, nodeVersion, timeoutMinutes })');
  if (checks.isRecord(gate)) {
    const tasks = checks.listOf(problems, path, 'gate.tasks', gate.tasks as readonly unknown[] | undefined);
    if (gate.tasks !== undefined && Array.isArray(gate.tasks) && tasks.length === 0) problems.add(path, 'gate.tasks', 'must name at least one task (a gate that checks nothing would let anything be published)');
    tasks.forEach((task, i) => checks.check(problems, path, `gate.tasks[${i}]`, task, taskName));
    if (gate.nodeVersion !== undefined) checks.check(problems, path, 'gate.nodeVersion', gate.nodeVersion, nodeVersion);
    checkMinutes(problems, path, 'gate.timeoutMinutes', gate.timeoutMinutes);
  }
  if (options.registry !== undefined) checks.check(problems, path, 'registry', options.registry, registry);
  else if (publishRegistryOf(pipeline, options) === undefined) {
    problems.add(path, 'registry', `is required: the CI image "${pipeline.stages[0].image('ci')}" names no registry host to publish to (e.g. registry: "ghcr.io/owner")`);
  }
  checks.checkBoolean(problems, path, 'attestImages', options.attestImages);
  if (options.platforms !== undefined) validateImagePlatforms(problems, path, 'platforms', options.platforms);
}
