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
  checks.check(problems, path, `${field}.expectedOutput`, smoke.expectedOutput, checks.nonEmpty, regularExpression);
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
