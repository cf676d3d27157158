import * as checks from './checks';
import { ProblemList } from './model-error';
import { manifestKind } from './python-dependencies';

/** An operating system a package is built natively on (PyInstaller cannot cross-compile: one job per system). */
export type NativeOs = 'windows' | 'macos';
/** A CPU architecture of a package or image. */
export type PlatformArch = 'x64' | 'arm64';

/** One native package: an operating system and an architecture, built on a GitHub-hosted runner of that kind. */
export interface NativeTarget {
  /** The operating system. */
  readonly os: NativeOs;
  /** The architecture. */
  readonly arch: PlatformArch;
  /**
   * The GitHub-hosted runner label (`runs-on`) of that system and architecture.
   * @default windows x64 "windows-2025", windows arm64 "windows-11-arm", macos arm64 "macos-15", macos x64 "macos-15-intel"
   */
  readonly runner?: string;
}

/**
 * Packages built natively with PyInstaller, besides the Linux package the Docker pipeline builds:
 * one job per target, on a runner of that system, from the same model (the packager's entry point,
 * import paths, hidden imports, excludes, console/windowed, one-dir/one-file and smoke check).
 * Linux-only settings of the packager (binaries and data taken from the package stage's image)
 * are not carried over: a native build finds its libraries through its own wheels.
 */
export interface NativePackaging {
  /** The targets, e.g. [{ os: "windows", arch: "x64" }, { os: "macos", arch: "arm64" }]. */
  readonly targets: readonly NativeTarget[];
  /** The Python version the runner sets up (actions/setup-python), "X.Y" or "X.Y.Z", e.g. "3.12". */
  readonly pythonVersion: string;
  /**
   * The dependency manifest, relative to the pipeline root: a requirements*.txt is installed with
   * `pip install --requirement`, a setup.py or pyproject.toml with `pip install <its folder>`.
   */
  readonly manifest: string;
  /** The PyInstaller release installed with it (`pyinstaller==X.Y.Z`), e.g. "6.16.0". */
  readonly pyinstallerVersion: string;
}

/** The default runner of each target: GitHub-hosted images of that system and architecture. */
export const NATIVE_RUNNERS: Readonly<Record<NativeOs, Readonly<Record<PlatformArch, string>>>> = {
  windows: { x64: 'windows-2025', arm64: 'windows-11-arm' },
  macos: { arm64: 'macos-15', x64: 'macos-15-intel' },
};

/** The archive a target's package is shipped in: a zip on Windows (Explorer opens it), a tar.gz on macOS (it keeps the executable bits). */
export function archiveExtension(os: NativeOs): 'zip' | 'tar.gz' {
  return os === 'windows' ? 'zip' : 'tar.gz';
}

/** A target's name in artifact and job names, e.g. "windows-x64". */
export function targetName(target: NativeTarget): string {
  return `${target.os}-${target.arch}`;
}

/** The runner of a target: its own label, else the default of its system and architecture. */
export function runnerOf(target: NativeTarget): string {
  return target.runner ?? NATIVE_RUNNERS[target.os][target.arch];
}

const OSES: readonly NativeOs[] = ['windows', 'macos'];
const ARCHES: readonly PlatformArch[] = ['x64', 'arm64'];

/** Problems of the native packaging declared at `field` of the construct at `path` (any value, never a crash). */
export function validateNativePackaging(problems: ProblemList, path: string, field: string, value: NativePackaging): void {
  if (!checks.isRecord(value)) {
    problems.add(path, field, 'must be { targets, pythonVersion, manifest, pyinstallerVersion }');
    return;
  }
  const targets = checks.listOf(problems, path, `${field}.targets`, value.targets);
  if (Array.isArray(value.targets) && targets.length === 0) problems.add(path, `${field}.targets`, 'must name at least one target (or leave nativePackages out)');
  const seen = new Set<string>();
  targets.forEach((target, i) => {
    const at = `${field}.targets[${i}]`;
    if (!checks.isRecord(target)) {
      problems.add(path, at, 'must be { os, arch, runner? }');
      return;
    }
    if (!OSES.includes(target.os)) problems.add(path, `${at}.os`, `${JSON.stringify(target.os)} must be one of ${OSES.join(', ')} (Linux is the Docker pipeline's package)`);
    if (!ARCHES.includes(target.arch)) problems.add(path, `${at}.arch`, `${JSON.stringify(target.arch)} must be one of ${ARCHES.join(', ')}`);
    if (target.runner !== undefined) checks.check(problems, path, `${at}.runner`, target.runner, checks.runnerLabel);
    const name = `${String(target.os)}-${String(target.arch)}`;
    if (seen.has(name)) problems.add(path, at, `${name} is named twice`);
    seen.add(name);
  });
  checks.check(problems, path, `${field}.pythonVersion`, value.pythonVersion, pythonVersion);
  checks.check(problems, path, `${field}.manifest`, value.manifest, checks.relativePath, checks.literalPath, manifestFile);
  checks.check(problems, path, `${field}.pyinstallerVersion`, value.pyinstallerVersion, release);
}

function pythonVersion(value: string): string | undefined {
  return /^3\.\d{1,2}(\.\d{1,3})?$/.test(value) ? undefined : `${checks.show(value)} is not a Python version for actions/setup-python ("3.Y" or "3.Y.Z", e.g. "3.12")`;
}

function release(value: string): string | undefined {
  return /^\d+\.\d+(\.\d+)?$/.test(value) ? undefined : `${checks.show(value)} is not a release number (e.g. "6.16.0")`;
}

function manifestFile(value: string): string | undefined {
  return manifestKind(value) ? undefined : `${checks.show(value)} is not a dependency manifest (requirements*.txt, setup.py or pyproject.toml)`;
}

/** A Linux platform the images are built for, as `docker build --platform` names it. */
export type ImagePlatform = 'linux/amd64' | 'linux/arm64';

/**
 * The GitHub-hosted runner each image platform is built on: natively, never emulated with QEMU
 * (an emulated arm64 build of a Python stack takes many times as long, and its tests prove less).
 */
export const IMAGE_PLATFORM_RUNNERS: Readonly<Record<ImagePlatform, string>> = {
  'linux/amd64': 'ubuntu-24.04',
  'linux/arm64': 'ubuntu-24.04-arm',
};

/** The platforms of a pipeline's images when none are named: the engine's own, x86-64. */
export const DEFAULT_IMAGE_PLATFORMS: readonly ImagePlatform[] = ['linux/amd64'];

/** The architecture part of a platform, e.g. "arm64": the suffix of its per-platform tags (`<tag>-arm64`) and job ids. */
export function platformArch(platform: ImagePlatform): string {
  return platform.split('/')[1];
}

/** Problems of an image platform list at `field` (any value, never a crash). */
export function validateImagePlatforms(problems: ProblemList, path: string, field: string, value: readonly ImagePlatform[]): void {
  const known = Object.keys(IMAGE_PLATFORM_RUNNERS);
  const platforms = checks.listOf(problems, path, field, value);
  if (Array.isArray(value) && platforms.length === 0) problems.add(path, field, `must name at least one platform (e.g. ["linux/amd64"]), or leave ${field} out`);
  const seen = new Set<string>();
  platforms.forEach((platform, i) => {
    if (!known.includes(platform)) problems.add(path, `${field}[${i}]`, `${JSON.stringify(platform)} must be one of ${known.join(', ')}`);
    else if (seen.has(platform)) problems.add(path, `${field}[${i}]`, `${platform} is named twice`);
    seen.add(platform);
  });
}
