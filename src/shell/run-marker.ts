/**
 * The file the package script writes inside its container when it is given BUILD_RUN_ID (the
 * driver passes it in CI mode only): `<prefix><run ID>`, relative to the pipeline root. The
 * validation script expects it inside the run's package container and never on the host; with
 * the repository mounted, it would be on the host.
 */
export const RUN_MARKER_PREFIX = 'build/.inside-';
