/**
 * Every third-party action the generated workflows use, in one table, so that pinning
 * (tags today, SHAs later), dependabot configuration and the local rehearsal's table of
 * stand-ins (test/support/rehearsal-actions.ts, keyed by this table) have a single source.
 */
export const ACTIONS = {
  checkout: 'actions/checkout@v4',
  setupNode: 'actions/setup-node@v4',
  dockerLogin: 'docker/login-action@v3',
  uploadArtifact: 'actions/upload-artifact@v4',
  downloadArtifact: 'actions/download-artifact@v4',
} as const;

/** The name of an action in the table, e.g. "checkout". */
export type ActionName = keyof typeof ACTIONS;
