/**
 * The ordered build steps of a stage, after its system packages and user are in place.
 * Steps run as the stage's user (its own or the one inherited from its parent stage).
 */
export type StageStep = CopyStep | RunStep;

export interface CopyStep {
  readonly kind: 'copy';
  /** Paths relative to the pipeline root (the build context). */
  readonly sources: readonly string[];
  /** Absolute destination in the image; a directory when it ends with "/". */
  readonly destination: string;
  /**
   * Give the copied files to the stage's user.
   * @default true
   */
  readonly ownedByUser?: boolean;
}

export interface RunStep {
  readonly kind: 'run';
  /** Shell commands, joined with "&&" into one RUN instruction. */
  readonly commands: readonly string[];
  /**
   * Directories kept between builds as BuildKit cache mounts (rendered only when the pipeline enables BuildKit features).
   * @default []
   */
  readonly cacheDirectories?: readonly string[];
}

/** Builders for steps, so that presets read as a list of actions. */
export const Step = {
  copy(sources: string | readonly string[], destination: string, options: { ownedByUser?: boolean } = {}): CopyStep {
    return { kind: 'copy', sources: typeof sources === 'string' ? [sources] : sources, destination, ...options };
  },
  run(commands: string | readonly string[], options: { cacheDirectories?: readonly string[] } = {}): RunStep {
    return { kind: 'run', commands: typeof commands === 'string' ? [commands] : commands, ...options };
  },
};
