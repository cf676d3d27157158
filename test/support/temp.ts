import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

/*
 * Temporary folders of a test file, removed after its last test. Importing this module registers
 * the clean-up (jest evaluates a test file's modules while it collects the file's tests).
 */

const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A new empty folder under the system's temporary folder, named `staged-build-<purpose>-XXXXXX`. */
export function tempFolder(purpose: string): string {
  const dir = mkdtempSync(join(tmpdir(), `staged-build-${purpose}-`));
  made.push(dir);
  return dir;
}
