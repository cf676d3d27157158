import { createHash } from 'crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'fs';
import { join } from 'path';

/**
 * Every path under `dir` with its type, mode, owner and content hash, sorted: two snapshots are
 * equal when the trees are byte-identical (a missing folder gives []).
 */
export function treeSnapshot(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true }).map(String).map((path) => {
    const full = join(dir, path);
    const stat = lstatSync(full);
    const meta = `${(stat.mode & 0o7777).toString(8)} ${stat.uid}:${stat.gid}`;
    if (stat.isSymbolicLink()) return `${path} -> ${readlinkSync(full)} ${meta}`;
    if (stat.isDirectory()) return `${path}/ ${meta}`;
    return `${path} ${meta} ${createHash('sha256').update(readFileSync(full)).digest('hex')}`;
  }).sort();
}
