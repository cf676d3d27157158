import { BuildSteps } from './run-metrics';
import { summarize, Summary } from './stats';

export type Unit = 'seconds' | 'bytes';

/** One measured figure: its samples, and for builds what the driver's metrics said about each sample's steps. */
export interface Figure {
  readonly id: string;
  /** What was measured, in words. */
  readonly label: string;
  readonly unit: Unit;
  readonly samples: number[];
  /** Per build sample: steps run and cached (all stages), and whether the dependency stage ran any step. */
  readonly steps?: BuildSteps[];
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

/**
 * In how many of a figure's builds the dependency stage ran a step ("2 of 3"), or undefined when
 * none built it. The dependency install is the last step of that stage (the runtime stage of the
 * fixtures and the example), so a step run there means the install re-ran.
 */
export function dependencyStageRuns(figure: Figure | undefined): { ran: number; of: number } | undefined {
  const seen = (figure?.steps ?? []).filter((s) => s.dependencyStageRan !== undefined);
  if (seen.length === 0) return undefined;
  return { ran: seen.filter((s) => s.dependencyStageRan).length, of: seen.length };
}
