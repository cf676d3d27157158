import { GATE_JOB, gateJob, WorkflowGate } from './gate-job';
import { branchStages } from './published-stages';
import { DEFAULT_RUNNER, driverCommand, PLATFORM_ENV, platformRunner, publishRegistryOf, REGISTRY_ENV, registryHost, WorkflowOptions, WorkflowStep } from './workflow-options';
import { imageProvenanceSteps, imagePushPermissions } from './image-provenance';
import { mergeJob } from './merge-job';
import { checkoutStep, loginStep } from './workflow-steps';
import { Pipeline } from '../model/pipeline';
import { DEFAULT_IMAGE_PLATFORMS, platformArch } from '../model/platform-target';

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
  const platforms = options.platforms ?? DEFAULT_IMAGE_PLATFORMS;
  const onBranch = `\${{ github.ref == 'refs/heads/${branch}' }}`;
  const publishId = `publish-${names.join('-')}`;
  const attest = options.attestImages === true;
  const steps: WorkflowStep[] = [
    checkoutStep(),
    loginStep(registryHost(registry)),
    ...stages.map((stage) => ({ name: `Build the ${stage.name} image (CI mode)`, run: driverCommand(pipeline, '--ci', `build_${stage.name}`) })),
    { name: `Push the ${names.join(', ')} image under its input tag`, run: driverCommand(pipeline, '--ci', 'push', ...names) },
    ...(attest ? imageProvenanceSteps(pipeline, names, 'image') : []),
    {
      name: `Move ${stages.map((s) => s.image('ci')).join(', ')} to the pushed image (branch ${branch} only)`,
      if: onBranch,
      run: driverCommand(pipeline, '--ci', 'promote', ...names),
    },
  ];
  const publishPermissions = imagePushPermissions(attest);
  const publishJob = (name: string, runsOn: string, env?: Record<string, string>) => ({
    'name': name,
    'needs': GATE_JOB,
    'runs-on': runsOn,
    ...(env ? { env } : {}),
    'timeout-minutes': options.timeoutMinutes ?? 60,
    'permissions': publishPermissions,
    'steps': steps,
  });
  // One platform: one job, plain tags (as before platforms existed). Several: one job per
  // platform on its native runner (tags <tag>-<arch>), then one job that joins them.
  const publishJobs: Record<string, unknown> = platforms.length === 1
    ? { [publishId]: publishJob(`Build and push the ${names.join(', ')} image`, platformRunner(platforms[0], runner)) }
    : {
      ...Object.fromEntries(platforms.map((platform) => [
        `${publishId}-${platformArch(platform)}`,
        publishJob(`Build and push the ${names.join(', ')} image for ${platform}`, platformRunner(platform, runner), { [PLATFORM_ENV]: platform }),
      ])),
      [`merge-${names.join('-')}`]: mergeJob(pipeline, {
        stages, platforms, needs: platforms.map((platform) => `${publishId}-${platformArch(platform)}`), runner, registry, attest, moveIf: onBranch, moveWhen: `branch ${branch} only`,
      }),
    };
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
      ...publishJobs,
    },
  };
}
