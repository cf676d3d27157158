import { RUN_MARKER_PREFIX } from './run-marker';
import { readonlyVar, rootFromScript, scriptHeader } from './script-header';
import { snippet } from './snippet';
import { Pipeline } from '../model/pipeline';

/**
 * The text of the package script: the packager's commands, then the shared tarball and checksum.
 * The same script runs in both modes: in the image (CI) or on the mounted repository (standard).
 */
export function renderPackageScript(pipeline: Pipeline): string {
  const ctx = pipeline.packagerContext;
  const packager = pipeline.props.packager;
  return [
    ...scriptHeader([
      `Package step of the ${pipeline.title} pipeline: ${packager.describe(ctx)}.`,
      `Run by ${pipeline.driverPath} inside the ${pipeline.packageStage.name} stage; not meant to run on the host.`,
    ]),
    readonlyVar('ROOT_FROM_SCRIPT', rootFromScript(pipeline.packageScriptPath)),
    readonlyVar('PACKAGER', packager.name),
    readonlyVar('PACKAGE_DIR', ctx.packageDir),
    readonlyVar('ARTIFACT', pipeline.artifactPath),
    readonlyVar('CHECKSUM', pipeline.checksumPath),
    readonlyVar('PACKAGER_LOG', pipeline.packagerLogPath),
    readonlyVar('RUN_MARKER_PREFIX', RUN_MARKER_PREFIX),
    '',
    `# The ${packager.name} packager's commands (generated): build ./${ctx.packageDir}.`,
    'run_packager() {',
    ...packager.commands(ctx).map((c) => `  ${c}`),
    '}',
    '',
    ...snippet('package'),
    '',
    'main "$@"',
    '',
  ].join('\n');
}
