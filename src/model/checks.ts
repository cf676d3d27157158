import { ProblemList } from './model-error';
import { scanShellCommand } from './shell-syntax';

/**
 * Field checks shared by every construct. Each returns a message, or undefined when the value is valid.
 * Values reach Dockerfiles, shell scripts and YAML. Each field has ONE rule: either the renderers
 * quote it so that the result is exactly the value (ENV/LABEL values, shell words, YAML strings),
 * or it is refused here, once, rather than escaped differently in each renderer. Messages show the
 * value as a JSON string, so that a line break or a control character is visible (`\n`, `\u001b`).
 */

// Docker's reference grammar, simplified: [registry[:port]/]path[:tag][@digest], lowercase path.
const IMAGE_REFERENCE = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const NAME = /^[a-z][a-z0-9_-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LABEL_KEY = /^[a-z0-9][a-z0-9._-]*[a-z0-9]$/;
/**
 * Debian's package name ([a-z0-9][a-z0-9+.-]+), an optional architecture (:amd64) and an optional
 * version (=[epoch:]upstream[-revision]). Nothing else: the words go unquoted into `apt-get install`.
 */
const PACKAGE = /^[a-z0-9][a-z0-9+.-]+(?::[a-z0-9][a-z0-9-]*)?(?:=(?:[0-9]+:)?[0-9][A-Za-z0-9.+~-]*(?::[A-Za-z0-9.+~-]+)*)?$/;
/** A user or group ID the image user may get: a whole number above 0 (0 is root). */
const NON_ROOT_ID = /^[1-9][0-9]{0,9}$/;
const MAX_ID = 2 ** 31 - 1;
/** GitHub runner labels: `ubuntu-24.04`, `self-hosted`, `linux`, `x64`, `ubuntu-22.04-4core`, ... */
const RUNNER_LABEL = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const BRANCH_CHARACTERS = /^[A-Za-z0-9._/-]+$/;
/** Characters that are not printable text: C0 and C1 controls, DEL, the Unicode line and paragraph separators. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The longest name (pipeline, stage, user, workflow file): every file system takes it within a file name. */
export const MAX_NAME_LENGTH = 63;
/** The longest path component in bytes that every file system takes. */
export const MAX_PATH_COMPONENT_BYTES = 255;
/** The longest path in bytes, leaving room for the checkout's own location under Linux's PATH_MAX (4096). */
export const MAX_PATH_BYTES = 1024;

export type Check = (value: string) => string | undefined;

/** A value as it appears in messages: a JSON string (control characters escaped), shortened when long. */
export function show(value: string): string {
  const limit = 80;
  if (value.length <= limit) return JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, limit))}... (${value.length} characters)`;
}

/** One line of printable text: no line break, no control character, well-formed Unicode. */
export function singleLine(value: string): string | undefined {
  const control = CONTROL.exec(value);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    const what = /[\r\n\u2028\u2029]/.test(control[0]) ? 'a line break' : 'a control character';
    return `must be a single line of printable text (found ${what}, U+${code}, in ${show(value)})`;
  }
  if (LONE_SURROGATE.test(value)) return `must be well-formed Unicode (found a lone surrogate in ${show(value)})`;
  return undefined;
}

/** @deprecated the same as `singleLine`, which also refuses control characters. */
export const noLineBreak = singleLine;

export function nonEmpty(value: string): string | undefined {
  return value.trim() === '' ? 'must not be empty' : singleLine(value);
}

/** No leading or trailing white space (Docker and the shell would drop it, or keep it, silently). */
export function trimmed(value: string): string | undefined {
  return value.trim() === value ? undefined : `${show(value)} must not start or end with white space`;
}

export function imageReference(value: string): string | undefined {
  return nonEmpty(value) ?? (IMAGE_REFERENCE.test(value) && value.length <= 255
    ? undefined
    : `${show(value)} is not a valid image reference (lowercase [registry/]name[:tag], e.g. "ubuntu:22.04")`);
}

export function imageTag(value: string): string | undefined {
  return IMAGE_TAG.test(value) ? undefined : `${show(value)} is not a valid image tag ([A-Za-z0-9_][A-Za-z0-9_.-]*, at most 128 characters)`;
}

/** A name that becomes part of file names, image names and shell words: pipeline, stage, user, workflow file. */
export function name(value: string): string | undefined {
  if (!NAME.test(value)) return `${show(value)} is not a valid name (lowercase letters, digits, "-" and "_", starting with a letter)`;
  if (value.length > MAX_NAME_LENGTH) return `${show(value)} is too long (${value.length} characters; at most ${MAX_NAME_LENGTH})`;
  return undefined;
}

export function envName(value: string): string | undefined {
  return ENV_NAME.test(value) ? undefined : `${show(value)} is not a valid variable name ([A-Za-z_][A-Za-z0-9_]*)`;
}

export function labelKey(value: string): string | undefined {
  if (!LABEL_KEY.test(value)) return `${show(value)} is not a valid label key (lowercase, digits, ".", "-", "_")`;
  return value.length > 255 ? `${show(value)} is too long (at most 255 characters)` : undefined;
}

export function systemPackage(value: string): string | undefined {
  if (value.trim() === '') return 'must not be empty (an empty package name)';
  return PACKAGE.test(value)
    ? undefined
    : `${show(value)} is not a Debian package name (name[:arch][=version], e.g. "python3" or "python3=3.11.2-1+b1")`;
}

/** A user or group ID for the image user: a whole number above 0, never root's. */
export function nonRootId(value: string): string | undefined {
  if (/^0+$/.test(value)) return `${show(value)} is root's ID: the image user is never root (use e.g. "1000")`;
  return NON_ROOT_ID.test(value) && Number(value) <= MAX_ID ? undefined : `${show(value)} is not a user or group ID (a whole number from 1 to ${MAX_ID})`;
}

