/** The summary of one figure's samples: the median, with min and max. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** How many samples. */
  readonly n: number;
}

/** Summarizes samples (at least one); the median of an even count is the mean of the middle two. */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('summarize: no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], n: sorted.length };
}
