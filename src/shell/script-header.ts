import { posix } from 'path';
import { shellQuote } from './shell-quote';
import { GENERATED_MARKER } from '../model/generated-marker';

/** The first lines of every generated bash script: shebang, marker, what it is, strict mode. */
export function scriptHeader(description: readonly string[]): string[] {
  return ['#!/usr/bin/env bash', `# ${GENERATED_MARKER}`, ...description.map((d) => `# ${d}`), 'set -euo pipefail', ''];
}

/**
 * How a script at `scriptPath` (relative to the pipeline root) finds the root again:
 * it cds to `$(dirname "${BASH_SOURCE[0]}")/<this>`.
 */
export function rootFromScript(scriptPath: string): string {
  const dir = posix.dirname(scriptPath);
  return dir === '.' ? '.' : dir.split('/').map(() => '..').join('/');
}

export function readonlyVar(name: string, value: string): string {
  return `readonly ${name}=${shellQuote(value)}`;
}
