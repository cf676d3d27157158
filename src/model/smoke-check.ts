import * as checks from './checks';
import { ProblemList } from './model-error';

/**
 * A quick proof that the built package starts: the packaged application is run with these
 * arguments (no display, no network) and its output must match a pattern. Declared with the
 * packager as data; the driver runs it in a later step of the build.
 */
export interface SmokeCheck {
  /** Arguments given to the packaged application, e.g. ["--help"]. @default [] */
  readonly arguments?: readonly string[];
  /** A regular expression (JavaScript/Python common subset) the combined output must match, e.g. "^usage: airunner". */
  readonly expectedOutput: string;
  /** Environment for the run, e.g. { QT_QPA_PLATFORM: "offscreen" }. @default {} */
  readonly environment?: Readonly<Record<string, string>>;
  /** One line for the docs: what a pass proves. */
  readonly description: string;
}

/** Problems of a smoke check declared at `field` of the construct at `path` (any value, never a crash). */
export function validateSmokeCheck(problems: ProblemList, path: string, field: string, smoke: SmokeCheck): void {
  if (!checks.isRecord(smoke)) {
    problems.add(path, field, 'must be { expectedOutput, description, arguments?, environment? }');
    return;
  }
  checks.listOf(problems, path, `${field}.arguments`, smoke.arguments)
    .forEach((a, i) => checks.check(problems, path, `${field}.arguments[${i}]`, a, checks.singleLine));
  checks.check(problems, path, `${field}.expectedOutput`, smoke.expectedOutput, checks.nonEmpty, regularExpression, commonSubset);
  for (const [key, value] of checks.entriesOf(problems, path, `${field}.environment`, smoke.environment)) {
    checks.check(problems, path, `${field}.environment.${key}`, key, checks.envName);
    checks.check(problems, path, `${field}.environment.${key}`, value, checks.singleLine);
  }
  checks.check(problems, path, `${field}.description`, smoke.description, checks.nonEmpty);
}

function regularExpression(value: string): string | undefined {
  try {
    new RegExp(value, 'm');
    return undefined;
  } catch (error) {
    return `"${value}" is not a regular expression (${(error as Error).message})`;
  }
}

/** Escapes that mean the same in JavaScript (without the "u" flag) and Python's re: classes, boundaries, controls, \xHH and \uHHHH. */
const COMMON_ESCAPE = /^(?:[bBdDsSwWfnrtv]|x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4})/;

/**
 * The JavaScript/Python common subset: constructs that JavaScript takes but Python's re refuses or
 * reads differently, whichever program ends up matching the output. Refused: a named group
 * "(?<name>" (Python writes "(?P<name>"), an escape of a letter outside the common ones (\k, \p,
 * \c, \A, \Z, \a, \g, ...; digits are back-references in both), "{,n}", a quantifier in
 * Python but literal text in JavaScript, and a class that starts with "]" ("[]" is empty in
 * JavaScript, a literal "]" in Python).
 */
function commonSubset(value: string): string | undefined {
  const jsOnly = (what: string) => `${checks.show(value)} uses ${what}, which JavaScript and Python read differently; use the common subset of their regular expressions`;
  let inClass = false;
  for (let k = 0; k < value.length; k++) {
    const c = value[k];
    if (c === '\\') {
      const rest = value.slice(k + 1);
      if (/^[A-Za-z]/.test(rest) && !COMMON_ESCAPE.test(rest)) return jsOnly(`the escape "\\${rest[0]}"`);
      k++;
    } else if (inClass) {
      inClass = c !== ']';
    } else if (c === '[') {
      inClass = true;
      if (value[k + 1] === '^') k++;
      // "[]" and "[^]": an empty class in JavaScript, a literal "]" in Python.
      if (value[k + 1] === ']') return jsOnly('a class that starts with "]"');
    } else if (value.startsWith('(?<', k) && !/^\(\?<[=!]/.test(value.slice(k))) {
      return jsOnly('a named group "(?<name>...)"');
    } else if (value.startsWith('{,', k)) {
      return jsOnly('"{,n}"');
    }
  }
  return undefined;
}
