import { readFileSync } from 'fs';
import { join } from 'path';
import { GENERATED_MARKER } from '../model/generated-marker';
import { Pipeline } from '../model/pipeline';
import { manifestKind } from '../model/python-dependencies';
import { pythonOf } from '../model/python-checks';
import { PythonData, pythonLiteral } from '../packagers/python-literal';
import { DRIVER_EXIT_CODES } from '../shell/exit-codes';
import { rootFromScript } from '../shell/script-header';
import { shellQuote } from '../shell/shell-quote';

/** The driver's exit status when the preflight finds a problem (`check`, or before a build); from the one table. */
export const PREFLIGHT_EXIT_STATUS: number = DRIVER_EXIT_CODES.preflight.code;

/** The preflight program's file name, in the pipeline's support folder (next to package.sh). */
export const PREFLIGHT_PROGRAM = 'preflight.py';

/** The preflight program, relative to the pipeline root. */
export function preflightPath(pipeline: Pipeline): string {
  return `${pipeline.supportDir}/${PREFLIGHT_PROGRAM}`;
}

/** What the preflight needs of the model, as plain data (the program gets it as a Python literal). */
export function preflightModel(pipeline: Pipeline): PythonData {
  const ctx = pipeline.packagerContext;
  const packager = pipeline.props.packager;
  const inputs = packager.preflight(ctx);
  const smoke = packager.smokeCheck;
  return {
    title: pipeline.title,
    program: preflightPath(pipeline),
    rootFromProgram: rootFromScript(preflightPath(pipeline)),
    config: '.projenrc.ts',
    stages: pipeline.stages.map((stage) => {
      const python = pythonOf(pipeline, stage);
      const dependencies = stage.props.pythonDependencies;
      return {
        name: stage.name,
        parent: stage.parentStage ?? null,
        workdir: pipeline.workdirOf(stage) ?? '/',
        copies: pipeline.stepsOf(stage).flatMap((step) => (step.kind === 'copy' ? [{ sources: [...step.sources], destination: step.destination }] : [])),
        python: python ? { version: python.runtime.version, declaredBy: python.declaredBy.name } : null,
        dependencies: dependencies
          ? { manifest: dependencies.manifest, kind: manifestKind(dependencies.manifest) ?? null, emptyFolders: [...(dependencies.emptyFolders ?? [])] }
          : null,
      };
    }),
    package: {
      stage: pipeline.packageStage.name,
      entryScript: inputs.entryScript ?? null,
      entryModule: inputs.entryModule ?? null,
      repositorySources: [...inputs.repositorySources],
      imageSources: [...inputs.imageSources],
      importPaths: [...inputs.importPaths],
      modules: [...inputs.modules],
      smokeCheck: smoke
        ? { command: [`cd ${ctx.distDir} &&`, packager.launchCommand(ctx), ...(smoke.arguments ?? []).map(shellQuote)].join(' '), expectedOutput: smoke.expectedOutput }
        : null,
    },
  };
}

/** The hand-written part (src/preflight/preflight.py), from its "# ---" line on. */
function programBody(): string[] {
  const lines = readFileSync(join(__dirname, PREFLIGHT_PROGRAM), 'utf8').replace(/\n+$/, '').split('\n');
  const start = lines.findIndex((l) => l.startsWith('# ---'));
  return start >= 0 ? lines.slice(start) : lines;
}

/** The text of the preflight program: header, the hand-written checks, the model as a Python literal, the call of main(). */
export function renderPreflightProgram(pipeline: Pipeline): string {
  return [
    '#!/usr/bin/env python3',
    `# ${GENERATED_MARKER}`,
    `# Preflight of the ${pipeline.title} pipeline: each stage has what its steps need, checked before any build.`,
    `# Run by ./${pipeline.driverPath} (check, --dry-run, and before every build); "python3 ${preflightPath(pipeline)} --help" for usage.`,
    ...programBody(),
    '',
    '',
    '# --- The pipeline model (generated) ---',
    `MODEL = ${pythonLiteral(preflightModel(pipeline))}`,
    '',
    'if __name__ == "__main__":',
    '    sys.exit(main(MODEL, sys.argv[1:]))',
    '',
  ].join('\n');
}
