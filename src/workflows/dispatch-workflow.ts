import { GATE_JOB, gateJob, WorkflowGate } from './gate-job';
import { branchStages, releaseStages } from './published-stages';
import {
  DEFAULT_RUNNER, driverCommand, PLATFORM_ENV, platformRunner, publishRegistryOf, REGISTRY_ENV, registryHost, repoPath, validationCommand, WorkflowOptions, WorkflowStep,
} from './workflow-options';
import { nativeJobId, nativePackageJob, nativeReleasePackage } from './native-package-job';
import { RELEASE_JOB_PERMISSIONS, releaseSteps } from './release-job';
import { imageProvenanceSteps, imagePushPermissions } from './image-provenance';
import { mergeJob } from './merge-job';
import { checkoutStep, loginStep, uploadArtifactStep } from './workflow-steps';
import { DEFAULT_IMAGE_PLATFORMS, ImagePlatform, NativePackaging, platformArch } from '../model/platform-target';
import { Pipeline } from '../model/pipeline';
import { VALIDATION_RESULTS_LOG } from '../shell/validation-script';

/** The job ids of the dispatch workflow, in `needs` order after the gate. */
export const PACKAGE_JOB = 'package';
export const RELEASE_JOB = 'release';

/**
 * On a published release (or by hand), three jobs, each needing the one before:
 * - the gate (read only);
 * - package: pull the first stage by its immutable input tag (building it only when the registry
 *   does not have it, and saying which), build the later image stages with the registry as cache,
 *   build the package, run its smoke check and the validation script, and only then push the
 *   later images under their input tags (a release also moves their `_ci` tags), and keep the
 *   package as a workflow artifact;
 * - with several image platforms, the package job builds on the first; an `images-<arch>` job per
 *   other platform builds and checks the same on its native runner (no package is kept), each
 *   pushes its images as <tag>-<arch>, and a merge job joins them into one manifest list per tag
 *   (a release also moves the `_ci` tags there);
 * - release (a release only): check the package against its checksum, write SHA256SUMS, sign
 *   build provenance and attach them to the release (release-job.ts); the only job that may
 *   write contents or sign.
 * Every `run:` is one driver or validation-script command, or gh/checksum tooling; event data
 * reaches `run:` only through `env:`.
 */
export interface DispatchWorkflowOptions extends WorkflowOptions {
  /**
   * Packages built natively with PyInstaller on Windows and macOS runners besides the Linux
   * package (one job per target, each needing the gate); the release carries all of them.
   * @default - the Linux package only
   */
  readonly nativePackages?: NativePackaging;
}

