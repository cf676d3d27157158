import { ACTIONS } from './actions';
import { WorkflowStep } from './workflow-options';

/*
 * The `uses:` steps the generated workflows share. Each names its action through the one table
 * (actions.ts); every `with:` value is either literal model data validated by its grammar or a
 * `${{ }}` expression of GitHub's own context (never in a `run:`).
 */

/** Checkout without persisted credentials: no job pushes with git. */
export function checkoutStep(): WorkflowStep {
  return { name: 'Check out', uses: ACTIONS.checkout, with: { 'persist-credentials': false } };
}

/** A registry login with the job's own GITHUB_TOKEN (its permissions decide what it may push). */
export function loginStep(registry: string): WorkflowStep {
  return {
    name: `Log in to ${registry}`,
    uses: ACTIONS.dockerLogin,
    with: { registry, username: '${{ github.actor }}', password: '${{ secrets.GITHUB_TOKEN }}' },
  };
}

/**
 * Node.js for the project's tasks; no dependency cache (a release job never restores a cache
 * others wrote): setup-node v5+ caches on its own when package.json names npm, so it is turned off.
 */
export function setupNodeStep(version: string): WorkflowStep {
  return { name: 'Set up Node.js', uses: ACTIONS.setupNode, with: { 'node-version': version, 'package-manager-cache': false } };
}

/** Keeps files as a workflow artifact; `ifNoFilesFound` decides whether missing files fail the step. */
export function uploadArtifactStep(name: string, artifact: string, paths: readonly string[], ifNoFilesFound: 'error' | 'warn' | 'ignore', condition?: string): WorkflowStep {
  return {
    name,
    ...(condition ? { if: condition } : {}),
    uses: ACTIONS.uploadArtifact,
    with: { 'name': artifact, 'path': paths.join('\n'), 'if-no-files-found': ifNoFilesFound },
  };
}

/** Downloads one named artifact into `path`. */
export function downloadArtifactStep(name: string, artifact: string, path: string): WorkflowStep {
  return { name, uses: ACTIONS.downloadArtifact, with: { name: artifact, path } };
}

/**
 * SLSA build provenance for files (actions/attest with subject-path, its default mode): signed with
 * the job's OIDC token and stored with the repository's attestations. The job needs
 * `id-token: write` and `attestations: write`, and only that job has them.
 */
export function attestStep(name: string, paths: readonly string[]): WorkflowStep {
  return { name, uses: ACTIONS.attest, with: { 'subject-path': paths.join('\n') } };
}

/** Python for a native package job; no pip cache (a release job never restores a cache others wrote). */
export function setupPythonStep(version: string): WorkflowStep {
  return { name: `Set up Python ${version}`, uses: ACTIONS.setupPython, with: { 'python-version': version } };
}

/**
 * The step id of a stage's digest step (`driver --ci digest STAGE`), whose outputs name the image
 * an attestation is for.
 */
export function digestStepId(stage: string): string {
  return `digest_${stage.replace(/-/g, '_')}`;
}

/**
 * SLSA build provenance for a pushed image (actions/attest with subject-name and subject-digest,
 * from the digest step's outputs), stored with the repository's attestations and pushed to the
 * registry beside the image. The job needs `id-token: write` and `attestations: write`.
 */
export function attestImageStep(name: string, digestStep: string): WorkflowStep {
  return {
    name,
    uses: ACTIONS.attest,
    with: {
      'subject-name': `\${{ steps.${digestStep}.outputs.name }}`,
      'subject-digest': `\${{ steps.${digestStep}.outputs.digest }}`,
      'push-to-registry': true,
    },
  };
}
