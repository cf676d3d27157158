/**
 * What the driver's metrics file says about one run (`build/metrics.json` of the pipeline: JSON
 * Lines, one object per driver command; the fields are documented in docs/BUILD.md, "Build
 * metrics"). The driver is the one parser of the builders' output: it counts, per stage, the steps
 * that ran and the steps that came from the build cache; the benchmark only reads those figures.
 */
export interface BuildSteps {
  /** Steps that ran, over every stage the run built (every Dockerfile step but FROM, as the driver counts them). */
  readonly ran: number;
  /** Steps served from the build cache, over every stage the run built. */
  readonly cached: number;
  /** Whether the dependency stage (the one that installs the dependencies) ran any step; undefined when the run did not build it. */
  readonly dependencyStageRan?: boolean;
}

/** One stage of a metrics line, as far as the benchmark reads it. */
interface StageMetrics {
  readonly stage: string;
  readonly steps: { readonly ran: number; readonly cached: number };
}

/**
 * The steps of the run `runId` from the metrics file's text (every line of that run; a `build`
 * writes one). `dependencyStage`: the stage whose steps decide `dependencyStageRan`. Throws when
 * the file holds no line of the run or a stage of it has no step counts.
 */
export function buildSteps(metricsText: string, runId: string, dependencyStage: string): BuildSteps {
  const lines = metricsText.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as { runId?: string; stages?: StageMetrics[] });
  const ofRun = lines.filter((l) => l.runId === runId);
  if (ofRun.length === 0) throw new Error(`the driver's metrics file has no line of run ${runId}`);
  const stages = ofRun.flatMap((l) => l.stages ?? []);
  for (const s of stages) {
    if (!s.steps || !Number.isInteger(s.steps.ran) || !Number.isInteger(s.steps.cached)) {
      throw new Error(`the metrics of run ${runId} give stage ${s.stage} no step counts (steps.ran, steps.cached): is the driver older than the benchmark? run npx projen`);
    }
  }
  const ran = stages.reduce((n, s) => n + s.steps.ran, 0);
  const cached = stages.reduce((n, s) => n + s.steps.cached, 0);
  const dependency = stages.filter((s) => s.stage === dependencyStage);
  return dependency.length === 0 ? { ran, cached } : { ran, cached, dependencyStageRan: dependency.some((s) => s.steps.ran > 0) };
}
