/**
 * Build caches kept between builds. With BuildKit, a stage's Dockerfile gets cache mounts
 * (`RUN --mount=type=cache`): apt's package lists and downloads, and the cache directories its
 * run steps declare (pip's). The legacy builder has no cache mounts: it builds a second rendering
 * of the same model without them, where each step empties its cache directories before its layer
 * is written (the image stays as small as with `--no-cache-dir`).
 */

/** The two renderings of a stage's Dockerfile: `plain` for any builder, `buildkit` with cache mounts. */
export type DockerfileVariant = 'plain' | 'buildkit';

/** apt's download cache and package lists, mounted with `sharing=locked` (apt takes its own locks there). */
export const APT_CACHE_DIRECTORIES: readonly string[] = ['/var/cache/apt', '/var/lib/apt'];

/**
 * The apt configuration file of Debian's and Ubuntu's container images that deletes every
 * downloaded package after an install; removed where apt's cache is mounted, so the cache fills.
 */
export const APT_DOCKER_CLEAN = '/etc/apt/apt.conf.d/docker-clean';

/** The file name suffix of a stage's BuildKit rendering: `Dockerfile.<stage>.buildkit`. */
export const BUILDKIT_DOCKERFILE_SUFFIX = '.buildkit';
