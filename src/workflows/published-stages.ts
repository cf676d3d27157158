import { ImageStage } from '../model/image-stage';
import { Pipeline } from '../model/pipeline';

/*
 * Which images each workflow publishes. The release workflow (on a push to the branch) builds and
 * pushes the first stage, the one that changes least; the dispatch workflow (on a release) builds
 * the later image stages FROM it and pushes them, and packages.
 */

/** The stages the release workflow builds and pushes on every push to its branch. */
export function branchStages(pipeline: Pipeline): ImageStage[] {
  return pipeline.stages.slice(0, 1);
}

/** The image stages the dispatch workflow builds and pushes on a release (not the package stage). */
export function releaseStages(pipeline: Pipeline): ImageStage[] {
  return pipeline.stages.slice(1, -1);
}
