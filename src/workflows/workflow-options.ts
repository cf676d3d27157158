import * as checks from '../model/checks';
import { ProblemList } from '../model/model-error';
import { Pipeline } from '../model/pipeline';

/** Settings shared by the generated workflows. */
export interface WorkflowOptions {
  /** Workflow file name without ".yml", e.g. "docker-release". */
  readonly fileName: string;
  /** GitHub-hosted runner label. @default "ubuntu-24.04" */
  readonly runner?: string;
  /** Job time limit. @default 60 */
  readonly timeoutMinutes?: number;
}

export const DEFAULT_RUNNER = 'ubuntu-24.04';

/** A job's `steps` entry: GitHub's own keys. */
export type WorkflowStep = Record<string, unknown>;

/** The driver command as run from the repository root, e.g. "./src/airunner/bin/docker.sh". */
export function driverCommand(pipeline: Pipeline): string {
  return pipeline.root === '.' ? `./${pipeline.driverPath}` : `./${pipeline.root}/${pipeline.driverPath}`;
}

/** A path of the pipeline, relative to the repository root. */
export function repoPath(pipeline: Pipeline, path: string): string {
  return pipeline.root === '.' ? path : `${pipeline.root}/${path}`;
}

/** The registry host of the pipeline's CI images, e.g. "ghcr.io". */
export function registryOf(pipeline: Pipeline): string {
  return pipeline.stages[0].image('ci').split('/')[0];
}

export function validateWorkflowOptions(problems: ProblemList, path: string, pipeline: Pipeline, options: WorkflowOptions): void {
  checks.check(problems, path, 'fileName', options.fileName, checks.name);
  if (options.runner !== undefined) checks.check(problems, path, 'runner', options.runner, checks.nonEmpty);
  const timeout = options.timeoutMinutes;
  if (timeout !== undefined && (!Number.isInteger(timeout) || timeout <= 0 || timeout > 360)) {
    problems.add(path, 'timeoutMinutes', `${timeout} must be a whole number of minutes between 1 and 360`);
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