/** @deprecated the same as `nonRootId`. */
export const numericId = nonRootId;

/** A command of a run step: one clause of the RUN's `&&` chain (see shell-syntax.ts). */
export function runCommand(value: string): string | undefined {
  const problem = nonEmpty(value) ?? trimmed(value);
  if (problem) return problem;
  // Even an escaped one: a Dockerfile line that ends with "\" continues on the next line.
  if (value.endsWith('\\')) return `${show(value)} ends with a backslash, which would join it to the next line of the Dockerfile`;
  const scan = scanShellCommand(value);
  return scan.problem ? `${show(value)} ${scan.problem}` : undefined;
}

/** Characters no path may hold: Docker expands `$`, and `\`, quotes and backquotes change how each renderer reads it. */
function pathCharacters(value: string): string | undefined {
  const bad = /[$\\'"`]/.exec(value);
  if (bad) return `${show(value)} must not contain ${JSON.stringify(bad[0])} (paths may not hold $, \\, quotes or backquotes)`;
  return trimmed(value) ?? pathLengths(value);
}

/** Every component at most 255 bytes, the whole at most 1024 bytes. */
function pathLengths(value: string): string | undefined {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_PATH_BYTES) return `${show(value)} is too long (${bytes} bytes; at most ${MAX_PATH_BYTES})`;
  const long = value.split('/').find((part) => Buffer.byteLength(part, 'utf8') > MAX_PATH_COMPONENT_BYTES);
  if (long !== undefined) return `${show(value)} has a component longer than ${MAX_PATH_COMPONENT_BYTES} bytes, which no file system takes`;
  return undefined;
}

/** A path inside the pipeline's root: relative, never climbing out with "..", never read as an option. */
export function relativePath(value: string): string | undefined {
  const problem = nonEmpty(value) ?? pathCharacters(value);
  if (problem) return problem;
  if (value.startsWith('/')) return `${show(value)} must be relative to the repository, not absolute`;
  if (value.split('/').includes('..')) return `${show(value)} escapes the repository ("..")`;
  if (value.startsWith('-')) return `${show(value)} must not start with "-" (it would be read as an option)`;
  return undefined;
}

/** A path that names one file or folder, not a pattern: a COPY source, a generated file, the root. */
export function literalPath(value: string): string | undefined {
  const glob = /[*?[\]{}]/.exec(value);
  return glob ? `${show(value)} must not contain ${JSON.stringify(glob[0])} (a pattern character: name the file or folder itself)` : undefined;
}

/**
 * A generated file's or folder's path: relative, literal and normalized (no "", "." or ".."
 * component, no trailing "/"), so that it names exactly one place.
 */
