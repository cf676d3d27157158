import { pipelineData } from './pipeline-data';
import { readonlyVar, rootFromScript, scriptHeader } from './script-header';
import { snippet } from './snippet';
import { Pipeline } from '../model/pipeline';

/** The text of the build driver (`docker.sh`): header, the model as bash data, the driver functions. */
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
    ...snippet('env-file'),
    '',
    ...snippet('driver'),
    '',
    'main "$@"',
    '',
  ].join('\n');
}
