/** One exit status of the build driver: its bash variable, its number, and what it means. */
export interface DriverExitCode {
  /** The readonly bash variable that holds the code in the generated driver, e.g. `EXIT_USAGE`. */
  readonly variable: string;
  /** The exit status. */
  readonly code: number;
  /** What the status means and what to do, one line (shown in --help and docs/BUILD.md). */
  readonly meaning: string;
}

/**
 * The exit statuses of the build driver: the single source for the driver's readonly variables,
 * its --help, docs/BUILD.md and the tests. Signals follow the shell convention 128 + signal number.
 */
export const DRIVER_EXIT_CODES = {
  ok: { variable: 'EXIT_OK', code: 0, meaning: 'success' },
  failure: { variable: 'EXIT_FAILURE', code: 1, meaning: 'another failure of a docker command (e.g. clean could not remove an image)' },
  usage: { variable: 'EXIT_USAGE', code: 2, meaning: 'usage error: an unknown command, stage or option' },
  settings: { variable: 'EXIT_SETTINGS', code: 3, meaning: 'an invalid setting: HOST_UID/HOST_GID (environment or .env), DOCKER_BUILDKIT, BUILD_RUN_ID, --registry/BUILD_REGISTRY, an image name without a registry for push or pull' },
  prerequisite: { variable: 'EXIT_PREREQUISITE', code: 4, meaning: 'a missing prerequisite: docker client, engine, host tool, an input a stage copies, a parent image, an image to push or promote that is not built from the current inputs, the package the smoke check runs' },
  stageBuild: { variable: 'EXIT_STAGE_BUILD', code: 5, meaning: 'building an image stage failed (see the build log)' },
  packageStep: { variable: 'EXIT_PACKAGE', code: 6, meaning: 'the packager failed in its container (see the packager log)' },
  verification: { variable: 'EXIT_VERIFICATION', code: 7, meaning: 'the package failed verification: missing or empty package or checksum, or a checksum mismatch' },
  locked: { variable: 'EXIT_LOCKED', code: 8, meaning: 'another run of the driver holds the lock of this checkout (build/.lock)' },
  write: { variable: 'EXIT_WRITE', code: 9, meaning: 'a file or folder could not be written (disk full, read-only file system, permissions)' },
  preflight: { variable: 'EXIT_PREFLIGHT', code: 10, meaning: 'the preflight found problems: a stage lacks a file its steps need, or the model and the repository disagree (run check)' },
  smoke: { variable: 'EXIT_SMOKE', code: 11, meaning: 'the smoke check failed: the package, run in a fresh container of the first stage\'s image, did not exit 0 with the expected output (see the build log)' },
  pullAbsent: { variable: 'EXIT_PULL_ABSENT', code: 12, meaning: 'pull: the image is not in the registry (manifest unknown); pull_or_build builds it instead' },
  registry: { variable: 'EXIT_REGISTRY', code: 13, meaning: 'a push or pull failed for another reason than an absent image: registry unreachable, access denied, not logged in (see the build log)' },
  sizeBudget: { variable: 'EXIT_SIZE_BUDGET', code: 14, meaning: 'a stage\'s image is larger than its size budget (sizeBudget in the model); the run\'s metrics are in ./build/metrics.json' },
  hangup: { variable: 'EXIT_HANGUP', code: 129, meaning: 'stopped by SIGHUP; the run\'s containers were removed, ./dist is unchanged' },
  interrupted: { variable: 'EXIT_INTERRUPTED', code: 130, meaning: 'interrupted by SIGINT (Ctrl-C); the run\'s containers were removed, ./dist is unchanged' },
  terminated: { variable: 'EXIT_TERMINATED', code: 143, meaning: 'stopped by SIGTERM; the run\'s containers were removed, ./dist is unchanged' },
} as const satisfies Record<string, DriverExitCode>;

/** The exit statuses in the order of their numbers. */
export function driverExitCodes(): DriverExitCode[] {
  return Object.values(DRIVER_EXIT_CODES).sort((a, b) => a.code - b.code);
}
