import { spawnSync } from 'child_process';
import { join } from 'path';
import { exitCodeData } from '../../src/shell/exit-code-data';

/*
 * Bash unit tests of the hand-written snippets (src/shell/snippets/*.sh): a snippet is sourced
 * alone, with the few variables it reads set by the test, and its functions are called.
 */

export const SNIPPETS_DIR = join(__dirname, '..', '..', 'src', 'shell', 'snippets');

export interface BashRun { status: number | null; stdout: string; stderr: string }

/**
 * Runs `script` in bash (strict mode) in `cwd`, after the driver's exit statuses, the variables in
 * `vars` and the given snippets. `prefix` runs the whole thing under another command (e.g. unshare).
 */
export function runSnippets(snippets: string[], script: string, options: { cwd: string; vars?: Record<string, string>; prefix?: string[]; env?: Record<string, string> }): BashRun {
  const vars = Object.entries(options.vars ?? {}).map(([k, v]) => `${k}=${shellWord(v)}`);
  const text = [
    'set -euo pipefail',
    ...exitCodeData(),
    ...vars,
    ...snippets.map((s) => `source ${shellWord(join(SNIPPETS_DIR, `${s}.sh`))}`),
    script,
  ].join('\n');
  const [command, ...args] = [...(options.prefix ?? []), 'bash', '-c', text];
  const result = spawnSync(command, args, { cwd: options.cwd, encoding: 'utf8', env: { ...process.env, ...options.env }, timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A bash word that stands for `value` literally. */
export function shellWord(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Whether this process may make a private mount namespace (root): read-only and full-disk tests need it. */
export const CAN_MOUNT = spawnSync('unshare', ['-m', 'true']).status === 0;
