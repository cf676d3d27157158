import { dottedName } from './python-literal';
import * as checks from '../model/checks';
import { ProblemList } from '../model/model-error';

/**
 * What a PyInstaller package takes besides the modules its analysis finds: data files, binaries,
 * whole packages through PyInstaller's collection helpers, and files copied beside the bundle.
 */

/** Where a bundled file comes from: the repository (the pipeline root), or the package stage's image. */
export type BundleSource =
  /** A path or glob ("*", "?", "**") relative to the pipeline root, e.g. "src/airunner/alembic". */
  | { readonly repository: string }
  /** An absolute path of a file or folder in the package stage's image, e.g. data the runtime stage downloaded. */
  | { readonly image: string };

/** A file or folder (its whole tree) placed in the bundle. */
export interface BundleFile {
  readonly source: BundleSource;
  /** Folder inside the bundle, relative to its top ("." for the top itself), e.g. "airunner/alembic". */
  readonly destination: string;
}

/** A package taken whole with PyInstaller's collection helpers (PyInstaller.utils.hooks). */
export interface CollectedPackage {
  /** The import package, e.g. "llama_index". */
  readonly package: string;
  /** collect_data_files(package): its non-Python files. @default false */
  readonly dataFiles?: boolean;
  /** With dataFiles: its .py sources too (for code that reads its own source, e.g. torch.jit). @default false */
  readonly includePyFiles?: boolean;
  /** collect_submodules(package), as hidden imports. @default false */
  readonly submodules?: boolean;
  /** collect_dynamic_libs(package): the shared libraries inside it. @default false */
  readonly dynamicLibs?: boolean;
}

/** The path of a source, and whether it is in the repository. */
export function sourcePath(source: BundleSource): { path: string; inRepository: boolean } {
  return 'repository' in source ? { path: source.repository, inRepository: true } : { path: source.image, inRepository: false };
}

/** The collection helpers a package entry asks for, as PyInstaller calls (for docs). */
export function helperCalls(pkg: CollectedPackage): string[] {
  const calls: string[] = [];
  if (pkg.dataFiles) calls.push(pkg.includePyFiles ? 'collect_data_files with .py files' : 'collect_data_files');
  if (pkg.submodules) calls.push('collect_submodules');
  if (pkg.dynamicLibs) calls.push('collect_dynamic_libs');
  return calls;
}

/**
 * PyInstaller expands "*", "?" and "[...]" in every source it is given. "*", "?" and "**" are
 * allowed in repository sources; "[" and "]" would silently become a character class, so they are
 * refused everywhere, and an image source (a fixed path in the image) takes no wildcard at all.
 */
const CHARACTER_CLASS = /[[\]]/;
const WILDCARD = /[*?[\]]/;

function repositorySource(value: string): string | undefined {
  return checks.relativePath(value)
    ?? (CHARACTER_CLASS.test(value) ? `"${value}" holds "[" or "]", which PyInstaller reads as a character class; rename the file` : undefined);
}

function imageSource(value: string): string | undefined {
  return checks.absolutePath(value)
    ?? (WILDCARD.test(value) ? `"${value}" holds a wildcard; an image source is a fixed path in the image` : undefined);
}

function noWildcard(value: string): string | undefined {
  return WILDCARD.test(value) ? `"${value}" holds a wildcard; files beside the bundle are named one by one` : undefined;
}

/** A folder inside the bundle: relative, without "..", without wildcards. */
export function bundleDestination(value: string): string | undefined {
  const problem = checks.nonEmpty(value);
  if (problem) return problem;
  if (value.startsWith('/')) return `"${value}" must be relative to the top of the bundle ("." for the top)`;
  if (value.split('/').includes('..')) return `"${value}" escapes the bundle ("..")`;
  if (WILDCARD.test(value)) return `"${value}" holds a wildcard; a destination is a folder name`;
  // PyInstaller makes the folder (and the spec's copies beside the bundle do): a name every file system takes.
  if (Buffer.byteLength(value, 'utf8') > checks.MAX_PATH_BYTES) return `${checks.show(value)} is too long (at most ${checks.MAX_PATH_BYTES} bytes)`;
  if (value.split('/').some((part) => Buffer.byteLength(part, 'utf8') > checks.MAX_PATH_COMPONENT_BYTES)) {
    return `${checks.show(value)} has a component longer than ${checks.MAX_PATH_COMPONENT_BYTES} bytes, which no file system takes`;
  }
  return undefined;
}

/** Problems of a list of bundled files at `field`; `exact` refuses wildcards in sources (files beside the bundle). */
export function validateBundleFiles(problems: ProblemList, path: string, field: string, files: readonly BundleFile[] | undefined, exact = false): void {
  checks.listOf(problems, path, field, files).forEach((file, i) => {
    const at = `${field}[${i}]`;
    if (!checks.isRecord(file)) return problems.add(path, at, 'must be { source, destination }');
    const source: unknown = file.source;
    const hasRepository = checks.isRecord(source) && 'repository' in source;
    const hasImage = checks.isRecord(source) && 'image' in source;
    if (!checks.isRecord(source) || hasRepository === hasImage) {
      problems.add(path, `${at}.source`, 'must be { repository: "path" } or { image: "/absolute/path" }');
    } else if (hasRepository) {
      checks.check(problems, path, `${at}.source.repository`, source.repository, repositorySource, ...(exact ? [noWildcard] : []));
    } else {
      checks.check(problems, path, `${at}.source.image`, source.image, imageSource);
    }
    checks.check(problems, path, `${at}.destination`, file.destination, bundleDestination);
  });
}

/** The yes/no fields of a collected package. */
const COLLECTION_FLAGS = ['dataFiles', 'includePyFiles', 'submodules', 'dynamicLibs'] as const;

/** Problems of the collected packages at `field`. */
export function validateCollectedPackages(problems: ProblemList, path: string, field: string, packages: readonly CollectedPackage[] | undefined): void {
  checks.listOf(problems, path, field, packages).forEach((pkg, i) => {
    const at = `${field}[${i}]`;
    if (!checks.isRecord(pkg)) return problems.add(path, at, 'must be { package, dataFiles?, includePyFiles?, submodules?, dynamicLibs? }');
    checks.check(problems, path, `${at}.package`, pkg.package, dottedName);
    for (const flag of COLLECTION_FLAGS) checks.checkBoolean(problems, path, `${at}.${flag}`, pkg[flag]);
    if (helperCalls(pkg).length === 0) {
      problems.add(path, at, 'asks for no collection helper: set dataFiles, submodules or dynamicLibs');
    }
    if (pkg.includePyFiles && !pkg.dataFiles) {
      problems.add(path, `${at}.includePyFiles`, 'only applies with dataFiles: true');
    }
  });
}
