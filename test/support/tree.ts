import { createHash } from 'crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'fs';
import { join } from 'path';

/**
 * Every path under `dir` (files, folders, links) with its type, mode, owner and content hash, for
 * "byte-identical before and after" checks (a missing folder gives {}).
 */
export function treeEntries(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  for (const path of readdirSync(dir, { recursive: true }).map(String).sort()) {
    const full = join(dir, path);
    const stat = lstatSync(full);
    const meta = `${(stat.mode & 0o7777).toString(8)} ${stat.uid}:${stat.gid}`;
    if (stat.isSymbolicLink()) out[path] = `-> ${readlinkSync(full)} ${meta}`;
    else if (stat.isDirectory()) out[path] = `dir ${meta}`;
    else out[path] = `file ${meta} ${createHash('sha256').update(readFileSync(full)).digest('hex')}`;
  }
  return out;
}

/** The same, as sorted lines "path description": equal when the trees are byte-identical. */
export function treeSnapshot(dir: string): string[] {
  return Object.entries(treeEntries(dir)).map(([path, entry]) => `${path} ${entry}`).sort();
}
