import { posix } from 'path';
import { StageDefinition } from '../model/pipeline';
import { Step } from '../model/stage-step';
import { DEFAULT_STAGE_USER, DEFAULT_STAGE_WORKDIR, stageImages } from './stage-images';

export interface PipRequirementsRuntimeOptions {
  /** The image repository the stage is tagged in, e.g. "local/hello-app" (tags `<name>` and `<name>_ci`). */
  readonly repository: string;
  /**
   * The folder in the image the dependencies are installed into (`pip install --target`); it is
   * put on PYTHONPATH, and the packager must bundle it. See `pythonDependenciesFolder`.
   */
  readonly target: string;
  /** The stage's name. @default "runtime" */
  readonly name?: string;
  /** The stage it is built on. @default "base" */
  readonly from?: string;
  /** The requirements file, relative to the pipeline root. @default "requirements.txt" */
  readonly requirements?: string;
  /**
   * Folders of local packages the requirements name (e.g. "libs/" for a line `./libs/greetings`),
   * relative to the pipeline root; copied to the same place under the working directory. @default []
   */
  readonly localPackages?: readonly string[];
  /**
   * Install without an index (`--no-index --no-build-isolation`): only local packages, and the
   * build tools of the base image. For machines that cannot reach PyPI. @default false
   */
  readonly offline?: boolean;
  /** The working directory of the base stage. @default "/app" */
  readonly workdir?: string;
  /** pip's cache directory during the install (a BuildKit cache mount, owned by the stage's user). @default "/home/appuser/.cache/pip" */
  readonly pipCache?: string;
}

/** pip's cache directory of the install step, in the default user's home. */
export const DEFAULT_PIP_CACHE = `/home/${DEFAULT_STAGE_USER}/.cache/pip`;

/**
 * A runtime stage: the application's Python dependencies from a pip requirements file,
 * installed into `target` (on PYTHONPATH). The application's own sources come in a later
 * stage, so that editing them does not re-run the install. A plain StageDefinition: spread it
 * and change any field.
 */
export function pipRequirementsRuntime(options: PipRequirementsRuntimeOptions): StageDefinition {
  const name = options.name ?? 'runtime';
  const workdir = options.workdir ?? DEFAULT_STAGE_WORKDIR;
  const requirements = options.requirements ?? 'requirements.txt';
  const cache = options.pipCache ?? DEFAULT_PIP_CACHE;
  const flags = [...(options.offline ? ['--no-index', '--no-build-isolation'] : []), '--cache-dir', cache, '--target', options.target];
  return {
    name,
    description: 'The application\'s Python dependencies, from its requirements file',
    from: { stage: options.from ?? 'base' },
    images: stageImages(options.repository, name),
    env: { PYTHONPATH: options.target, PIP_DISABLE_PIP_VERSION_CHECK: '1' },
    pythonDependencies: { manifest: requirements },
    steps: [
      Step.copy(requirements, `${workdir}/${posix.dirname(requirements) === '.' ? '' : `${posix.dirname(requirements)}/`}`),
      ...(options.localPackages ?? []).map((folder) => Step.copy(folder, `${posix.join(workdir, folder).replace(/\/+$/, '')}/`)),
      // pip's cache: a cache mount with BuildKit; emptied before the layer is written without it.
      Step.run(`python3 -m pip install ${flags.join(' ')} -r ${requirements}`, { cacheDirectories: [cache] }),
    ],
  };
}
