/**
 * The two ways a pipeline is built.
 * - `standard`: for development; the package step runs with the repository mounted.
 * - `ci`: fully containerized; no mount of any kind, the artifact is copied out of a container.
 */
export type BuildMode = 'standard' | 'ci';

export const BUILD_MODES: readonly BuildMode[] = ['standard', 'ci'];

/** One value per build mode, e.g. an image reference. */
export type PerMode<T> = { readonly [mode in BuildMode]: T };
