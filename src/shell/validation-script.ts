import { SHARED_SNIPPETS } from './driver-script';
import { pipelineData } from './pipeline-data';
import { RUN_MARKER_PREFIX } from './run-marker';
import { readonlyVar, rootFromScript, scriptHeader } from './script-header';
import { snippet } from './snippet';
import { Pipeline } from '../model/pipeline';

/** The results log of the validation script, relative to the pipeline root. */
export const VALIDATION_RESULTS_LOG = 'ci_mode_test_results.log';

/**
 * The hand-written parts of the validation script (src/shell/snippets/validate*.sh), one concern
 * each: the recorded docker calls, the containers seen in the engine's events, then the checks and
 * the command line (main).
 */
export const VALIDATION_SNIPPETS = ['validate-calls', 'validate-events', 'validate'] as const;

/** The text of the validation script (`test_ci_mode.sh`). */
export function renderValidationScript(pipeline: Pipeline): string {
  const path = pipeline.validationScriptPath;
  return [
    ...scriptHeader([
      `Validates the CI-mode build of the ${pipeline.title} pipeline, for real, on a Docker engine.`,
      `Run "./${path} --help" for what it checks, and what its isolation proof does not cover.`,
    ]),
    readonlyVar('VALIDATION_SCRIPT', `./${path}`),
    readonlyVar('DRIVER_PATH', pipeline.driverPath),
    readonlyVar('ROOT_FROM_SCRIPT', rootFromScript(path)),
    readonlyVar('RESULTS_LOG', VALIDATION_RESULTS_LOG),
    readonlyVar('RUN_MARKER_PREFIX', RUN_MARKER_PREFIX),
    '',
    ...pipelineData(pipeline),
    '',
    ...SHARED_SNIPPETS.flatMap((name) => [...snippet(name), '']),
    ...VALIDATION_SNIPPETS.flatMap((name) => [...snippet(name), '']),
    'main "$@"',
    '',
  ].join('\n');
}
