/**
 * A Dockerfile as data: the instructions this project emits, nothing more.
 * Rendered to text by render-dockerfile.ts; values are quoted there, not here.
 */
export type Instruction =
  | { readonly kind: 'comment'; readonly text: string }
  | { readonly kind: 'arg'; readonly name: string; readonly default?: string }
  | { readonly kind: 'from'; readonly image: string; readonly as?: string }
  | { readonly kind: 'env'; readonly vars: ReadonlyArray<readonly [string, string]> }
  | { readonly kind: 'label'; readonly labels: ReadonlyArray<readonly [string, string]> }
  | { readonly kind: 'run'; readonly commands: readonly RunCommand[]; readonly cacheMounts?: readonly CacheMount[] }
  | { readonly kind: 'copy'; readonly sources: readonly string[]; readonly destination: string; readonly from?: string; readonly chown?: string }
  | { readonly kind: 'user'; readonly user: string }
  | { readonly kind: 'workdir'; readonly path: string }
  | { readonly kind: 'cmd'; readonly argv: readonly string[] };

/**
 * One shell command of a RUN: a string, or a list of words rendered one per continuation line
 * (long package lists stay readable and diff line by line).
 */
export type RunCommand = string | readonly string[];

/** A BuildKit cache mount (`RUN --mount=type=cache,...`). */
export interface CacheMount {
  readonly target: string;
  /** Owner of the cache directory, e.g. "1000" (needed when the RUN is not root). @default - root */
  readonly uid?: string;
  /** Group of the cache directory, e.g. "1000". @default - root */
  readonly gid?: string;
  /** `locked`: one build at a time uses the cache (apt needs it). @default - shared */
  readonly sharing?: 'locked';
}

export interface Dockerfile {
  /** Comment lines at the top (the generated marker first). */
  readonly header: readonly string[];
  readonly instructions: readonly Instruction[];
}
