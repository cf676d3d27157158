import * as fc from 'fast-check';

/*
 * Settings shared by the property tests: a new seed each run, printed so that a failure can be
 * replayed (STAGED_BUILD_SEED=<seed> npx jest <file>), the number of cases in each test's name,
 * and fast-check's shrinking (on by default) to a smallest failing case.
 */

/** The environment variable that replays a run: the seed it printed. */
export const SEED_VARIABLE = 'STAGED_BUILD_SEED';

/** This run's seed: STAGED_BUILD_SEED when set, otherwise a new one. */
export const SEED: number = (() => {
  const given = process.env[SEED_VARIABLE];
  if (given !== undefined && given !== '') {
    const seed = Number(given);
    if (!Number.isInteger(seed)) throw new Error(`${SEED_VARIABLE}=${given} is not a whole number (use the seed a failing run printed)`);
    return seed;
  }
  return (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0;
})();

/** A property test's title: what it checks, its case count and the seed, e.g. "...: 3000 cases, seed 123". */
export function propertyTitle(what: string, cases: number): string {
  return `property: ${what}: ${cases} cases, seed ${SEED}`;
}

/**
 * Runs a property with this run's seed and `cases` runs; prints the title (so the count and the seed
 * are in the output even when the test passes) and, on failure, how to replay it.
 */
export function checkProperty<T>(what: string, cases: number, property: fc.IProperty<T>, options: { timeLimitMs?: number } = {}): void {
  console.log(`${propertyTitle(what, cases)} (replay: ${SEED_VARIABLE}=${SEED})`);
  // A time limit bounds the search and the shrinking of slow properties: when it runs out, the
  // smallest failure found so far is reported; with none found, the caller reports its own.
  const limit = options.timeLimitMs === undefined ? {} : { interruptAfterTimeLimit: options.timeLimitMs };
  fc.assert(property, { seed: SEED, numRuns: cases, endOnFailure: false, ...limit });
}
