import { posix } from 'path';
import { StageDefinition } from '../model/pipeline';
import { Step } from '../model/stage-step';
import { DEFAULT_STAGE_WORKDIR, stageImages } from './stage-images';

export interface SourcesPackageStageOptions {
  /** The image repository the stage is tagged in, e.g. "local/hello-app" (tags `<name>` and `<name>_ci`). */
  readonly repository: string;
  /** The stage's name. @default "package" */
  readonly name?: string;
  /** The stage it is built on. @default "runtime" */
  readonly from?: string;
  /** The application's source folders, relative to the pipeline root; each copied to the same place under the working directory. @default ["src/"] */
  readonly sources?: readonly string[];
  /** The working directory of the base stage. @default "/app" */
  readonly workdir?: string;
}

/**
 * The last stage: the application's sources on top of the runtime stage, where the pipeline's
 * packager (zipapp or PyInstaller) runs. A plain StageDefinition: spread it and change any field.
 */
export function sourcesPackageStage(options: SourcesPackageStageOptions): StageDefinition {
  const name = options.name ?? 'package';
  const workdir = options.workdir ?? DEFAULT_STAGE_WORKDIR;
  return {
    name,
    description: 'The application sources, where the packager runs',
    from: { stage: options.from ?? 'runtime' },
    images: stageImages(options.repository, name),
    steps: (options.sources ?? ['src/']).map((folder) => Step.copy(folder, `${posix.join(workdir, folder).replace(/\/+$/, '')}/`)),
  };
}
