import { StageDefinition } from '../model/pipeline';
import { DEFAULT_STAGE_USER, DEFAULT_STAGE_WORKDIR, stageImages } from './stage-images';

export interface DebianPythonBaseOptions {
  /** The image repository the stage is tagged in, e.g. "local/hello-app" (tags `<name>` and `<name>_ci`). */
  readonly repository: string;
  /** The stage's name. @default "base" */
  readonly name?: string;
  /** The Debian image the stage starts from (it must be present locally or pullable). @default "debian:bookworm-slim" */
  readonly image?: string;
  /** The version of that image's `python3`, for the preflight. @default "3.11.2" (Debian bookworm's) */
  readonly pythonVersion?: string;
  /** More Debian packages, after Python and pip. @default [] */
  readonly systemPackages?: readonly string[];
  /** The non-root user the stage creates (its ID comes from HOST_UID/HOST_GID). @default "appuser" */
  readonly user?: string;
  /** The working directory. @default "/app" */
  readonly workdir?: string;
}

/** The Debian packages of every Debian-Python base: Python with pip and the build tools pip needs. */
export const DEBIAN_PYTHON_PACKAGES: readonly string[] = ['python3', 'python3-pip', 'python3-setuptools', 'python3-wheel'];

/**
 * A base stage: Debian with Python 3, pip and a non-root user. A plain StageDefinition: spread it
 * and change any field, e.g. `{ ...debianPythonBase({ repository }), labels: { team: 'desktop' } }`.
 */
export function debianPythonBase(options: DebianPythonBaseOptions): StageDefinition {
  const name = options.name ?? 'base';
  return {
    name,
    description: 'Debian with Python 3 and the tools the build needs',
    from: { image: options.image ?? 'debian:bookworm-slim' },
    images: stageImages(options.repository, name),
    env: { DEBIAN_FRONTEND: 'noninteractive', LANG: 'C.UTF-8', PYTHONDONTWRITEBYTECODE: '1' },
    systemPackages: [...DEBIAN_PYTHON_PACKAGES, ...(options.systemPackages ?? [])],
    python: { version: options.pythonVersion ?? '3.11.2' },
    user: { name: options.user ?? DEFAULT_STAGE_USER },
    workdir: options.workdir ?? DEFAULT_STAGE_WORKDIR,
  };
}
