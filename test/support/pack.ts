import { spawnSync } from 'child_process';
import { REPO_ROOT } from './project';

/*
 * The library as npm packs it: `npm pack` in the repository, which runs the `prepack` script
 * (projen's compile) first. Used by test/package.test.ts and the external-consumer e2e test.
 */

export interface PackedLibrary {
  /** The tarball's absolute path. */
  readonly tarball: string;
  /** Every path in the tarball, relative to its `package/` folder, sorted. */
  readonly files: readonly string[];
}

/** Runs `npm pack` (with its scripts) into `destination`; throws with npm's output when it fails. */
export function packLibrary(destination: string): PackedLibrary {
  const run = spawnSync('npm', ['pack', '--json', '--pack-destination', destination], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 5 * 60 * 1000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`npm pack failed (${run.status ?? run.error?.message})\n${run.stderr}\n${run.stdout}`);
  // npm's JSON report starts at the first line that opens an array (scripts may print before it).
  const report = JSON.parse(run.stdout.slice(Math.max(0, run.stdout.search(/^\[/m)))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  return {
    tarball: `${destination}/${report[0].filename}`,
    files: report[0].files.map((f) => f.path).sort(),
  };
}
