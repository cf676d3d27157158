import * as checks from './checks';
import { ProblemList } from './model-error';
import { StageStep } from './stage-step';

/**
 * The Python interpreter a stage installs (e.g. Ubuntu 22.04's python3.10 is 3.10.12). The
 * preflight compares it with the dependency manifest's `requires-python` / `python_requires`.
 */
export interface PythonRuntime {
  /** The interpreter's full version, "major.minor.micro", e.g. "3.10.12". */
  readonly version: string;
}

/** The kinds of dependency manifest the preflight can read. */
export type ManifestKind = 'setup.py' | 'pyproject.toml' | 'requirements.txt';

/**
 * Which stage installs the application's Python dependencies, and from which manifest. The
 * preflight lays out exactly the files the stage copies in a scratch folder and generates the
 * manifest's metadata there, so that a file the install reads but the stage does not copy is
 * found before any build.
 */
export interface PythonDependencies {
  /**
   * The manifest, relative to the stage's working directory in the image (where the install
   * command runs), e.g. "setup.py", "pyproject.toml" or "requirements.txt".
   */
  readonly manifest: string;
  /**
   * Folders, relative to the working directory, that the install needs to exist but whose
   * contents come in a later stage: e.g. "src" for a setup.py with package_dir={"": "src"}
   * (setuptools' egg_info writes there). A run step of the stage must create each one with
   * `mkdir -p` before the install; the preflight creates them in its scratch folder.
   * @default []
   */
  readonly emptyFolders?: readonly string[];
}

const VERSION = /^[0-9]+\.[0-9]+\.[0-9]+$/;

/** The kind of a manifest, from its file name; undefined when it is none the preflight reads. */
export function manifestKind(manifest: string): ManifestKind | undefined {
  const base = manifest.split('/').pop() ?? '';
  if (base === 'setup.py' || base === 'pyproject.toml') return base;
  if (/^requirements[A-Za-z0-9_.-]*\.txt$/.test(base)) return 'requirements.txt';
  return undefined;
}

/** Problems of a stage's `python` and `pythonDependencies` fields. */
export function validatePythonFields(problems: ProblemList, path: string, python?: PythonRuntime, dependencies?: PythonDependencies, steps?: readonly StageStep[]): void {
  if (python !== undefined) {
    const version = python.version ?? '';
    if (!VERSION.test(version)) {
      problems.add(path, 'python.version', `"${version}" is not a full Python version (major.minor.micro, e.g. "3.10.12")`);
    }
  }
  if (dependencies !== undefined) {
    const manifest = dependencies.manifest ?? '';
    const problem = checks.relativePath(manifest);
    if (problem) problems.add(path, 'pythonDependencies.manifest', problem);
    else if (!manifestKind(manifest)) {
      problems.add(path, 'pythonDependencies.manifest', `"${manifest}" is not a manifest the preflight reads (setup.py, pyproject.toml or requirements*.txt)`);
    }
    (dependencies.emptyFolders ?? []).forEach((folder, i) => {
      const field = `pythonDependencies.emptyFolders[${i}]`;
      const problem = checks.relativePath(folder) ?? (/^[A-Za-z0-9_.\/-]+$/.test(folder) ? undefined : `"${folder}" must be a plain folder name (letters, digits, ".", "_", "-", "/")`);
      if (problem) problems.add(path, field, problem);
      else if (!(steps ?? []).some((step) => step.kind === 'run' && step.commands.some((c) => createsFolder(c, folder)))) {
        problems.add(path, field, `no run step of the stage creates "${folder}"; add "mkdir -p ${folder}" before the install command`);
      }
    });
  }
}

/** Whether a shell command has a `mkdir -p` of the folder (as a word of its own). */
function createsFolder(command: string, folder: string): boolean {
  return command.split(/\s*(?:&&|;)\s*/).some((part) => {
    const words = part.trim().split(/\s+/);
    return words[0] === 'mkdir' && words.includes('-p') && words.slice(1).some((w) => w.replace(/\/$/, '') === folder.replace(/\/$/, ''));
  });
}
