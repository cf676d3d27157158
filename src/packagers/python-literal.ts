/** A Python string literal (JSON's escaping is valid Python for str). The one place Python quoting lives. */
export function pythonString(value: string): string {
  return JSON.stringify(value);
}

/** A Python list of string literals. */
export function pythonList(values: readonly string[]): string {
  return `[${values.map(pythonString).join(', ')}]`;
}

const DOTTED_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** A module path such as "airunner.main"; returns a problem message or undefined. */
export function dottedName(value: string): string | undefined {
  return DOTTED_NAME.test(value) ? undefined : `"${value}" is not a Python module name (dotted identifiers)`;
}
