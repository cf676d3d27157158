import { readFileSync } from 'fs';
import { join } from 'path';

/**
 * The hand-written part of a generated script, from `snippets/<name>.sh`.
 * Snippets hold only functions; the data they read is generated above them.
 * The snippet's own first lines (shebang, shellcheck directives for editing it alone) are dropped.
 */
export function snippet(name: string): string[] {
  const text = readFileSync(join(__dirname, 'snippets', `${name}.sh`), 'utf8');
  const lines = text.replace(/\n+$/, '').split('\n');
  const start = lines.findIndex((l) => l.startsWith('# ---'));
  return start >= 0 ? lines.slice(start) : lines;
}
