import { driverCommand, WorkflowStep } from './workflow-options';
import { attestImageStep, digestStepId } from './workflow-steps';
import { Pipeline } from '../model/pipeline';

/**
 * Build provenance for the images a job pushes (the `attestImages` option of both workflows): for
 * each stage, the driver's `digest` step (the registry digest of what this job pushed: the image,
 * or, after `merge`, the manifest list) and an actions/attest step on that digest, pushed to the
 * registry beside the image. `gh attestation verify oci://IMAGE --repo OWNER/NAME` checks it.
 */
export function imageProvenanceSteps(pipeline: Pipeline, stages: readonly string[], what: string): WorkflowStep[] {
  return stages.flatMap((stage) => [
    { id: digestStepId(stage), name: `Read the registry digest of the pushed ${stage} ${what}`, run: driverCommand(pipeline, '--ci', 'digest', stage) },
    attestImageStep(`Sign build provenance for the pushed ${stage} ${what}`, digestStepId(stage)),
  ]);
}

/**
 * The permissions of a job that pushes images: read the repository, write packages; and, only
 * when it attests them, an OIDC token and the attestations API (actions/attest needs both).
 */
export function imagePushPermissions(attest: boolean): Record<string, string> {
  return attest
    ? { 'contents': 'read', 'packages': 'write', 'id-token': 'write', 'attestations': 'write' }
    : { contents: 'read', packages: 'write' };
}
