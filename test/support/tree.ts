import { createHash } from 'crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'fs';
import { join } from 'path';

/**
 * Every entry under `dir` (files, folders, links) with its type, mode and content hash, for
 * "byte-identical before and after" checks: a refused synthesis must not change one bit of the tree.
 */
export function treeSnapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (relative: string) => {
    for (const name of readdirSync(join(dir, relative)).sort()) {
      const path = relative ? `${relative}/${name}` : name;
      const full = join(dir, path);
      const stats = lstatSync(full);
      const mode = (stats.mode & 0o7777).toString(8);
      if (stats.isDirectory()) {
        out[path] = `dir ${mode}`;
        walk(path);
      } else if (stats.isSymbolicLink()) {
        out[path] = `link -> ${readlinkSync(full)}`;
      } else {
        out[path] = `file ${mode} ${createHash('sha256').update(readFileSync(full)).digest('hex')}`;
      }
    }
  };
  walk('');
  return out;
}
