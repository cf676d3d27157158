import { ProblemList } from './model-error';

/** What a packager needs to know about the pipeline it packages. Paths are relative to the pipeline root. */
export interface PackagerContext {
  /** The application's name, e.g. "airunner". */
  readonly appName: string;
  /** Folder that receives the package, e.g. "dist". */
  readonly distDir: string;
  /** Folder for logs and intermediate files, e.g. "build". */
  readonly buildDir: string;
  /** The folder the packager must produce, e.g. "dist/airunner". */
  readonly packageDir: string;
  /** Folder of the generated support files (package script, spec file), e.g. "package/linux". */
  readonly supportDir: string;
}

/** A generated file a packager needs next to the package script (e.g. a PyInstaller spec). */
export interface SupportFile {
  /** Name inside the support folder. */
  readonly name: string;
  /** Full text, including the generated marker (packagers know their file's comment syntax). */
  readonly content: string;
}

/**
 * Turns the sources in the package stage's working directory into `ctx.packageDir`.
 * Everything around it (logging, tarball, checksum, copying out) is shared by all packagers.
 */
export interface Packager {
  /** Short name, e.g. "pyinstaller". */
  readonly name: string;
  /** One sentence for the docs, e.g. "PyInstaller one-dir build of src/airunner/main.py". */
  describe(ctx: PackagerContext): string;
  /** Shell commands, run with `set -euo pipefail` from the working directory. */
  commands(ctx: PackagerContext): readonly string[];
  /** Files the packager needs generated into the support folder. */
  supportFiles(ctx: PackagerContext): readonly SupportFile[];
  /** Paths that must exist in the repository for packaging to work (checked by the driver). */
  inputs(ctx: PackagerContext): readonly string[];
  /** How to run the packaged application from inside `packageDir`'s parent, for docs and smoke tests. */
  launchCommand(ctx: PackagerContext): string;
  validate(problems: ProblemList, path: string): void;
}
