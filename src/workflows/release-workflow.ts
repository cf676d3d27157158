import { ACTIONS } from './actions';
import { checkoutAndLogin, DEFAULT_RUNNER, driverCommand, registryOf, WorkflowOptions } from './workflow-options';
import { shellCommand } from '../shell/shell-quote';
import { Pipeline } from '../model/pipeline';

export interface ReleaseWorkflowOptions extends WorkflowOptions {
  /** Branch whose pushes publish the first stage's image. @default "master" */
  readonly branch?: string;
}

/**
 * On a push to the branch: build the first stage (the base image) in CI mode and push it,
 * so that the package workflow pulls it instead of rebuilding it. Every `run:` word is shell-quoted.
 */
export function releaseWorkflow(pipeline: Pipeline, options: ReleaseWorkflowOptions): Record<string, unknown> {
  const base = pipeline.stages[0];
  const registry = registryOf(pipeline);
  return {
    name: options.fileName,
    on: {
      push: { branches: [options.branch ?? 'master'] },
      workflow_dispatch: {},
    },
    permissions: {},
    concurrency: { 'group': `${options.fileName}-\${{ github.ref }}`, 'cancel-in-progress': false },
    jobs: {
      [`build-${base.name}`]: {
        'name': `Build and push the ${base.name} image`,
        'runs-on': options.runner ?? DEFAULT_RUNNER,
        'timeout-minutes': options.timeoutMinutes ?? 60,
        'permissions': { contents: 'read', packages: 'write' },
        'steps': [
          ...checkoutAndLogin(registry, ACTIONS),
          { name: `Build the ${base.name} image (CI mode)`, run: driverCommand(pipeline, '--ci', `build_${base.name}`) },
          { name: `Push ${base.image('ci')}`, run: shellCommand('docker', 'push', base.image('ci')) },
        ],
      },
    },
  };
}
