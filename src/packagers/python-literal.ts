/** A Python string literal (JSON's escaping is valid Python for str). The one place Python quoting lives. */
export function pythonString(value: string): string {
  return JSON.stringify(value);
}

/** A Python list of string literals. */
export function pythonList(values: readonly string[]): string {
  return `[${values.map(pythonString).join(', ')}]`;
}

/** A Python bool. */
export function pythonBool(value: boolean): string {
  return value ? 'True' : 'False';
}

/** Plain data that has a Python literal: strings, finite numbers, booleans, null, lists and string-keyed objects. */
export type PythonData = string | number | boolean | null | readonly PythonData[] | { readonly [key: string]: PythonData | undefined };

/**
 * A Python literal of plain data, one item per line with `indent` spaces per level
 * (an object becomes a dict with its keys in the given order; undefined values are left out).
 */
export function pythonLiteral(value: PythonData, indent = 4, level = 0): string {
  if (value === null) return 'None';
  if (typeof value === 'string') return pythonString(value);
  if (typeof value === 'boolean') return pythonBool(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`no Python literal for ${value}`);
    return String(value);
  }
  const pad = ' '.repeat(indent * (level + 1));
  const end = ' '.repeat(indent * level);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => `${pad}${pythonLiteral(v, indent, level + 1)},`).join('\n')}\n${end}]`;
  }
  const entries = Object.entries(value as { [key: string]: PythonData | undefined }).filter(([, v]) => v !== undefined) as Array<[string, PythonData]>;
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${pad}${pythonString(k)}: ${pythonLiteral(v, indent, level + 1)},`).join('\n')}\n${end}}`;
}

const DOTTED_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** A module path such as "airunner.main"; returns a problem message or undefined. */
export function dottedName(value: string): string | undefined {
  return DOTTED_NAME.test(value) ? undefined : `"${value}" is not a Python module name (dotted identifiers)`;
}
