import { WorkflowStep } from './workflow-options';
import { attestStep, downloadArtifactStep } from './workflow-steps';
import { shellCommand, shellQuote } from '../shell/shell-quote';

/** The checksum file of a release: one `sha256sum` line for every platform's package. */
export const RELEASE_SUMS_FILE = 'SHA256SUMS';

/** One platform's package as a workflow artifact: the artifact's name, the package file and its own checksum file. */
export interface ReleasePackage {
  /** The workflow artifact that holds both files, e.g. "airunner-linux". */
  readonly artifact: string;
  /** The package's file name, e.g. "airunner-linux.tar.gz". */
  readonly file: string;
  /** Its checksum file's name (`sha256sum` format), e.g. "airunner-linux.tar.gz.sha256". */
  readonly checksum: string;
}

/**
 * The release job's steps: download every platform's package into dist/, check each against its
 * own checksum, write SHA256SUMS over all of them, sign build provenance for each package
 * (actions/attest: `gh attestation verify FILE --repo OWNER/NAME` checks it), then attach the
 * packages, their checksums and SHA256SUMS to the release. Event data reaches `run:` only through `env:`.
 */
export function releaseSteps(packages: readonly ReleasePackage[]): WorkflowStep[] {
  const files = packages.map((p) => p.file);
  const uploads = [...packages.flatMap((p) => [p.file, p.checksum]), RELEASE_SUMS_FILE].map((f) => shellQuote(`dist/${f}`));
  return [
    ...packages.map((p) => downloadArtifactStep(`Download the package ${p.file}`, p.artifact, 'dist')),
    ...packages.map((p) => ({ 'name': `Check ${p.file} against its checksum`, 'working-directory': 'dist', 'run': shellCommand('sha256sum', '--check', p.checksum) })),
    { 'name': `Write ${RELEASE_SUMS_FILE} over every platform's package`, 'working-directory': 'dist', 'run': `${shellCommand('sha256sum', '--', ...files)} > ${RELEASE_SUMS_FILE}` },
    attestStep('Sign build provenance for every package (gh attestation verify checks it)', files.map((f) => `dist/${f}`)),
    {
      name: `Upload the packages, their checksums and ${RELEASE_SUMS_FILE} to the release`,
      env: { GH_TOKEN: '${{ github.token }}', TAG: '${{ github.event.release.tag_name }}', REPOSITORY: '${{ github.repository }}' },
      run: `gh release upload "$TAG" ${uploads.join(' ')} --clobber --repo "$REPOSITORY"`,
    },
  ];
}

/** The release job's permissions: write the release's contents, and sign provenance (an OIDC token, the attestations API); nothing else. */
export const RELEASE_JOB_PERMISSIONS = { 'contents': 'write', 'id-token': 'write', 'attestations': 'write' } as const;
