import { GATE_JOB, gateJob, WorkflowGate } from './gate-job';
import { branchStages } from './published-stages';
import { DEFAULT_RUNNER, driverCommand, publishRegistryOf, REGISTRY_ENV, registryHost, WorkflowOptions, WorkflowStep } from './workflow-options';
import { checkoutStep, loginStep } from './workflow-steps';
import { Pipeline } from '../model/pipeline';

export interface ReleaseWorkflowOptions extends WorkflowOptions {
  /** Branch whose pushes publish the first stage's image; only it moves the image's `_ci` tag. @default "master" */
  readonly branch?: string;
}

/**
 * On a push to the branch (or by hand): the gate, then build the first stage (the base image) in
 * CI mode and push it under its immutable input tag, so that the package workflow pulls exactly the
 * image built from the released commit's inputs. Only a run on the branch moves the model's tag
 * (`promote`); a manual run from another branch pushes the input tag alone.
 * Every `run:` is one driver command; every word is shell-quoted.
 */
export function releaseWorkflow(pipeline: Pipeline, options: ReleaseWorkflowOptions, gate: WorkflowGate): Record<string, unknown> {
  const stages = branchStages(pipeline);
  const branch = options.branch ?? 'master';
  const runner = options.runner ?? DEFAULT_RUNNER;
  const names = stages.map((s) => s.name);
  const registry = publishRegistryOf(pipeline, options) as string; // validated: the option or the images' host
  const steps: WorkflowStep[] = [
    checkoutStep(),
    loginStep(registryHost(registry)),
    ...stages.map((stage) => ({ name: `Build the ${stage.name} image (CI mode)`, run: driverCommand(pipeline, '--ci', `build_${stage.name}`) })),
    { name: `Push the ${names.join(', ')} image under its input tag`, run: driverCommand(pipeline, '--ci', 'push', ...names) },
    {
      name: `Move ${stages.map((s) => s.image('ci')).join(', ')} to the pushed image (branch ${branch} only)`,
      if: `\${{ github.ref == 'refs/heads/${branch}' }}`,
      run: driverCommand(pipeline, '--ci', 'promote', ...names),
    },
  ];
  return {
    name: options.fileName,
    on: {
      push: { branches: [branch] },
      workflow_dispatch: {},
    },
    permissions: {},
    // Where every driver command pulls from and pushes to (the rehearsal replaces it with its loopback registry).
    env: { [REGISTRY_ENV]: registry },
    concurrency: { 'group': `${options.fileName}-\${{ github.ref }}`, 'cancel-in-progress': false },
    jobs: {
      [GATE_JOB]: gateJob(gate, runner),
      [`publish-${names.join('-')}`]: {
        'name': `Build and push the ${names.join(', ')} image`,
        'needs': GATE_JOB,
        'runs-on': runner,
        'timeout-minutes': options.timeoutMinutes ?? 60,
        'permissions': { contents: 'read', packages: 'write' },
        'steps': steps,
      },
    },
  };
}
