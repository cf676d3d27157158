import { Project } from 'projen';

/**
 * The construct id to use for a component of `project` asked to be called `id`: the id itself
 * when it is free, otherwise a free variant (`id~2`, ...). constructs would throw on a taken or
 * empty id; the component then reports the clash as a model problem instead (it compares its
 * node id with the id it was given).
 */
export function uniqueId(project: Project, id: string): string {
  const base = typeof id === 'string' && id !== '' ? id : 'unnamed';
  if (!project.node.tryFindChild(base) && base === id) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}~${n}`;
    if (!project.node.tryFindChild(candidate)) return candidate;
  }
}

/** The problem with the id a component was given, once it has the id `uniqueId` chose. */
export function idProblem(given: unknown, actual: string): string | undefined {
  if (typeof given !== 'string' || given === '') return 'is required (a non-empty construct id, e.g. "App")';
  // constructs writes "/" in an id as "--".
  if (actual !== given.replace(/\//g, '--')) return `another construct of the project is already called ${JSON.stringify(given)}; give each its own id`;
  return undefined;
}
