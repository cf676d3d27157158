/**
 * POSIX shell quoting: the only place that knows how a value becomes a shell word.
 * Single quotes keep everything literal; a single quote inside becomes '\''.
 */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_./:@%+=,-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A command line of shell-quoted words: `docker push 'a b'`. */
export function shellCommand(...words: readonly string[]): string {
  return words.map(shellQuote).join(' ');
}

/** A bash array literal: `(a 'b c')`. */
export function shellArray(values: readonly string[]): string {
  return `(${values.map(shellQuote).join(' ')})`;
}

/**
 * A bash function that maps a key to a value with `case`, e.g. the image of each stage and mode.
 * A key may map to several values, printed one per line. Returns 1 for an unknown key.
 */
export function caseFunction(name: string, comment: string, entries: ReadonlyArray<readonly [string, string | readonly string[]]>): string[] {
  const lines = [`# ${comment}`, `${name}() {`, '  case "$1" in'];
  for (const [key, value] of entries) {
    const words = typeof value === 'string' ? [value] : value;
    lines.push(`    ${shellQuote(key)}) ${words.length > 0 ? `printf '%s\\n' ${words.map(shellQuote).join(' ')}` : ':'} ;;`);
  }
  lines.push('    *) return 1 ;;', '  esac', '}');
  return lines;
}
