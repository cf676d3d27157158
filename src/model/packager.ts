import { ProblemList } from './model-error';
import { SmokeCheck } from './smoke-check';

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
 * What the preflight checks for the package stage, from the packager's settings
 * (paths relative to the pipeline root unless said otherwise).
 */
export interface PackagerPreflight {
  /** The application's entry script, e.g. "src/airunner/main.py". @default - none (see entryModule) */
  readonly entryScript?: string;
  /** The application's entry module, found under importPaths, e.g. "desktop_app.cli". @default - none (see entryScript) */
  readonly entryModule?: string;
  /** Files and folders the package takes from the repository: paths or globs ("*", "?", "**"). */
  readonly repositorySources: readonly string[];
  /** Files and folders the package takes from the package stage's image (absolute): checked at package time. */
  readonly imageSources: readonly string[];
  /** Import roots, where a module of the application's own packages is looked up. */
  readonly importPaths: readonly string[];
  /** Modules that must be in the package (e.g. PyInstaller's hidden imports). */
  readonly modules: readonly string[];
  /** The packager's field that names the entry, for messages, e.g. "main". @default "entry" */
  readonly entryField?: string;
}

/**
 * Turns the sources in the package stage's working directory into `ctx.packageDir`.
 * Everything around it (logging, tarball, checksum, copying out) is shared by all packagers.
 */
export interface Packager {
  /** Short name, e.g. "pyinstaller". */
  readonly name: string;
  /**
   * The packager's commands run `python3` in the package stage: the model then requires Python
   * on PATH there (see `pythonProvider` for how it is known). @default false
   */
  readonly requiresPython?: boolean;
  /** One sentence for the docs, e.g. "PyInstaller one-dir build of src/airunner/main.py". */
  describe(ctx: PackagerContext): string;
  /** Shell commands, run with `set -euo pipefail` from the working directory. */
  commands(ctx: PackagerContext): readonly string[];
  /** Files the packager needs generated into the support folder. */
  supportFiles(ctx: PackagerContext): readonly SupportFile[];
  /** Paths that must exist in the repository for packaging to work (checked by the driver). */
  inputs(ctx: PackagerContext): readonly string[];
  /** The quick proof that the built package starts; the preflight requires one. @default - none declared */
  readonly smokeCheck?: SmokeCheck;
  /** What the preflight checks for the package stage. */
  preflight(ctx: PackagerContext): PackagerPreflight;
  /** What the package bundles besides the application's modules, as Markdown list items for the docs. */
  bundleContents(ctx: PackagerContext): readonly string[];
  /** How to run the packaged application from inside `packageDir`'s parent, for docs and smoke tests. */
  launchCommand(ctx: PackagerContext): string;
  validate(problems: ProblemList, path: string): void;
}
