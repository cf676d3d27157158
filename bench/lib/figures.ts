import { CacheUse } from './build-log';
import { summarize, Summary } from './stats';

export type Unit = 'seconds' | 'bytes';

/** One measured figure: its samples, and for builds what each sample's log said about the cache. */
export interface Figure {
  readonly id: string;
  /** What was measured, in words. */
  readonly label: string;
  readonly unit: Unit;
  readonly samples: number[];
  /** Per build sample: RUN steps run and cached, and whether the dependency install ran. */
  readonly cache?: CacheUse[];
}

export type Figures = Record<string, Figure>;

export function summaryOf(figures: Figures, id: string): Summary | undefined {
  const figure = figures[id];
  return figure && figure.samples.length > 0 ? summarize(figure.samples) : undefined;
}

export function formatValue(unit: Unit, value: number): string {
  if (unit === 'seconds') return `${value.toFixed(1)} s`;
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)} MB`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)} kB`;
  return `${value} B`;
}

/** "12.3 s (min 11.9, max 13.0, n=3)" */
export function formatSummary(unit: Unit, s: Summary): string {
  if (s.n === 1) return formatValue(unit, s.median);
  return `${formatValue(unit, s.median)} (min ${formatValue(unit, s.min)}, max ${formatValue(unit, s.max)}, n=${s.n})`;
}

/** "2 of 3 builds re-ran the dependency install" from a figure's cache records, or undefined. */
export function dependencyInstallRuns(figure: Figure | undefined): { ran: number; of: number } | undefined {
  const seen = (figure?.cache ?? []).filter((c) => c.markerRan !== undefined);
  if (seen.length === 0) return undefined;
  return { ran: seen.filter((c) => c.markerRan).length, of: seen.length };
}
