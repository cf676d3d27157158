/** Words the shell (or a reader, or shellcheck) may take for syntax when they stand alone: always quoted. */
const RESERVED_WORDS = new Set(['if', 'then', 'else', 'elif', 'fi', 'case', 'esac', 'for', 'select', 'while', 'until', 'do', 'done', 'in', 'function', 'time', 'coproc']);

/**
 * POSIX shell quoting: the only place that knows how a value becomes a shell word.
 * Single quotes keep everything literal; a single quote inside becomes '\''.
 * A word with "=" is quoted too: unquoted at the start of a command, `a=b` would be an assignment.
 */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_./:@%+,-]+$/.test(value) && !RESERVED_WORDS.has(value)) return value;
  return singleQuoted(value);
}

/** A value in single quotes, whatever it holds. */
function singleQuoted(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The shellcheck notes that single-quoted literal text can draw, and that do not apply to text
 * quoted on purpose: SC2016 for `$` or backquotes ("expressions don't expand in single quotes"),
 * SC1003 for a backslash ("want to escape a single quote?").
 */
export function literalTextNotes(values: readonly string[]): string[] {
  const quoted = values.filter((v) => shellQuote(v).startsWith("'"));
  return [
    ...(quoted.some((v) => /[$`]/.test(v)) ? ['SC2016'] : []),
    ...(quoted.some((v) => v.includes('\\')) ? ['SC1003'] : []),
    // A literal "~" at the start (e.g. a description "~/..."), which shellcheck takes for a home folder.
    ...(quoted.some((v) => v.startsWith('~')) ? ['SC2088'] : []),
  ];
}

/** The shellcheck directive line for a command whose single-quoted values are literal text on purpose, or none. */
export function literalTextDirective(values: readonly string[]): string[] {
  const notes = literalTextNotes(values);
  return notes.length > 0 ? [`# shellcheck disable=${notes.join(',')} # single-quoted on purpose: literal text from the model`] : [];
}

/** A command line of shell-quoted words: `docker push 'a b'`. */
export function shellCommand(...words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}

/** A bash array literal: `(a 'b c')`. */
export function shellArray(values: readonly string[]): string {
  // An unquoted comma in an array element reads to shellcheck as a separator mistake (SC2054).
  return `(${values.map((v) => (v.includes(',') ? singleQuoted(v) : shellQuote(v))).join(' ')})`;
}

/**
 * A bash function that maps a key to a value with `case`, e.g. the image of each stage and mode.
 * A key may map to several values, printed one per line. Returns 1 for an unknown key.
 */
export function caseFunction(name: string, comment: string, entries: ReadonlyArray<readonly [string, string | readonly string[]]>): string[] {
  const values = entries.flatMap(([key, value]) => [key, ...(typeof value === 'string' ? [value] : value)]);
  const lines = [`# ${comment}`, ...literalTextDirective(values), `${name}() {`, '  case "$1" in'];
  for (const [key, value] of entries) {
    const words = typeof value === 'string' ? [value] : value;
    lines.push(`    ${shellQuote(key)}) ${words.length > 0 ? `printf '%s\\n' ${words.map(shellQuote).join(' ')}` : ':'} ;;`);
  }
  lines.push('    *) return 1 ;;', '  esac', '}');
  return lines;
}
