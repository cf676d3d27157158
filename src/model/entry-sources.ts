import { posix } from 'path';
import { ProblemList } from './model-error';
import { PackagerPreflight } from './packager';

/**
 * Where the packager's entry may be, relative to the pipeline root: the entry script itself, or,
 * for an entry module, its module file or package under each import path. Empty when the
 * packager names no entry.
 */
export function entryCandidates(preflight: PackagerPreflight): string[] {
  if (preflight.entryScript) return [posix.normalize(preflight.entryScript)];
  if (!preflight.entryModule) return [];
  const modulePath = preflight.entryModule.split('.').join('/');
  return preflight.importPaths.flatMap((root) => [
    posix.join(root, `${modulePath}.py`),
    posix.join(root, modulePath, '__init__.py'),
  ]);
}

/**
 * The packager's entry must be in the repository (where the sources are): a missing entry module
 * would build a package that fails only when someone runs it. `exists` answers for a path
 * relative to the pipeline root; the model itself never reads the file system.
 */
export function checkEntrySources(problems: ProblemList, path: string, root: string, preflight: PackagerPreflight, exists: (relativePath: string) => boolean): void {
  const candidates = entryCandidates(preflight);
  if (candidates.length === 0 || candidates.some(exists)) return;
  const what = preflight.entryScript ? `the entry script "${preflight.entryScript}"` : `the entry module "${preflight.entryModule}"`;
  problems.add(path, preflight.entryField ?? 'entry',
    `${what} is not in the repository: no ${candidates.join(' or ')} under ${root === '.' ? 'the project root' : root}; `
    + 'fix the name, add the sources, or set sourcesElsewhere: true on the pipeline when its sources live in another repository');
}