export function generatedPath(value: string): string | undefined {
  const problem = relativePath(value) ?? literalPath(value);
  if (problem) return problem;
  if (value.endsWith('/')) return `${show(value)} names a folder (it ends with "/"); give the path of a file`;
  if (value.split('/').some((part) => part === '' || part === '.')) return `${show(value)} is not a normalized path (an empty or "." component)`;
  return undefined;
}

/** An absolute path inside an image (WORKDIR, COPY destination, home directory). */
export function absolutePath(value: string): string | undefined {
  const problem = nonEmpty(value) ?? pathCharacters(value);
  if (problem) return problem;
  if (!value.startsWith('/')) return `${show(value)} must be an absolute path inside the image`;
  if (value.split('/').includes('..')) return `${show(value)} must not contain ".."`;
  if (value.includes(':')) return `${show(value)} must not contain ":" (docker's --volume and cp read it as a separator)`;
  return undefined;
}

/** A BuildKit cache directory: it goes into `--mount=type=cache,target=<dir>`, a comma-separated list of key=value. */
export function cacheDirectory(value: string): string | undefined {
  const problem = absolutePath(value);
  if (problem) return problem;
  const bad = /[,=\s]/.exec(value);
  return bad ? `${show(value)} must not contain ${JSON.stringify(bad[0])} (it would change the cache mount's options)` : undefined;
}

/** A GitHub Actions runner label (`runs-on`), e.g. "ubuntu-24.04". */
export function runnerLabel(value: string): string | undefined {
  return RUNNER_LABEL.test(value) && value.length <= 100
    ? undefined
    : `${show(value)} is not a runner label (letters, digits, ".", "-", "_", e.g. "ubuntu-24.04")`;
}

/** A branch name: git's ref-name rules, and no character that GitHub's branch filters read as a pattern. */
export function branchName(value: string): string | undefined {
  const invalid = `${show(value)} is not a valid branch name`;
  if (!BRANCH_CHARACTERS.test(value)) return `${invalid} (letters, digits, ".", "_", "-" and "/" only)`;
  if (value.length > 255) return `${invalid} (at most 255 characters)`;
  if (value.startsWith('-')) return `${invalid} (it starts with "-")`;
  if (value.includes('..')) return `${invalid} (it contains "..")`;
  if (value.endsWith('.') || value.endsWith('.lock')) return `${invalid} (it ends with "." or ".lock")`;
  if (value.split('/').some((part) => part === '' || part.startsWith('.'))) return `${invalid} (an empty component, or one that starts with ".")`;
  return undefined;
}

/** An http(s) URL without white space. */
export function url(value: string): string | undefined {
  return nonEmpty(value) ?? (/^https?:\/\/[^\s"'`\\<>]+$/.test(value) ? undefined : `${show(value)} is not an http(s) URL`);
}

/**
 * Runs the checks on a field and records the first problem under `field`. A value that is missing
 * or not a string (plain JavaScript callers, or a cast) is a problem too, never a crash.
 */
export function check(problems: ProblemList, path: string, field: string, value: unknown, ...checks: Check[]): void {
  if (typeof value !== 'string') {
    problems.add(path, field, value === undefined || value === null ? 'is required' : `must be a string (found ${describeType(value)})`);
    return;
  }
  for (const c of checks) {
    const message = c(value);
    if (message) {
      problems.add(path, field, message);
      return;
    }
  }
}

/** An optional yes/no field: undefined, true or false, nothing else (a string "false" would be true). */
export function checkBoolean(problems: ProblemList, path: string, field: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') problems.add(path, field, `must be true or false (found ${describeType(value)})`);
}

/**
 * The items of an optional list field; a value that is not a list is recorded as a problem
 * (and gives no items), so that validation can go on without crashing.
 */
export function listOf<T>(problems: ProblemList, path: string, field: string, value: readonly T[] | undefined): readonly T[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  problems.add(path, field, `must be a list (found ${describeType(value)})`);
  return [];
}

/** The entries of an optional record field (`{ KEY: "value" }`); anything else is a problem. */
export function entriesOf(problems: ProblemList, path: string, field: string, value: Readonly<Record<string, string>> | undefined): Array<[string, unknown]> {
  if (value === undefined) return [];
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return Object.entries(value);
  problems.add(path, field, `must be an object of names to values (found ${describeType(value)})`);
  return [];
}

/** Whether a value is a plain object (not null, not a list). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${show(String(value))}`;
}
