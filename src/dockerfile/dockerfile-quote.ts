/**
 * Quoting for Dockerfile text: the only place that knows Dockerfile escaping rules.
 * Values never contain line breaks (the model refuses them), so escaping is single-line.
 */

/** A double-quoted ENV/LABEL/ARG value: backslash, double quote and "$" escaped (no variable expansion). */
export function quoteValue(value: string): string {
  return `"${value.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;
}

/** A JSON array for exec-form instructions (CMD/ENTRYPOINT). */
export function execForm(argv: readonly string[]): string {
  return `[${argv.map((a) => JSON.stringify(a)).join(', ')}]`;
}

/**
 * A COPY source or destination. Paths with spaces need the JSON form of COPY, which
 * the renderer switches to; this only says whether that is needed.
 */
export function needsJsonForm(paths: readonly string[]): boolean {
  return paths.some((p) => /[\s"'\\]/.test(p));
}
