import { driverExitCodes } from './exit-codes';
import { shellQuote } from './shell-quote';

/**
 * The driver's exit statuses as bash data: one readonly variable each (die and exit use them),
 * and print_exit_codes, which lists them for --help. Rendered from the one table in exit-codes.ts.
 */
export function exitCodeData(): string[] {
  const codes = driverExitCodes();
  return [
    '# --- Exit statuses of the driver (generated) ---',
    '# shellcheck disable=SC2034 # each snippet reads the ones it needs',
    'readonly \\',
    ...codes.map((c, i) => `  ${c.variable}=${c.code}${i < codes.length - 1 ? ' \\' : ''}`),
    '',
    '# The exit statuses and their meaning, one per line (for --help).',
    'print_exit_codes() {',
    `  printf '  %-4s %s\\n' \\`,
    ...codes.map((c, i) => `    ${c.code} ${shellQuote(c.meaning)}${i < codes.length - 1 ? ' \\' : ''}`),
    '}',
  ];
}
