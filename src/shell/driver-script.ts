import { exitCodeData } from './exit-code-data';
import { pipelineData } from './pipeline-data';
import { readonlyVar, rootFromScript, scriptHeader } from './script-header';
import { snippet } from './snippet';
import { Pipeline } from '../model/pipeline';

/**
 * The hand-written parts of the driver, one concern each (src/shell/snippets/driver-*.sh), in the
 * order they appear in the generated script; the command line (main) comes last.
 */
export const DRIVER_SNIPPETS = [
  'driver-log', 'driver-settings', 'driver-lock', 'driver-exit', 'driver-preflight', 'driver-input-tag', 'driver-build', 'driver-metrics', 'driver-package',
  'driver-smoke', 'driver-publish', 'driver-shell', 'driver-clean', 'driver-cli',
] as const;

/** Snippets the driver shares with the validation script (functions of the model's data). */
export const SHARED_SNIPPETS = ['env-file', 'image-name', 'smoke-output', 'engine'] as const;

/**
 * The text of the build driver (`docker.sh`): header, the model and the exit statuses as bash data,
 * the driver functions.
 */
export function renderDriverScript(pipeline: Pipeline): string {
  const path = pipeline.driverPath;
  return [
    ...scriptHeader([
      `Build driver of the ${pipeline.title} pipeline: ${pipeline.stages.map((s) => s.name).join(' -> ')}.`,
      `Run "./${path} --help" for usage. Documentation: ${pipeline.docsPath}.`,
    ]),
    readonlyVar('DRIVER_PATH', `./${path}`),
    readonlyVar('ROOT_FROM_SCRIPT', rootFromScript(path)),
    '',
    ...pipelineData(pipeline),
    '',
    ...exitCodeData(),
    '',
    ...SHARED_SNIPPETS.flatMap((name) => [...snippet(name), '']),
    ...DRIVER_SNIPPETS.flatMap((name) => [...snippet(name), '']),
    'main "$@"',
    '',
  ].join('\n');
}
