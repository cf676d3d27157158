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

/** Problems of a stage's `python` and `pythonDependencies` fields (any value, never a crash). */
export function validatePythonFields(problems: ProblemList, path: string, python?: PythonRuntime, dependencies?: PythonDependencies, steps?: readonly StageStep[]): void {
  if (python !== undefined) {
    if (!checks.isRecord(python)) problems.add(path, 'python', 'must be { version: "major.minor.micro" }, e.g. { version: "3.10.12" }');
    else checks.check(problems, path, 'python.version', python.version, fullVersion);
  }
  if (dependencies === undefined) return;
  if (!checks.isRecord(dependencies)) {
    problems.add(path, 'pythonDependencies', 'must be { manifest, emptyFolders? }, e.g. { manifest: "setup.py" }');
    return;
  }
  checks.check(problems, path, 'pythonDependencies.manifest', dependencies.manifest, checks.relativePath, readableManifest);
  const runCommands = (Array.isArray(steps) ? steps : []).flatMap((step) => (checks.isRecord(step) && step.kind === 'run' && Array.isArray(step.commands) ? step.commands : []));
  checks.listOf(problems, path, 'pythonDependencies.emptyFolders', dependencies.emptyFolders).forEach((folder, i) => {
    const field = `pythonDependencies.emptyFolders[${i}]`;
    const before = problems.all.length;
    checks.check(problems, path, field, folder, checks.relativePath, plainFolder);
    if (problems.all.length > before) return;
    if (!runCommands.some((c) => typeof c === 'string' && createsFolder(c, folder))) {
      problems.add(path, field, `no run step of the stage creates "${folder}"; add "mkdir -p ${folder}" before the install command`);
    }
  });
}

function fullVersion(value: string): string | undefined {
  return VERSION.test(value) ? undefined : `${checks.show(value)} is not a full Python version (major.minor.micro, e.g. "3.10.12")`;
}

function readableManifest(value: string): string | undefined {
  return manifestKind(value) ? undefined : `${checks.show(value)} is not a manifest the preflight reads (setup.py, pyproject.toml or requirements*.txt)`;
}

function plainFolder(value: string): string | undefined {
  return /^[A-Za-z0-9_./-]+$/.test(value) ? undefined : `${checks.show(value)} must be a plain folder name (letters, digits, ".", "_", "-", "/")`;
}

/** A folder path with "./" and "." components, repeated and trailing "/" removed: "./a//b/." -> "a/b". */
function normalizedFolder(path: string): string {
  return path.split('/').filter((part) => part !== '' && part !== '.').join('/');
}

/**
 * Whether a shell command has a `mkdir` with `-p` (alone, in a cluster such as `-pv`, or
 * `--parents`) of the folder, as a word of its own: plain, quoted, with "./" or a trailing "/".
 * The command is split at its operators (`;`, `&&`, `||`, `|`, `&`) into simple commands; a
 * word that holds an expansion (`$`, a backquote) names no folder known here.
 */
export function createsFolder(command: string, folder: string): boolean {
  const wanted = normalizedFolder(folder);
  return simpleCommands(command).some((words) => {
    const start = words.findIndex((w) => !LEADING_KEYWORDS.has(w ?? ''));
    if (start < 0 || words[start] !== 'mkdir') return false;
    let parents = false;
    let operands = false;
    const targets: Array<string | undefined> = [];
    for (let k = start + 1; k < words.length; k++) {
      const word = words[k];
      if (operands || word === undefined || !word.startsWith('-') || word === '-') {
        targets.push(word);
        continue;
      }
      if (word === '--') operands = true;
      else if (word === '--parents') parents = true;
      else if (word === '--mode' || word === '--context') k++; // the option's value is the next word
      else if (/^-[A-Za-z]+/.test(word) && !word.startsWith('--')) {
        // A cluster of short options: "m" takes the rest (or the next word) as the mode.
        const cluster = word.slice(1);
        const mode = cluster.indexOf('m');
        const flags = mode < 0 ? cluster : cluster.slice(0, mode);
        if (flags.includes('p')) parents = true;
        if (mode >= 0 && mode === cluster.length - 1) k++;
      }
    }
    return parents && targets.some((t) => t !== undefined && normalizedFolder(t) === wanted);
  });
}

/** Words that may stand before a command's name: `{ mkdir -p a; }`, `if ...; then mkdir -p a; fi`. */
const LEADING_KEYWORDS = new Set(['{', '!', 'then', 'do', 'else', 'elif', 'if', 'while', 'until']);

/**
 * The simple commands of a command line, each as its words with quotes removed; a word that
 * holds an expansion or an unclosed quote is undefined (its value is not known here).
 */
function simpleCommands(command: string): Array<Array<string | undefined>> {
  const commands: Array<Array<string | undefined>> = [[]];
  let word: string | undefined = '';
  let inWord = false;
  const endWord = () => {
    if (inWord) commands[commands.length - 1].push(word);
    word = '';
    inWord = false;
  };
  for (let k = 0; k < command.length; k++) {
    const c = command[k];
    if (/\s/.test(c)) {
      endWord();
    } else if (';&|()'.includes(c)) {
      endWord();
      commands.push([]);
    } else if (c === "'") {
      const end = command.indexOf("'", k + 1);
      if (end < 0) return commands;
      if (word !== undefined) word += command.slice(k + 1, end);
      inWord = true;
      k = end;
    } else if (c === '"') {
      const end = command.indexOf('"', k + 1);
      if (end < 0) return commands;
      const inside = command.slice(k + 1, end);
      word = word === undefined || /[$`\\]/.test(inside) ? undefined : word + inside;
      inWord = true;
      k = end;
    } else if (c === '\\' && k + 1 < command.length) {
      if (word !== undefined) word += command[k + 1];
      inWord = true;
      k++;
    } else if (c === '$' || c === '`') {
      word = undefined;
      inWord = true;
    } else {
      if (word !== undefined) word += c;
      inWord = true;
    }
  }
  endWord();
  return commands;
}
