import { imageProvenanceSteps, imagePushPermissions } from './image-provenance';
import { driverCommand, PLATFORMS_ENV, registryHost } from './workflow-options';
import { checkoutStep, loginStep } from './workflow-steps';
import { ImageStage } from '../model/image-stage';
import { Pipeline } from '../model/pipeline';
import { ImagePlatform } from '../model/platform-target';

/** What a merge job joins, after which jobs, and when it moves the moving tags. */
export interface MergeJobOptions {
  /** The stages whose per-platform images it joins. */
  readonly stages: readonly ImageStage[];
  readonly platforms: readonly ImagePlatform[];
  /** The jobs that pushed the per-platform images. */
  readonly needs: readonly string[];
  readonly runner: string;
  readonly registry: string;
  /** Sign provenance for each joined manifest list. */
  readonly attest: boolean;
  /** The `if:` of the tag move, and when that is, for the step's name (e.g. "branch main only"). */
  readonly moveIf: string;
  readonly moveWhen: string;
}

/**
 * The job of both workflows that joins each platform's pushed images into one manifest list per
 * stage (`driver --ci merge`, BUILD_PLATFORMS), signs its provenance when asked, and moves the
 * moving tags to the lists under a condition (`promote_merged`).
 */
export function mergeJob(pipeline: Pipeline, options: MergeJobOptions): Record<string, unknown> {
  const names = options.stages.map((s) => s.name);
  return {
    'name': `Join the ${options.platforms.join(', ')} images of ${names.join(', ')} into one manifest list`,
    'needs': [...options.needs],
    'runs-on': options.runner,
    'env': { [PLATFORMS_ENV]: options.platforms.join(' ') },
    'timeout-minutes': 15,
    'permissions': imagePushPermissions(options.attest),
    'steps': [
      checkoutStep(),
      loginStep(registryHost(options.registry)),
      { name: `Join each platform's ${names.join(', ')} image under the input tag`, run: driverCommand(pipeline, '--ci', 'merge', ...names) },
      ...(options.attest ? imageProvenanceSteps(pipeline, names, 'manifest list') : []),
      {
        name: `Move ${options.stages.map((s) => s.image('ci')).join(', ')} to the joined manifest list (${options.moveWhen})`,
        if: options.moveIf,
        run: driverCommand(pipeline, '--ci', 'promote_merged', ...names),
      },
    ],
  };
}
