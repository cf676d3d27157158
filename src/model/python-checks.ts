import { ImageStage } from './image-stage';
import { constructPath, ProblemList } from './model-error';
import { PythonDependencies, PythonRuntime } from './python-dependencies';
import type { Pipeline } from './pipeline';

/** The stage that installs the Python dependencies, with its manifest; undefined when none declares it. */
export function dependencyStage(pipeline: Pipeline): { stage: ImageStage; dependencies: PythonDependencies } | undefined {
  const stage = pipeline.stages.find((s) => s.props.pythonDependencies !== undefined);
  return stage ? { stage, dependencies: stage.props.pythonDependencies! } : undefined;
}

/** The Python a stage has: its own declaration, or the nearest parent's. */
export function pythonOf(pipeline: Pipeline, stage: ImageStage): { runtime: PythonRuntime; declaredBy: ImageStage } | undefined {
  for (const s of pipeline.chainOf(stage).reverse()) {
    if (s.props.python) return { runtime: s.props.python, declaredBy: s };
  }
  return undefined;
}

/** Cross-stage rules of the Python fields: one dependency stage, and a Python version it can be checked against. */
export function validatePythonModel(problems: ProblemList, pipeline: Pipeline): void {
  const declaring = pipeline.stages.filter((s) => s.props.pythonDependencies !== undefined);
  for (const extra of declaring.slice(1)) {
    problems.add(constructPath(extra), 'pythonDependencies', `only one stage installs the Python dependencies (already declared by stage "${declaring[0].name}")`);
  }
  const first = declaring[0];
  // With an unknown or invalid `from` in its chain, the missing Python follows from that error.
  if (first && pipeline.chainIsWhole(first) && !pythonOf(pipeline, first)) {
    const chain = pipeline.chainOf(first).map((s) => s.name).join(', ');
    problems.add(constructPath(first), 'pythonDependencies',
      `the preflight compares the manifest's requires-python with the stage's Python, but no stage of ${chain} declares one; add python: { version: "3.x.y" } to the stage that installs Python`);
  }
}
