/**
 * The BuildKit cache records of this benchmark's own builds, so that the fresh-machine figure can
 * drop exactly those (never the rest of the shared engine's cache: no prune of everything).
 */
export interface CacheRecord {
  readonly id: string;
  readonly parent: string;
  readonly description: string;
}

/** Parses `docker system df -v --format '{{json .BuildCache}}'` (a JSON array; IDs of records in use end with "*"). */
export function parseCacheRecords(json: string): CacheRecord[] {
  const list = JSON.parse(json.trim() || '[]') as Array<Record<string, string>> | null;
  return (list ?? []).map((r) => ({
    id: String(r.ID ?? '').replace(/\*$/, ''),
    parent: String(r.Parent ?? '').replace(/\*$/, ''),
    description: String(r.Description ?? ''),
  }));
}

/**
 * The records that were not there before (`before`: the IDs listed then) and are ours: their
 * description, or an ancestor's, contains one of the markers. Children come before their parents
 * (the order to prune in). (Not by creation time: records imported from a registry's cache keep
 * the creation time of the build that made them.)
 */
export function ownRecords(records: readonly CacheRecord[], before: ReadonlySet<string>, markers: readonly string[]): CacheRecord[] {
  const byId = new Map(records.map((r) => [r.id, r]));
  const mine = (r: CacheRecord): boolean => markers.some((m) => r.description.includes(m));
  const depth = (r: CacheRecord): number => {
    let d = 0;
    for (let p = byId.get(r.parent); p && d < 1000; p = byId.get(p.parent)) d++;
    return d;
  };
  const ours = records.filter((r) => {
    if (before.has(r.id)) return false;
    for (let x: CacheRecord | undefined = r, guard = 0; x && guard < 1000; x = byId.get(x.parent), guard++) {
      if (mine(x)) return true;
    }
    return false;
  });
  return ours.sort((a, b) => depth(b) - depth(a));
}
