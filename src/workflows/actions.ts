/**
 * One action of the table: the GitHub repository, the exact release tag and the full commit SHA
 * that tag points to. Workflows use it as `owner/name@<sha> # <version>`: a SHA cannot be moved
 * by whoever controls the tag, and the comment tells a reader (and Dependabot, which updates both
 * together) which release it is.
 */
export interface PinnedAction {
  /** The action's repository on GitHub, "owner/name". */
  readonly repository: string;
  /** The exact release tag the SHA stands for, e.g. "v7.0.1" (the `# v7.0.1` comment). */
  readonly version: string;
  /** The full 40-hex commit SHA of that tag (`git rev-parse '<tag>^{commit}'`), never typed by hand. */
  readonly sha: string;
}

/**
 * Every third-party action the generated workflows use, in one table: the single source of the
 * pins in every generated workflow, of this project's own build workflow (projen's, through
 * `project.github.actions.set`, see src/projen/action-pins.ts), of the version comments, and of
 * the rehearsal's stand-ins (test/support/rehearsal-actions.ts, keyed by this table).
 *
 * Each SHA was read from the action's repository at its tag (`git rev-parse 'vX.Y.Z^{commit}'`);
 * the versions are the current majors of 2026 (see docs/BUILD.md, "Updating the pinned versions").
 */
export const ACTION_TABLE = {
  checkout: { repository: 'actions/checkout', version: 'v7.0.1', sha: '3d3c42e5aac5ba805825da76410c181273ba90b1' },
  setupNode: { repository: 'actions/setup-node', version: 'v7.0.0', sha: '820762786026740c76f36085b0efc47a31fe5020' },
  setupPython: { repository: 'actions/setup-python', version: 'v7.0.0', sha: '5fda3b95a4ea91299a34e894583c3862153e4b97' },
  dockerLogin: { repository: 'docker/login-action', version: 'v4.1.0', sha: '4907a6ddec9925e35a0a9e82d7399ccc52663121' },
  uploadArtifact: { repository: 'actions/upload-artifact', version: 'v7.0.0', sha: 'bbbca2ddaa5d8feaa63e36b76fdaad77386f024f' },
  downloadArtifact: { repository: 'actions/download-artifact', version: 'v8.0.1', sha: '3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c' },
  attest: { repository: 'actions/attest', version: 'v4.2.2', sha: '1e69f48acb82d1966a394da916b4c1698aa569d6' },
} as const satisfies Record<string, PinnedAction>;

/** The name of an action in the table, e.g. "checkout". */
export type ActionName = keyof typeof ACTION_TABLE;

/** The `uses:` value of a pinned action: "owner/name@<sha>". */
export function usesOf(action: PinnedAction): string {
  return `${action.repository}@${action.sha}`;
}

/** The major version of a pinned action, e.g. "v7" for "v7.0.1". */
export function majorOf(action: PinnedAction): string {
  return action.version.split('.')[0];
}

/** The `uses:` values of a table, by action name. */
export function actionsOf<T extends Record<string, PinnedAction>>(table: T): { readonly [K in keyof T]: string } {
  return Object.fromEntries(Object.entries(table).map(([name, action]) => [name, usesOf(action)])) as { [K in keyof T]: string };
}

/** The `uses:` value of each action of the table, e.g. ACTIONS.checkout = "actions/checkout@3d3c42e5...". */
export const ACTIONS = actionsOf(ACTION_TABLE);

/** The table's entry whose `uses:` value this is; undefined for anything else (a tag, another SHA, another action). */
export function pinnedActionOf(uses: string): PinnedAction | undefined {
  return Object.values(ACTION_TABLE).find((action) => usesOf(action) === uses);
}
