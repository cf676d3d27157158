import * as checks from '../model/checks';
import { ProblemList } from '../model/model-error';
import { Pipeline } from '../model/pipeline';
import { shellQuote } from '../shell/shell-quote';

/** Settings shared by the generated workflows. */
export interface WorkflowOptions {
  /** Workflow file name without ".yml", e.g. "docker-release". */
  readonly fileName: string;
  /** GitHub-hosted runner label (`runs-on`). @default "ubuntu-24.04" */
  readonly runner?: string;
  /** Job time limit. @default 60 */
  readonly timeoutMinutes?: number;
}

export const DEFAULT_RUNNER = 'ubuntu-24.04';

/** A job's `steps` entry: GitHub's own keys. */
export type WorkflowStep = Record<string, unknown>;

/** The driver as a path from the repository root, e.g. "./src/airunner/bin/docker.sh". */
export function driverPathFromRepository(pipeline: Pipeline): string {
  return pipeline.root === '.' ? `./${pipeline.driverPath}` : `./${pipeline.root}/${pipeline.driverPath}`;
}

/**
 * A `run:` line that runs the driver from the repository root: every word shell-quoted, e.g.
 * `./src/airunner/bin/docker.sh --ci build_base` (a root with a space stays one word).
 */
export function driverCommand(pipeline: Pipeline, ...args: readonly string[]): string {
  return [driverPathFromRepository(pipeline), ...args].map(shellQuote).join(' ');
}

/** A path of the pipeline, relative to the repository root. */
export function repoPath(pipeline: Pipeline, path: string): string {
  return pipeline.root === '.' ? path : `${pipeline.root}/${path}`;
}

/** The registry host of the pipeline's CI images, e.g. "ghcr.io". */
export function registryOf(pipeline: Pipeline): string {
  return pipeline.stages[0].image('ci').split('/')[0];
}

/**
 * Every value these options put into a workflow is either refused here or quoted where it is
 * used: names and labels by their grammar (no "$", so never "${{"), shell words by shellQuote.
 */
export function validateWorkflowOptions(problems: ProblemList, path: string, pipeline: Pipeline, options: WorkflowOptions): void {
  checks.check(problems, path, 'fileName', options.fileName, checks.name);
  if (options.runner !== undefined) checks.check(problems, path, 'runner', options.runner, checks.runnerLabel);
  const timeout = options.timeoutMinutes;
  if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout <= 0 || timeout > 360)) {
    problems.add(path, 'timeoutMinutes', `${typeof timeout === 'number' ? String(timeout) : JSON.stringify(timeout) ?? String(timeout)} must be a whole number of minutes between 1 and 360`);
  }
  const registry = registryOf(pipeline);
  if (!registry.includes('.') && !registry.includes(':')) {
    problems.add(path, 'pipeline', `the CI image "${pipeline.stages[0].image('ci')}" names no registry host, so it cannot be pushed`);
  }
}

/** Checkout without persisted credentials, and a registry login with the job's GITHUB_TOKEN. */
export function checkoutAndLogin(registry: string, uses: { checkout: string; dockerLogin: string }): WorkflowStep[] {
  return [
    { name: 'Check out', uses: uses.checkout, with: { 'persist-credentials': false } },
    {
      name: `Log in to ${registry}`,
      uses: uses.dockerLogin,
      with: { registry, username: '${{ github.actor }}', password: '${{ secrets.GITHUB_TOKEN }}' },
    },
  ];
}
