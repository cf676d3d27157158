/**
 * A stage's size budget: the largest image size the build accepts for it, e.g. "300MB" or
 * "1.5GiB". The driver compares it with the image's size (as `docker image inspect` reports it)
 * after each build of the stage; an image over its budget fails the build.
 */

/** Units of a size budget, in bytes: SI (kB, MB, GB: powers of 1000, as Docker prints sizes) and binary (KiB, MiB, GiB). */
export const SIZE_UNITS: Readonly<Record<string, number>> = {
  B: 1,
  kB: 1e3,
  MB: 1e6,
  GB: 1e9,
  KiB: 2 ** 10,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
};

const SIZE_PATTERN = /^(\d+(?:\.\d+)?)\s?([A-Za-z]+)$/;

/** The number of bytes a size such as "300MB" stands for, or undefined when it is not a size. */
export function parseSize(value: string): number | undefined {
  const match = SIZE_PATTERN.exec(value);
  if (!match || !(match[2] in SIZE_UNITS)) return undefined;
  const bytes = Math.floor(Number(match[1]) * SIZE_UNITS[match[2]]);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

/** A check (see checks.ts): a size budget such as "300MB", above zero bytes. */
export function sizeBudget(value: string): string | undefined {
  if (parseSize(value) !== undefined) return undefined;
  return `"${value}" is not a size above zero: a number and a unit (${Object.keys(SIZE_UNITS).join(', ')}), e.g. "300MB" or "1.5GiB"`;
}
