/**
 * What a build's output says about its cache: how many build steps ran and how many were served
 * from the cache, and whether the dependency install (the pip install step) ran. Both builders:
 * the legacy builder ("Step 3/7 : RUN ...", then " ---> Using cache" or " ---> Running in ..."),
 * and BuildKit with --progress=plain ("#7 [3/5] RUN ...", then "#7 CACHED" or the step's output).
 */
export interface CacheUse {
  /** RUN steps that ran. */
  readonly ran: number;
  /** RUN steps served from the cache. */
  readonly cached: number;
  /** Whether a RUN step containing the marker (the dependency install) ran; undefined when none was seen. */
  readonly markerRan?: boolean;
}

export const DEPENDENCY_INSTALL_MARKER = 'pip install';

export function cacheUse(log: string, marker: string = DEPENDENCY_INSTALL_MARKER): CacheUse {
  let ran = 0;
  let cached = 0;
  let markerRan: boolean | undefined;
  const note = (isMarker: boolean, didRun: boolean) => {
    if (didRun) ran++;
    else cached++;
    if (isMarker) markerRan = (markerRan ?? false) || didRun;
  };
  const lines = log.split('\n');
  // Legacy builder: the line after a RUN step's header says whether it ran.
  let pendingLegacy: boolean | undefined;
  // BuildKit: vertex number -> whether it is the marker step; decided by its first following line.
  const pendingKit = new Map<string, boolean>();
  for (const line of lines) {
    const legacyStep = /^Step \d+\/\d+ : (.*)$/.exec(line);
    if (legacyStep) {
      pendingLegacy = legacyStep[1].startsWith('RUN ') ? legacyStep[1].includes(marker) : undefined;
      continue;
    }
    if (pendingLegacy !== undefined) {
      if (line.startsWith(' ---> Using cache')) { note(pendingLegacy, false); pendingLegacy = undefined; continue; }
      if (line.startsWith(' ---> Running in')) { note(pendingLegacy, true); pendingLegacy = undefined; continue; }
    }
    const kitHeader = /^#(\d+) \[[^\]]*\] RUN (.*)$/.exec(line);
    if (kitHeader) {
      pendingKit.set(kitHeader[1], kitHeader[2].includes(marker));
      continue;
    }
    const kitLine = /^#(\d+) (.*)$/.exec(line);
    // (BuildKit 0.8, engine 20.10, prints the vertex digest first: "#7 sha256:...".)
    if (kitLine && pendingKit.has(kitLine[1]) && !kitLine[2].startsWith('sha256:')) {
      const isMarker = pendingKit.get(kitLine[1]) as boolean;
      pendingKit.delete(kitLine[1]);
      note(isMarker, kitLine[2] !== 'CACHED');
    }
  }
  return markerRan === undefined ? { ran, cached } : { ran, cached, markerRan };
}
