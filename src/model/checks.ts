import { ProblemList } from './model-error';

/**
 * Field checks shared by every construct. Each returns a message, or undefined when the value is valid.
 * Values reach Dockerfiles, shell scripts and YAML, so anything with a line break is refused here,
 * once, rather than escaped differently in each renderer.
 */

// Docker's reference grammar, simplified: [registry[:port]/]path[:tag][@digest], lowercase path.
const IMAGE_REFERENCE = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const NAME = /^[a-z][a-z0-9_-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LABEL_KEY = /^[a-z0-9][a-z0-9._-]*[a-z0-9]$/;
const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]*(?::[a-z0-9]+)?(?:[=<>][^\s]+)?$/;
const NUMERIC_ID = /^[0-9]+$/;

export function noLineBreak(value: string): string | undefined {
  return /[\r\n\0]/.test(value) ? `must be a single line (found a line break or NUL in ${JSON.stringify(value)})` : undefined;
}

export function nonEmpty(value: string): string | undefined {
  return value.trim() === '' ? 'must not be empty' : noLineBreak(value);
}

export function imageReference(value: string): string | undefined {
  return nonEmpty(value) ?? (IMAGE_REFERENCE.test(value) && value.length <= 255
    ? undefined
    : `"${value}" is not a valid image reference (lowercase [registry/]name[:tag], e.g. "ubuntu:22.04")`);
}

export function imageTag(value: string): string | undefined {
  return IMAGE_TAG.test(value) ? undefined : `"${value}" is not a valid image tag ([A-Za-z0-9_][A-Za-z0-9_.-]*, at most 128 characters)`;
}

export function name(value: string): string | undefined {
  return NAME.test(value) ? undefined : `"${value}" is not a valid name (lowercase letters, digits, "-" and "_", starting with a letter)`;
}

export function envName(value: string): string | undefined {
  return ENV_NAME.test(value) ? undefined : `"${value}" is not a valid variable name ([A-Za-z_][A-Za-z0-9_]*)`;
}

export function labelKey(value: string): string | undefined {
  return LABEL_KEY.test(value) ? undefined : `"${value}" is not a valid label key (lowercase, digits, ".", "-", "_")`;
}

export function systemPackage(value: string): string | undefined {
  if (value.trim() === '') return 'must not be empty (an empty package name)';
  return PACKAGE_NAME.test(value) ? undefined : `"${value}" is not a valid Debian package name`;
}

export function numericId(value: string): string | undefined {
  return NUMERIC_ID.test(value) ? undefined : `"${value}" is not a numeric user or group ID`;
}

/** A path inside the pipeline's root: relative, normalized, never climbing out with "..". */
export function relativePath(value: string): string | undefined {
  const problem = nonEmpty(value);
  if (problem) return problem;
  if (value.startsWith('/')) return `"${value}" must be relative to the repository, not absolute`;
  if (value.split('/').includes('..')) return `"${value}" escapes the repository ("..")`;
  return undefined;
}

/** An absolute path inside an image (WORKDIR, COPY destination, home directory). */
export function absolutePath(value: string): string | undefined {
  const problem = nonEmpty(value);
  if (problem) return problem;
  if (!value.startsWith('/')) return `"${value}" must be an absolute path inside the image`;
  if (value.split('/').includes('..')) return `"${value}" must not contain ".."`;
  return undefined;
}

/** Runs `check` on the value and records a problem under `field` when it fails. */
export function check(problems: ProblemList, path: string, field: string, value: string, ...checks: Array<(v: string) => string | undefined>): void {
  for (const c of checks) {
    const message = c(value);
    if (message) {
      problems.add(path, field, message);
      return;
    }
  }
}
