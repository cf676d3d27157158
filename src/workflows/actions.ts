/**
 * Every third-party action the generated workflows use, in one table, so that pinning
 * (tags today, SHAs later) and dependabot configuration have a single source.
 */
export const ACTIONS = {
  checkout: 'actions/checkout@v4',
  dockerLogin: 'docker/login-action@v3',
  uploadArtifact: 'actions/upload-artifact@v4',
  downloadArtifact: 'actions/download-artifact@v4',
} as const;
