import { spawnSync } from 'child_process';
import { expectSuccess, REQUIRED_ENV, runCommand } from './docker';

/*
 * Helpers of the Podman end-to-end test (test/e2e/podman.test.ts): Podman is the second engine,
 * with its own image store. scripts/podman-engine.sh (run by scripts/docker-engine.sh) installs
 * it, lets `podman run` start containers here and loads the base image into its store.
 */

/** The Podman client the driver is given (DOCKER=podman), as a user would set it. */
export const PODMAN = 'podman';
/** The base image, under the name Podman resolves the Dockerfiles' `FROM debian:bookworm-slim` to. */
export const PODMAN_BASE_IMAGE = 'docker.io/library/debian:bookworm-slim';

const PROBE_TIMEOUT_MS = 30 * 1000;

let status: { ready: boolean; detail: string } | undefined;

/** Whether Podman runs a container of the base image here (once per process). */
export function probePodman(): { ready: boolean; detail: string } {
  if (status) return status;
  const run = spawnSync(PODMAN, ['run', '--rm', '--network', 'none', PODMAN_BASE_IMAGE, 'true'], { encoding: 'utf8', timeout: PROBE_TIMEOUT_MS });
  const error = run.error as NodeJS.ErrnoException | undefined;
  if (error) {
    status = { ready: false, detail: error.code === 'ENOENT' ? `no '${PODMAN}' on PATH` : `'${PODMAN} run' could not run: ${error.message}` };
  } else if (run.status !== 0) {
    const said = String(run.stderr ?? '').split('\n').map((l) => l.trim()).find((l) => l !== '');
    status = { ready: false, detail: `'${PODMAN} run --rm ${PODMAN_BASE_IMAGE} true' exited ${run.status}: ${said ?? ''}` };
  } else {
    status = { ready: true, detail: 'ready' };
  }
  return status;
}

/**
 * describe() for tests that need Podman. Without it, one skipped test whose name gives the reason;
 * with STAGED_BUILD_E2E_REQUIRED=1 (CI), one failing test with that reason and the fix.
 */
export function describeWithPodman(title: string, body: () => void): void {
  const podman = probePodman();
  if (podman.ready) {
    describe(title, body);
    return;
  }
  const reason = `Podman cannot run containers here: ${podman.detail}`;
  describe(title, () => {
    if (process.env[REQUIRED_ENV] === '1') {
      test(`needs Podman (${REQUIRED_ENV}=1, ${reason})`, () => {
        throw new Error(`${REQUIRED_ENV}=1 requires the Podman end-to-end tests to run, but ${reason}; `
          + 'prepare it with scripts/podman-engine.sh (scripts/docker-engine.sh runs it)');
      });
    } else {
      test.skip(`(skipped: ${reason})`, () => undefined);
    }
  });
}

/** Runs podman, throws when it fails, returns its trimmed standard output. */
export function podmanOk(args: string[]): string {
  return expectSuccess(runCommand(PODMAN, args), `podman ${args.join(' ')}`).stdout.trim();
}

/** IDs of the images in Podman's store (intermediate ones too), optionally with the label KEY=VALUE. */
export function podmanImages(label?: string): string[] {
  const args = ['images', '--all', '--quiet', '--no-trunc', ...(label ? ['--filter', `label=${label}`] : [])];
  return [...new Set(podmanOk(args).split(/\s+/).filter((w) => w !== ''))].sort();
}

/** The ID of an image in Podman's store, as `podman image inspect` gives it (the driver's run record holds the same). */
export function podmanImageId(ref: string): string {
  return podmanOk(['image', 'inspect', '--format', '{{.Id}}', ref]);
}

/** One label of an image in Podman's store ('' when unset). */
export function podmanImageLabel(ref: string, key: string): string {
  return podmanOk(['image', 'inspect', '--format', `{{ index .Config.Labels "${key}" }}`, ref]);
}
