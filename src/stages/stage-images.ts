import { PerMode } from '../model/build-mode';

/**
 * The image names of one stage in both build modes, by the convention of the generated driver's
 * docs: `<repository>:<stage>` in development mode and `<repository>:<stage>_ci` in CI mode,
 * e.g. `stageImages('local/hello-app', 'base')` is `local/hello-app:base` / `local/hello-app:base_ci`.
 */
export function stageImages(repository: string, stage: string): PerMode<string> {
  return { standard: `${repository}:${stage}`, ci: `${repository}:${stage}_ci` };
}

/**
 * Where a runtime stage made by `pipRequirementsRuntime` installs the application's
 * dependencies (`pip install --target`): a folder in the user's home that the package stage's
 * packager bundles (the zipapp's `bundle`, or PyInstaller's import path).
 */
export function pythonDependenciesFolder(appName: string, user: string = DEFAULT_STAGE_USER): string {
  return `/home/${user}/.local/share/${appName}/python`;
}

/** The non-root user of the stage presets. */
export const DEFAULT_STAGE_USER = 'appuser';
/** The working directory of the stage presets (where the sources and the manifest are copied). */
export const DEFAULT_STAGE_WORKDIR = '/app';
