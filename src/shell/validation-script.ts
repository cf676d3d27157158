import { pipelineData } from './pipeline-data';
import { readonlyVar, rootFromScript, scriptHeader } from './script-header';
import { snippet } from './snippet';
import { Pipeline } from '../model/pipeline';

/** The results log of the validation script, relative to the pipeline root. */
export const VALIDATION_RESULTS_LOG = 'ci_mode_test_results.log';

/** The text of the validation script (`test_ci_mode.sh`). */
export function renderValidationScript(pipeline: Pipeline): string {
  const path = pipeline.validationScriptPath;
  return [
    ...scriptHeader([
      `Validates the CI-mode build of the ${pipeline.title} pipeline, for real, on a Docker engine.`,
      `Run "./${path} --help" for what it checks.`,
    ]),
    readonlyVar('VALIDATION_SCRIPT', `./${path}`),
    readonlyVar('DRIVER_PATH', pipeline.driverPath),
    readonlyVar('ROOT_FROM_SCRIPT', rootFromScript(path)),
    readonlyVar('RESULTS_LOG', VALIDATION_RESULTS_LOG),
    '',
    ...pipelineData(pipeline),
    '',
    ...snippet('env-file'),
    '',
    ...snippet('validate'),
    '',
    'main "$@"',
    '',
  ].join('\n');
}
