import * as fc from 'fast-check';
import { shellQuote } from '../../src';

/*
 * The values the property tests' arbitraries are made of: printable text with every kind of
 * punctuation, names, paths the rules allow, package names and run commands (all valid by
 * construction).
 */

export const LOWER = [...'abcdefghijklmnopqrstuvwxyz'];
export const DIGITS = [...'0123456789'];

/** Characters that mean something to Docker, the shell or YAML, and some that are not ASCII. */
const TRICKY = [...'abcXYZ019 _-./', '"', "'", '\\', '$', '`', '#', '{', '}', '(', ')', ';', '&', '|', '<', '>', '*', '?', '!', '~',
  '%', '=', ',', ':', '@', '[', ']', '+', 'é', '中', '😀', '\u00a0'];

/** One line of printable text, with every kind of punctuation (ENV and LABEL values, build-arg defaults). */
export const text = fc.string({ unit: fc.constantFrom(...TRICKY), maxLength: 24 });
/** Text with something visible in it (descriptions, titles). */
export const visibleText = text.filter((t) => t.trim() !== '');

/** `[a-z][a-z0-9]*`, short. */
export const word = fc.tuple(fc.constantFrom(...LOWER), fc.string({ unit: fc.constantFrom(...LOWER, ...DIGITS), maxLength: 7 })).map(([a, b]) => a + b);

/** A name (pipeline, user, workflow file): lowercase, digits, "-" and "_", at most 63 characters. */
export const name = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...LOWER), fc.string({ unit: fc.constantFrom(...LOWER, ...DIGITS, '-', '_'), maxLength: 11 })).map(([a, b]) => a + b) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...LOWER), fc.string({ unit: fc.constantFrom(...LOWER, ...DIGITS, '-', '_'), minLength: 62, maxLength: 62 })).map(([a, b]) => a + b) },
);

/** Path characters the rules allow: no $ \ ' " ` (nor ":" inside images, nor glob characters). */
export const PATH_UNIT = [...'abcxyz019-_.+@%=,;&()# ', 'é', '中', '\u00a0'];
const segment = fc.string({ unit: fc.constantFrom(...PATH_UNIT), minLength: 1, maxLength: 10 }).filter((s) => s !== '.' && s !== '..');

/** An absolute path inside an image: "/" + segments, no white space at its end. */
export const absolutePath = fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => `/${parts.join('/')}`).filter((p) => p.trim() === p);
/** A cache directory: also no "," "=" or white space (they would change the --mount options). */
export const cacheDirectory = absolutePath.filter((p) => !/[,=\s]/.test(p));
/** A relative, literal path in the build context, not read as an option. */
export const relativePath = fc.array(segment, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'))
  .filter((p) => p.trim() === p && !p.startsWith('-'));
/** A generated file's path: relative, normalized, outside dist/ and build/. */
export const filePath = (prefix: string) => fc.tuple(relativePath, word).map(([dir, file]) => `${prefix}${dir}/${file}`);

/** Debian package names, with an architecture and a version now and then. */
export const systemPackage = fc.tuple(
  fc.constantFrom(...LOWER, ...DIGITS),
  fc.string({ unit: fc.constantFrom(...LOWER, ...DIGITS, '+', '.', '-'), minLength: 1, maxLength: 12 }),
  fc.option(fc.constantFrom(':amd64', ':arm64', ':i386'), { nil: '' }),
  fc.option(fc.constantFrom('=1.0', '=2:3.11.2-1+b1', '=1.2~rc1', '=0.9.8-3ubuntu1'), { nil: '' }),
).map(([a, b, arch, version]) => `${a}${b}${arch}${version}`);

/** Run commands that are valid by construction: quoted text, pipes, groups, conditionals, loops. */
export const runCommand = fc.oneof(
  text.map((t) => `echo ${shellQuote(t)}`),
  fc.tuple(text, text).map(([a, b]) => `printf '%s\\n' ${shellQuote(a)} ${shellQuote(b)}`),
  text.map((t) => `test -n ${shellQuote(t)} || true`),
  text.map((t) => `if true; then echo ${shellQuote(t)}; fi`),
  text.map((t) => `X=${shellQuote(t)}; echo "$X" | cat`),
  text.map((t) => `case ${shellQuote(t)} in a) echo a;; *) echo other;; esac`),
  fc.constantFrom(
    'echo "#" a#b "${HOME}" $#',
    'true && echo "$(echo nested)" | cat >/dev/null 2>&1',
    'python3 -m pip install --user --no-cache-dir .',
    'for x in 1 2; do echo "$x"; done',
    'test -d /tmp || exit 1',
    '{ echo a; echo b; }',
  ),
);
