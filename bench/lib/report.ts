import { dependencyStageRuns, Figures, formatSummary, formatValue, summaryOf } from './figures';
import { evaluate, TARGETS } from './targets';

/** The machine and the run the figures come from. */
export interface RunInfo {
  readonly date: string;
  readonly commit: string;
  /** Whether the benchmark's inputs (library, presets, example, fixtures, benchmark) had uncommitted changes. */
  readonly dirty: boolean;
  readonly runs: number;
  readonly cpus: number;
  readonly memoryBytes: number;
  readonly kernel: string;
  readonly engine: string;
  readonly legacyClient: string;
  readonly buildkitClient: string;
  /** Wall time of the whole benchmark, seconds. */
  readonly totalSeconds: number;
}

/** Ratios worth showing besides the targets: [title, numerator, denominator]. */
const OTHER_RATIOS: readonly (readonly [string, string, string])[] = [
  ['heavy, legacy: warm (no change) / cold', 'heavy.legacy.warm', 'heavy.legacy.cold'],
  ['heavy, BuildKit: warm (no change) / cold', 'heavy.buildkit.warm', 'heavy.buildkit.cold'],
  ['example, legacy: after the edit / cold', 'example.legacy.edit', 'example.legacy.cold'],
  ['example, BuildKit: after the edit / cold', 'example.buildkit.edit', 'example.buildkit.cold'],
  ['build context of the heavy fixture: with / without .dockerignore', 'context.heavy.with', 'context.heavy.without'],
  ['build context of the example: with / without .dockerignore', 'context.example.with', 'context.example.without'],
  ['build context of AiRunner (this repository): with / without .dockerignore', 'context.airunner.with', 'context.airunner.without'],
];

function ratio(figures: Figures, numerator: string, denominator: string): number | undefined {
  const num = summaryOf(figures, numerator);
  const den = summaryOf(figures, denominator);
  return num && den && den.median !== 0 ? num.median / den.median : undefined;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The lines of the target table and the other ratios, also printed at the end of a run. */
export function ratioLines(figures: Figures): string[] {
  const lines: string[] = [];
  for (const result of TARGETS.map((t) => evaluate(t, figures))) {
    const measured = result.ratio === undefined ? '-' : result.ratio.toFixed(3);
    lines.push(`${result.target.title}: ${measured} (target ${result.target.comparison} ${result.target.limit}): ${result.verdict}`);
  }
  return lines;
}

/** The Markdown report (bench/RESULTS.md). */
export function renderReport(info: RunInfo, figures: Figures, notes: readonly string[] = []): string {
  const out: string[] = [];
  out.push('# Benchmark results');
  out.push('');
  out.push('Written by `npx projen bench` (bench/bench.ts); rerun it to refresh. Method and fixtures: bench/README.md.');
  out.push('');
  out.push('## Run');
  out.push('');
  out.push('| | |');
  out.push('| --- | --- |');
  out.push(`| date | ${info.date} |`);
  out.push(`| commit | ${info.commit}${info.dirty ? ' (with uncommitted changes to the library, presets, example, fixtures or benchmark)' : ''} |`);
  out.push(`| samples per figure | ${info.runs} (median, min, max; each figure's n is in its row) |`);
  out.push(`| CPUs | ${info.cpus} |`);
  out.push(`| memory | ${(info.memoryBytes / 2 ** 30).toFixed(1)} GiB |`);
  out.push(`| kernel | ${cell(info.kernel)} |`);
  out.push(`| engine | ${cell(info.engine)} |`);
  out.push(`| legacy builder client | ${cell(info.legacyClient)} |`);
  out.push(`| BuildKit client | ${cell(info.buildkitClient)} |`);
  out.push(`| benchmark wall time | ${formatValue('seconds', info.totalSeconds)} (this process; a --resume run adds to the earlier ones) |`);
  out.push('');
  out.push('## Targets (issue 9, item 6)');
  out.push('');
  out.push('| target | measured | limit | result | why (for a miss) |');
  out.push('| --- | --- | --- | --- | --- |');
  for (const result of TARGETS.map((t) => evaluate(t, figures))) {
    const measured = result.ratio === undefined ? '-' : result.ratio.toFixed(3);
    out.push(`| ${cell(result.target.title)} | ${measured} | ${result.target.comparison} ${result.target.limit} | ${result.verdict} | ${cell(result.why ?? '')} |`);
  }
  out.push('');
  out.push('Ratios are of the medians.');
  out.push('');
  out.push('## Other ratios');
  out.push('');
  out.push('| ratio | measured |');
  out.push('| --- | --- |');
  for (const [title, numerator, denominator] of OTHER_RATIOS) {
    const r = ratio(figures, numerator, denominator);
    out.push(`| ${cell(title)} | ${r === undefined ? '-' : r.toFixed(3)} |`);
  }
  out.push('');
  out.push('## Figures');
  out.push('');
  out.push('| id | what | median (min, max, n) | samples | steps run / cached (per build) | runtime stage (dependency install) re-ran |');
  out.push('| --- | --- | --- | --- | --- | --- |');
  for (const id of Object.keys(figures).sort()) {
    const figure = figures[id];
    const summary = summaryOf(figures, id);
    if (!summary) continue;
    const runs = dependencyStageRuns(figure);
    const samples = figure.samples.map((v) => formatValue(figure.unit, v)).join(', ');
    const steps = (figure.steps ?? []).map((s) => `${s.ran}/${s.cached}`).join(', ');
    out.push(`| ${id} | ${cell(figure.label)} | ${formatSummary(figure.unit, summary)} | ${samples} | ${steps} | ${runs ? `${runs.ran} of ${runs.of}` : ''} |`);
  }
  if (notes.length > 0) {
    out.push('');
    out.push('## Notes');
    out.push('');
    for (const note of notes) out.push(`- ${note}`);
  }
  out.push('');
  return out.join('\n');
}