export function dispatchWorkflow(pipeline: Pipeline, options: DispatchWorkflowOptions, gate: WorkflowGate): Record<string, unknown> {
  const pkg = pipeline.packageStage;
  const pulled = new Set(branchStages(pipeline));
  const pushed = releaseStages(pipeline);
  const pushedNames = pushed.map((s) => s.name);
  const artifactName = `${pipeline.name}-${pipeline.platform}`;
  const files = [pipeline.artifactPath, pipeline.checksumPath];
  const fileNames = files.map((f) => f.split('/').pop() as string);
  const runner = options.runner ?? DEFAULT_RUNNER;
  const registry = publishRegistryOf(pipeline, options) as string; // validated: the option or the images' host
  const onRelease = "${{ github.event_name == 'release' }}";
  const attest = options.attestImages === true && pushed.length > 0; // validated: attestImages needs a pushed stage
  const targets = options.nativePackages?.targets ?? [];
  const nativeJobs = Object.fromEntries(targets.map((target) => [nativeJobId(target), nativePackageJob(pipeline, options.nativePackages!, target, GATE_JOB, options.timeoutMinutes ?? 90)]));
  // One platform: the package job alone, plain tags. Several: the package job builds on the first
  // platform, one job per other platform builds and checks the same on its native runner, each
  // pushes its images as <tag>-<arch>, and a merge job joins them and (on a release) moves the tags.
  const platforms = options.platforms ?? DEFAULT_IMAGE_PLATFORMS;
  const several = platforms.length > 1;

  const imageSteps: WorkflowStep[] = pipeline.stages.filter((s) => s !== pkg).map((stage) => (pulled.has(stage)
    ? { name: `Pull the ${stage.name} image by its input tag, or build it when the registry does not have it`, run: driverCommand(pipeline, '--ci', 'pull_or_build', stage.name) }
    : { name: `Build the ${stage.name} image (CI mode, the registry's images as cache)`, run: driverCommand(pipeline, '--ci', `build_${stage.name}`) }));
  const checkedBuildSteps: WorkflowStep[] = [
    checkoutStep(),
    loginStep(registryHost(registry)),
    ...imageSteps,
    { name: `Build the package (CI mode, ${pipeline.props.packager.name})`, run: driverCommand(pipeline, '--ci', `build_${pkg.name}`) },
    { name: 'Smoke check: run the package in a fresh container', run: driverCommand(pipeline, '--ci', 'smoke') },
    { name: `Validate the CI-mode build (${pipeline.validationScriptPath})`, run: validationCommand(pipeline) },
  ];
  const pushSteps: WorkflowStep[] = pushed.length === 0 ? [] : [
    { name: `Push the ${pushedNames.join(', ')} image under its input tag`, run: driverCommand(pipeline, '--ci', 'push', ...pushedNames) },
    ...(attest ? imageProvenanceSteps(pipeline, pushedNames, 'image') : []),
  ];
  const promoteStep: WorkflowStep = {
    name: `Move ${pushed.map((s) => s.image('ci')).join(', ')} to the pushed image (releases only)`,
    if: onRelease,
    run: driverCommand(pipeline, '--ci', 'promote', ...pushedNames),
  };
  const logsStep = (artifact: string) => uploadArtifactStep('Keep the build logs', `${artifact}-logs`, [repoPath(pipeline, 'build/*.log'), repoPath(pipeline, VALIDATION_RESULTS_LOG)], 'ignore', '${{ always() }}');
  const imagePermissions = pushed.length > 0 ? imagePushPermissions(attest) : { contents: 'read', packages: 'read' };
  const platformEnv = (platform: ImagePlatform) => (several ? { env: { [PLATFORM_ENV]: platform } } : {});

  const platformJobs = Object.fromEntries(platforms.slice(1).map((platform) => [platformJobId(platform), {
    'name': `Build, check and publish the ${pushedNames.join(', ') || pkg.name} image for ${platform}`,
    'needs': GATE_JOB,
    'runs-on': platformRunner(platform, runner),
    ...platformEnv(platform),
    'timeout-minutes': options.timeoutMinutes ?? 90,
    'permissions': imagePermissions,
    'steps': [...checkedBuildSteps, ...pushSteps, logsStep(`${artifactName}-${platformArch(platform)}`)],
  }]));
  const mergeJobs = several && pushed.length > 0 ? {
    [`merge-${pushedNames.join('-')}`]: mergeJob(pipeline, {
      stages: pushed, platforms, needs: [PACKAGE_JOB, ...Object.keys(platformJobs)], runner, registry, attest, moveIf: onRelease, moveWhen: 'releases only',
    }),
  } : {};

  return {
    name: options.fileName,
    on: {
      release: { types: ['published'] },
      workflow_dispatch: {},
    },
    permissions: {},
    // Where every driver command pulls from and pushes to (the rehearsal replaces it with its loopback registry).
    env: { [REGISTRY_ENV]: registry },
    concurrency: { 'group': `${options.fileName}-\${{ github.ref }}`, 'cancel-in-progress': false },
    jobs: {
      [GATE_JOB]: gateJob(gate, runner),
      [PACKAGE_JOB]: {
        'name': `Build, check and publish the ${pipeline.platform} package${several ? ` (${platforms[0]})` : ''}`,
        'needs': GATE_JOB,
        'runs-on': platformRunner(platforms[0], runner),
        ...platformEnv(platforms[0]),
        'timeout-minutes': options.timeoutMinutes ?? 90,
        'permissions': imagePermissions,
        'steps': [
          ...checkedBuildSteps,
          ...pushSteps,
          ...(pushed.length > 0 && !several ? [promoteStep] : []),
          uploadArtifactStep('Keep the package as a workflow artifact', artifactName, files.map((f) => repoPath(pipeline, f)), 'error'),
          logsStep(artifactName),
        ],
      },
      ...platformJobs,
      ...mergeJobs,
      ...nativeJobs,
      [RELEASE_JOB]: {
        'name': targets.length > 0 ? 'Attach every platform\'s package to the release' : 'Attach the package to the release',
        'needs': targets.length > 0 ? [PACKAGE_JOB, ...Object.keys(nativeJobs)] : PACKAGE_JOB,
        'if': onRelease,
        'runs-on': runner,
        'timeout-minutes': 10,
        'permissions': { ...RELEASE_JOB_PERMISSIONS },
        'steps': releaseSteps([{ artifact: artifactName, file: fileNames[0], checksum: fileNames[1] }, ...targets.map((t) => nativeReleasePackage(pipeline, t))]),
      },
    },
  };
}

/** The job id of an image platform's build in the dispatch workflow (besides the package job's), e.g. "images-arm64". */
export function platformJobId(platform: ImagePlatform): string {
  return `images-${platformArch(platform)}`;
}
