import { dependencyStageRuns, Figures, summaryOf } from './figures';

/** A target of issue 9 item 6: the ratio of two figures' medians against a limit. */
export interface Target {
  readonly title: string;
  readonly numerator: string;
  readonly denominator: string;
  readonly comparison: '<=' | '>=';
  readonly limit: number;
}

export const TARGETS: readonly Target[] = [
  { title: 'heavy fixture, legacy builder: warm build after a source edit / cold', numerator: 'heavy.legacy.edit', denominator: 'heavy.legacy.cold', comparison: '<=', limit: 0.1 },
  { title: 'heavy fixture, BuildKit: warm build after a source edit / cold', numerator: 'heavy.buildkit.edit', denominator: 'heavy.buildkit.cold', comparison: '<=', limit: 0.1 },
  { title: 'heavy fixture, legacy builder: naive layout after the edit / our layout after the edit', numerator: 'heavy.legacy.naive-edit', denominator: 'heavy.legacy.edit', comparison: '>=', limit: 10 },
  { title: 'heavy fixture, BuildKit: naive layout after the edit / our layout after the edit', numerator: 'heavy.buildkit.naive-edit', denominator: 'heavy.buildkit.edit', comparison: '>=', limit: 10 },
  { title: 'heavy fixture, BuildKit: fresh machine from the registry cache / cold', numerator: 'fresh.heavy.buildkit', denominator: 'heavy.buildkit.cold', comparison: '<=', limit: 0.3 },
  { title: '`npx projen`: this repository / a bare projen TypeScript project', numerator: 'projen.repo', denominator: 'projen.bare', comparison: '<=', limit: 1.3 },
];

export interface TargetResult {
  readonly target: Target;
  /** Undefined when a figure is missing (not measured in this run). */
  readonly ratio?: number;
  readonly met?: boolean;
  /** "met", "missed: 1.8x the limit", "not measured" */
  readonly verdict: string;
  /** For a miss: what the measurements say about why. */
  readonly why?: string;
}

export function evaluate(target: Target, figures: Figures): TargetResult {
  const num = summaryOf(figures, target.numerator);
  const den = summaryOf(figures, target.denominator);
  if (!num || !den || den.median === 0) return { target, verdict: 'not measured in this run' };
  const ratio = num.median / den.median;
  const met = target.comparison === '<=' ? ratio <= target.limit : ratio >= target.limit;
  if (met) return { target, ratio, met, verdict: 'met' };
  const by = target.comparison === '<='
    ? `missed: ${(ratio / target.limit).toFixed(1)}x the limit`
    : `missed: ${(target.limit / ratio).toFixed(1)}x short of the limit`;
  return { target, ratio, met, verdict: by, why: whyMissed(target, figures) };
}

/** A short why for a miss, from the driver's step counts of the numerator's builds (their metrics.json lines). */
function whyMissed(target: Target, figures: Figures): string {
  const num = figures[target.numerator];
  const den = figures[target.denominator];
  if (target.numerator === 'projen.repo') {
    return 'this repository synthesizes four pipelines (AiRunner, the example, the two bench fixtures: Dockerfiles, drivers, validation scripts, docs) and the workflows, and validates the models; the bare project writes only its own config files';
  }
  if (target.numerator.endsWith('.edit') && target.comparison === '<=') {
    const runs = dependencyStageRuns(num);
    if (runs && runs.ran > 0) {
      const legacy = target.numerator.includes('.legacy.')
        ? ': with the legacy builder the driver\'s per-run --label gives the base image a new ID on every build, so the runtime stage built FROM it misses its cache (issue 9 item 1: the driver change that keeps the label off the cache key was not merged at this commit)'
        : '';
      return `the runtime stage (its last step: the dependency install) re-ran steps in ${runs.ran} of ${runs.of} builds after the edit${legacy}`;
    }
    return 'the runtime stage (the dependency install) ran no step; what remains is the package stage, the packager container and the smoke check (fixed costs of every build)';
  }
  if (target.comparison === '>=') {
    const ours = dependencyStageRuns(den);
    if (ours && ours.ran > 0) return `our layout's runtime stage (the dependency install) re-ran steps too (${ours.ran} of ${ours.of} builds after the edit), so the two layouts cost about the same; see the edit target above`;
    const naive = dependencyStageRuns(num);
    if (naive && naive.ran === 0) return 'the naive layout\'s runtime stage (the dependency install) ran no step (unexpected: the edit did not reach the base stage)';
    return 'the dependency install (what the naive layout repeats) is short against the fixed costs of a build (package stage, packager container, smoke check)';
  }
  if (target.numerator.startsWith('fresh.')) {
    const runs = dependencyStageRuns(num);
    if (runs && runs.ran > 0) return `the registry cache did not serve the runtime stage (the dependency install): it re-ran steps in ${runs.ran} of ${runs.of} fresh builds`;
    return 'the cached steps were served from the registry, but pulling their layers and the uncached steps (packager, smoke check) take that long';
  }
  return 'see the figures';
}
