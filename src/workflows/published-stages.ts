import { ImageStage } from '../model/image-stage';
import { Pipeline } from '../model/pipeline';

/*
 * Which images each workflow publishes, as the model marks them (`publish` on a stage): the
 * release workflow (on a push to its branch) builds and pushes the stages marked 'branch' (the
 * base, which changes least); the dispatch workflow (on a release) pulls those by their input tag,
 * builds the others FROM them, and pushes the stages marked 'release' once the package has passed
 * its checks.
 */

/** The stages the release workflow builds and pushes on every push to its branch. */
export function branchStages(pipeline: Pipeline): ImageStage[] {
  return pipeline.stages.filter((s) => s.props.publish === 'branch');
}

/** The stages the dispatch workflow pushes on a release (after the package's checks). */
export function releaseStages(pipeline: Pipeline): ImageStage[] {
  return pipeline.stages.filter((s) => s.props.publish === 'release');
}
