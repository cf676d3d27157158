import * as checks from './checks';
import { ProblemList } from './model-error';
import { asAndClause } from './shell-syntax';
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
  // Each run step as the shell runs it: its commands joined into one && chain (a cd in one moves the next).
  const runLines = (Array.isArray(steps) ? steps : []).flatMap((step) => (checks.isRecord(step) && step.kind === 'run' && Array.isArray(step.commands)
    ? [step.commands.filter((c): c is string => typeof c === 'string').map(asAndClause).join(' && ')]
    : []));
  checks.listOf(problems, path, 'pythonDependencies.emptyFolders', dependencies.emptyFolders).forEach((folder, i) => {
    const field = `pythonDependencies.emptyFolders[${i}]`;
    const before = problems.all.length;
    checks.check(problems, path, field, folder, checks.relativePath, plainFolder);
    if (problems.all.length > before) return;
    if (!runLines.some((line) => createsFolder(line, folder))) {
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
 * Whether running a run step's command line surely creates the folder (relative to the working
 * directory), unless the line fails: a `mkdir` with `-p` (alone, in a cluster such as `-pv`, or
 * `--parents`) of the folder, as a word of its own (plain, quoted, with "./" or a trailing "/"),
 * in a command that runs whenever the line succeeds. Not counted: a mkdir that runs only on a
 * condition (after `||`, inside if/while/until/for/case), in a line with a command run in the
 * background (`&`), after a `cd`, `pushd` or `popd`, in a comment, or whose words hold an
 * expansion (`$`, a backquote). A later command that removes the folder
 * again is beyond this reading; the preflight then finds the missing folder.
 */
export function createsFolder(command: string, folder: string): boolean {
  const tokens = shellTokens(command);
  // A command run in the background may not have finished when the next one starts.
  if (tokens.some((t) => t.kind === 'operator' && t.text === '&')) return false;
  const wanted = normalizedFolder(folder);
  /*
   * The open levels: the line, groups and subshells, compound commands. In each, `sure` says a
   * finished list (up to ";") created the folder, `pending` that the current and-or list did, so
   * far (a later "||" can skip it: `a && mkdir -p src || true` succeeds when a fails), and
   * `afterOr` that the current pipeline runs only when the one before it failed.
   */
  type Level = { kind: 'line' | 'group' | 'case' | 'compound'; conditional: boolean; sure: boolean; pending: boolean; afterOr: boolean };
  const open = (kind: Level['kind'], conditional: boolean): Level => ({ kind, conditional, sure: false, pending: false, afterOr: false });
  const levels: Level[] = [open('line', false)];
  const level = () => levels[levels.length - 1];
  const conditional = () => levels.some((l) => l.conditional || l.afterOr);
  let moved = false; // a cd ran: later relative paths are somewhere else
  let words: Array<string | undefined> = [];
  const endCommand = () => {
    if (words.length > 0 && ['cd', 'pushd', 'popd'].includes(words[0] ?? 'cd')) moved = true;
    if (words.length > 0 && !moved && !conditional() && mkdirCreates(words, wanted)) level().pending = true;
    words = [];
  };
  const close = () => {
    const inner = levels.length > 1 ? levels.pop()! : undefined;
    if (inner?.kind === 'group') level().pending ||= inner.sure || inner.pending;
  };
  for (const token of tokens) {
    if (token.kind === 'operator') {
      endCommand();
      const op = token.text;
      if (op === '||') Object.assign(level(), { pending: false, afterOr: true });
      else if (op === '&&') level().afterOr = false;
      else if (op === ';' || op === ';;') Object.assign(level(), { sure: level().sure || level().pending, pending: false, afterOr: false });
      else if (op === '(') levels.push(open('group', conditional()));
      else if (op === ')' && level().kind !== 'case') close(); // in a case, ")" ends a pattern
      continue;
    }
    const word = token.text;
    if (words.length === 0 && word !== undefined && RESERVED.has(word)) {
      // Reserved words, where a command starts.
      if (word === '{') levels.push(open('group', conditional()));
      else if (word === 'case') levels.push(open('case', true));
      else if (['if', 'while', 'until', 'for', 'select'].includes(word)) levels.push(open('compound', true));
      else if (['}', 'fi', 'done', 'esac'].includes(word)) close();
      continue;
    }
    words.push(word);
  }
  endCommand();
  // An unclosed group or compound command is refused elsewhere (the shell scanner); it creates nothing here.
  return levels.length === 1 && (level().sure || level().pending);
}

const RESERVED = new Set(['{', '}', 'if', 'while', 'until', 'for', 'select', 'case', 'fi', 'done', 'esac', 'then', 'do', 'else', 'elif', '!']);

/** A mode mkdir takes: octal, or symbolic ("u=rwx,go+rx"). */
const MODE = /^(?:[0-7]{1,4}|[ugoa]*[-+=][rwxXst]*(?:,[ugoa]*[-+=][rwxXst]*)*)$/;

/**
 * Whether a simple command (its words) is a mkdir with -p of the folder, with only options GNU
 * mkdir takes (-p, -v, -Z, -m MODE and their long forms): a mkdir that fails on an option does
 * not stop a line that goes on after ";".
 */
function mkdirCreates(words: ReadonlyArray<string | undefined>, wanted: string): boolean {
  if (words[0] !== 'mkdir') return false;
  let parents = false;
  let operands = false;
  const targets: Array<string | undefined> = [];
  for (let k = 1; k < words.length; k++) {
    const word = words[k];
    if (word === undefined && !operands) return false; // an expansion could be an option mkdir fails on
    if (operands || word === undefined || !word.startsWith('-') || word === '-') {
      targets.push(word);
      continue;
    }
    if (word === '--') operands = true;
    else if (word === '--parents') parents = true;
    else if (word === '--verbose' || word === '--context') continue;
    else if (word === '--mode') {
      if (!MODE.test(words[++k] ?? '')) return false;
    } else if (word.startsWith('--mode=')) {
      if (!MODE.test(word.slice('--mode='.length))) return false;
    } else if (/^-[pvZm]/.test(word)) {
      // A cluster of short options: "m" takes the rest (or the next word) as the mode.
      const cluster = word.slice(1);
      const m = cluster.indexOf('m');
      const flags = m < 0 ? cluster : cluster.slice(0, m);
      if (!/^[pvZ]*$/.test(flags)) return false;
      if (flags.includes('p')) parents = true;
      if (m >= 0 && !MODE.test(m === cluster.length - 1 ? words[++k] ?? '' : cluster.slice(m + 1))) return false;
    } else {
      return false; // an option mkdir does not take: it fails
    }
  }
  return parents && targets.some((t) => t !== undefined && normalizedFolder(t) === wanted);
}

/** A token of a command line: an operator, or a word with its quotes removed (undefined: it holds an expansion). */
type ShellToken = { kind: 'operator'; text: string } | { kind: 'word'; text: string | undefined };

const OPERATORS = ['&&', '||', ';;', ';', '&', '|', '(', ')'];

/** The tokens of a command line; an unclosed quote or expansion ends it (what follows is not read). */
function shellTokens(command: string): ShellToken[] {
  const tokens: ShellToken[] = [];
  let word: string | undefined = '';
  let inWord = false;
  const endWord = () => {
    if (inWord) tokens.push({ kind: 'word', text: word });
    word = '';
    inWord = false;
  };
  for (let k = 0; k < command.length; k++) {
    const c = command[k];
    // A redirection (>&2, <&0, &>file, >|file) is part of its word, not an operator.
    const redirection = (c === '&' && (/[<>]/.test(command[k - 1] ?? '') || command[k + 1] === '>')) || (c === '|' && command[k - 1] === '>');
    const operator = redirection ? undefined : OPERATORS.find((op) => command.startsWith(op, k));
    if (/\s/.test(c)) {
      endWord();
    } else if (c === '#' && !inWord) {
      break; // a comment: the rest of the line does not run
    } else if (operator) {
      endWord();
      tokens.push({ kind: 'operator', text: operator });
      k += operator.length - 1;
    } else if (c === "'" || c === '"' || c === '`') {
      const end = command.indexOf(c, k + 1);
      if (end < 0) return tokens;
      const inside = command.slice(k + 1, end);
      // In double quotes, $ ` and \ keep a meaning; in backquotes, everything is a command.
      word = word === undefined || c === '`' || (c === '"' && /[$`\\]/.test(inside)) ? undefined : word + inside;
      inWord = true;
      k = end;
    } else if (c === '\\') {
      if (k + 1 >= command.length) return tokens;
      if (word !== undefined) word += command[k + 1];
      inWord = true;
      k++;
    } else if (c === '$') {
      // $name, ${...}, $(...), $((...)): the word's value is not known here; skip a bracketed one whole.
      const open = command[k + 1];
      if (open === '(' || open === '{') {
        const close = open === '(' ? ')' : '}';
        let depth = 0;
        let end = k + 1;
        for (; end < command.length; end++) {
          if (command[end] === open) depth++;
          else if (command[end] === close && --depth === 0) break;
        }
        if (end >= command.length) return tokens;
        k = end;
      }
      word = undefined;
      inWord = true;
    } else {
      if (word !== undefined) word += c;
      inWord = true;
    }
  }
  endWord();
  return tokens;
}
