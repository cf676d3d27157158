import { spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { DockerfileParser } from 'dockerfile-ast';
import * as fc from 'fast-check';
import { Project } from 'projen';
import { Testing } from 'projen/lib/testing';
import { buildModel, ModelSpec, validModel } from './support/arbitraries';
import { actionlintMany, Finding, formatFindings, lintDockerfile, runBlocks, shellcheck, shellcheckRunBlocks } from './support/linters';
import { checkProperty, propertyTitle, SEED } from './support/property';
import { pipelineOf, PreflightRecord, preflightDifferences, SpecRecord, specDifferences } from './support/readback';
import { BUILD_MODES, Pipeline, PREFLIGHT_PROGRAM } from '../src';
import { pipelineData } from '../src/shell/pipeline-data';

// Thousands of cases (or a batch through external tools) take longer than one ordinary test.
jest.setTimeout(600_000);

/*
 * Property tests through external tools, batched (a few hundred cases): random valid models are
 * synthesized by projen, then
 * - ONE bash process reads back the model data of every case (as the driver and the validation
 *   script embed it) and prints it, compared with the model;
 * - ONE bash process runs every workflow run: line of every case, with recorders for the driver,
 *   docker, gh, the validation script, npm, npx and sha256sum, and the words each got are compared
 *   with the model;
 * - ONE python3 process (test/support/readback-batch.py) executes every PyInstaller spec with the
 *   spec recorder's stand-ins for PyInstaller, and reads every preflight program (its MODEL
 *   literal, --help, and runs against an empty root); both are compared with the model;
 * - the linters check every generated file: dockerfile-utils, shellcheck (one call for all files;
 *   the whole driver and validation script for a few cases, their model part for all), actionlint
 *   (one process for all workflows), shellcheck on every run: block.
 * A failing batch is replayed one case at a time by fast-check, which shrinks it to a smallest case.
 */

const CASES = Number(process.env.STAGED_BUILD_EXTERNAL_CASES ?? 200);
/** Cases whose whole driver and validation script go through shellcheck (the hand-written part is the same in all). */
const WHOLE_SCRIPT_CASES = 4;

interface Synthesized {
  readonly spec: ModelSpec;
  readonly model: Pipeline;
  readonly files: Record<string, string>;
}

function synthesize(spec: ModelSpec): Synthesized {
  const project = new Project({ name: 'test', outdir: mkdtempSync(join(tmpdir(), 'staged-build-pbt-')) });
  buildModel(project, spec);
  const files = Testing.synth(project) as Record<string, string>;
  rmSync(project.outdir, { recursive: true, force: true });
  return { spec, model: pipelineOf(spec), files };
}

/** A path of the pipeline as a path of the project. */
function inProject(model: Pipeline, path: string): string {
  return model.root === '.' ? path : `${model.root}/${path}`;
}

/** Runs a (long) script with bash from a file: one argument may not exceed 128 KiB. */
function runBash(script: string): { status: number | null; stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'staged-build-bash-'));
  try {
    writeFileSync(join(dir, 'script.sh'), script);
    const result = spawnSync('bash', ['--noprofile', '--norc', join(dir, 'script.sh')], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
    if (result.error) throw result.error;
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The model data, read back by bash
// ---------------------------------------------------------------------------------------------

/** What bash prints for a case: NUL-separated key, value pairs. */
function expectedData(model: Pipeline): string[] {
  const pkg = model.packageStage;
  const ctx = model.packagerContext;
  const pairs: Array<[string, string]> = [
    ['PIPELINE', model.name], ['PIPELINE_TITLE', model.title], ['PACKAGER', model.props.packager.name], ['PACKAGE_STAGE', pkg.name],
    ['PACKAGE_SCRIPT', model.packageScriptPath], ['PACKAGE_DIR', ctx.packageDir], ['ARTIFACT', model.artifactPath], ['CHECKSUM', model.checksumPath],
    ['BUILD_LOG', model.buildLogPath], ['PACKAGER_LOG', model.packagerLogPath], ['DEFAULT_IMAGE_ID', model.userOf(pkg)?.defaultId ?? '1000'],
    ['LABEL_PIPELINE', model.labelKeys.pipeline], ['LABEL_STAGE', model.labelKeys.stage], ['LABEL_RUN_ID', model.labelKeys.runId],
    ['STAGES', model.stages.map((s) => s.name).join('\n')],
  ];
  for (const s of model.stages) {
    for (const mode of BUILD_MODES) pairs.push([`image ${s.name}/${mode}`, s.image(mode)]);
    const parent = model.parentOf(s);
    pairs.push(
      [`description ${s.name}`, s.props.description],
      [`dockerfile ${s.name}`, model.dockerfilePath(s)],
      [`parent ${s.name}`, parent?.name ?? '(none)'],
      [`image-arg ${s.name}`, parent?.imageArgName ?? '(none)'],
      [`takes-user-ids ${s.name}`, model.takesUserIds(s) ? 'yes' : '(none)'],
      [`user ${s.name}`, model.userOf(s)?.name ?? 'root'],
      [`workdir ${s.name}`, model.workdirOf(s) ?? '/'],
      [`inputs ${s.name}`, model.inputsOf(s).join('\n')],
    );
  }
  return pairs.flat();
}

/** The bash that prints a case's data; `$(...)` would drop trailing line breaks, which no value has (they are refused). */
const DUMP = `
dump() {
  local s m
  for v in PIPELINE PIPELINE_TITLE PACKAGER PACKAGE_STAGE PACKAGE_SCRIPT PACKAGE_DIR ARTIFACT CHECKSUM BUILD_LOG PACKAGER_LOG DEFAULT_IMAGE_ID LABEL_PIPELINE LABEL_STAGE LABEL_RUN_ID; do
    printf '%s\\0%s\\0' "$v" "\${!v}"
  done
  printf 'STAGES\\0%s\\0' "$(printf '%s\\n' "\${STAGES[@]}")"
  for s in "\${STAGES[@]}"; do
    for m in standard ci; do printf 'image %s\\0%s\\0' "$s/$m" "$(stage_image "$s/$m")"; done
    printf 'description %s\\0%s\\0' "$s" "$(stage_description "$s")"
    printf 'dockerfile %s\\0%s\\0' "$s" "$(stage_dockerfile "$s")"
    printf 'parent %s\\0%s\\0' "$s" "$(stage_parent "$s" || echo '(none)')"
    printf 'image-arg %s\\0%s\\0' "$s" "$(stage_image_arg "$s" || echo '(none)')"
    printf 'takes-user-ids %s\\0%s\\0' "$s" "$(stage_takes_user_ids "$s" || echo '(none)')"
    printf 'user %s\\0%s\\0' "$s" "$(stage_user "$s")"
    printf 'workdir %s\\0%s\\0' "$s" "$(stage_workdir "$s")"
    printf 'inputs %s\\0%s\\0' "$s" "$(stage_inputs "$s")"
  done
}
`;

/** ONE bash process reads back the data of every case; the differences, per case. */
function bashReadback(cases: readonly Synthesized[]): string[][] {
  const script = [DUMP, ...cases.flatMap(({ model }, k) => [`printf 'CASE %d\\0' ${k}`, '(', ...pipelineData(model), 'dump', ')'])].join('\n');
  const result = runBash(script);
  if (result.status !== 0) return cases.map(() => [`bash exited ${result.status}: ${result.stderr}`]);
  const fields = result.stdout.split('\0');
  return cases.map(({ model, files, spec }, k) => {
    const start = fields.indexOf(`CASE ${k}`);
    const end = k + 1 < cases.length ? fields.indexOf(`CASE ${k + 1}`) : fields.length - 1;
    const got = fields.slice(start + 1, end);
    const expected = expectedData(model);
    const problems: string[] = [];
    for (let i = 0; i < Math.max(got.length, expected.length); i += 2) {
      if (got[i] !== expected[i] || got[i + 1] !== expected[i + 1]) problems.push(`data ${expected[i] ?? got[i]}: bash read ${JSON.stringify(got[i + 1])}, the model says ${JSON.stringify(expected[i + 1])}`);
    }
    // The driver and the validation script embed exactly this data.
    const data = pipelineData(model).join('\n');
    for (const path of [model.driverPath, model.validationScriptPath]) {
      if (!files[inProject(model, path)]?.includes(data)) problems.push(`${path} does not embed the model data`);
    }
    void spec;
    return problems;
  });
}

// ---------------------------------------------------------------------------------------------
// The workflows' run: lines, run by bash with recorders
// ---------------------------------------------------------------------------------------------

/** The calls a case's run: lines must make, one line each: name TAB words. */
function expectedCalls(model: Pipeline, spec: ModelSpec): string[] {
  const [base, ...rest] = model.stages;
  const middle = rest.slice(0, -1).map((s) => s.name);
  const driver = (...words: string[]) => ['driver', '--ci', ...words].join('\t');
  const gate = ['npm\tci', 'npx\tprojen\ttest'];
  const calls: string[] = [];
  if (spec.release) calls.push(...gate, driver(`build_${base.name}`), driver('push', base.name), driver('promote', base.name));
  if (spec.dispatch) {
    calls.push(...gate, driver('pull_or_build', base.name), ...middle.map((stage) => driver(`build_${stage}`)));
    calls.push(driver(`build_${model.packageStage.name}`), driver('smoke'), 'validation');
    if (middle.length > 0) calls.push(driver('push', ...middle), driver('promote', ...middle));
    calls.push(`sha256sum\t--check\t${model.checksumPath.split('/').pop()}`);
    calls.push(`sha256sum\t--\t${model.artifactPath.split('/').pop()}`); // > SHA256SUMS
    calls.push(['gh', 'release', 'upload', 'v1', `dist/${model.artifactPath.split('/').pop()}`, `dist/${model.checksumPath.split('/').pop()}`, 'dist/SHA256SUMS', '--clobber', '--repo', 'o/r'].join('\t'));
  }
  return calls;
}

/**
 * ONE bash process: for each case, in a folder of its own, the driver and the validation script
 * record their words, and docker, gh, npm, npx and sha256sum are functions that record theirs;
 * every run: line runs as GitHub runs it (bash -eo pipefail), in its working-directory.
 */
function runLines(cases: readonly Synthesized[]): string[][] {
  const dir = mkdtempSync(join(tmpdir(), 'staged-build-runs-'));
  try {
    const log = join(dir, 'calls.log');
    const record = (name: string) => `${name}() { (IFS=$'\\t'; printf '${name}\\t%s\\n' "$*") >>${JSON.stringify(log)}; }`;
    const lines = [
      ...['docker', 'gh', 'npm', 'npx', 'sha256sum'].map(record),
      'export -f docker gh npm npx sha256sum',
      'export TAG=v1 REPOSITORY=o/r',
    ];
    cases.forEach(({ model, files, spec }, k) => {
      const work = join(dir, `case-${k}`);
      for (const [path, name] of [[model.driverPath, 'driver'], [model.validationScriptPath, 'validation']]) {
        const script = join(work, inProject(model, path));
        mkdirSync(dirname(script), { recursive: true });
        // The script records its words, prefixed with its name (a lone name when it gets none).
        writeFileSync(script, `#!/usr/bin/env bash\n{ printf ${name}; for w in "$@"; do printf '\\t%s' "$w"; done; printf '\\n'; } >>${JSON.stringify(log)}\n`, { mode: 0o755 });
      }
      mkdirSync(join(work, 'dist'), { recursive: true });
      lines.push(`printf 'CASE\\t%d\\n' ${k} >>${JSON.stringify(log)}`);
      const workflows = [spec.release && `.github/workflows/${spec.release.fileName}.yml`, spec.dispatch && `.github/workflows/${spec.dispatch.fileName}.yml`];
      for (const path of workflows.filter((p): p is string => !!p)) {
        for (const block of runBlocks(files[path], path)) {
          const step = join(work, `step-${lines.length}.sh`);
          writeFileSync(step, block.run);
          const cwd = join(work, block.workingDirectory ?? '.');
          lines.push(`(cd ${JSON.stringify(cwd)} && bash --noprofile --norc -eo pipefail ${JSON.stringify(step)}) || printf 'FAILED\\t%s\\n' ${JSON.stringify(block.where)} >>${JSON.stringify(log)}`);
        }
      }
    });
    const result = runBash(lines.join('\n'));
    if (result.status !== 0) return cases.map(() => [`bash exited ${result.status}: ${result.stderr}`]);
    const recorded = spawnSync('cat', [log], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).stdout.split('\n');
    return cases.map(({ model, spec }, k) => {
      const start = recorded.indexOf(`CASE\t${k}`);
      const end = recorded.indexOf(`CASE\t${k + 1}`);
      const got = recorded.slice(start + 1, end < 0 ? recorded.length - 1 : end);
      const expected = expectedCalls(model, spec);
      return JSON.stringify(got) === JSON.stringify(expected) ? [] : [`run: lines made the calls ${JSON.stringify(got)}, the model says ${JSON.stringify(expected)}`];
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The generated Python files, read back by python3
// ---------------------------------------------------------------------------------------------

const READBACK_BATCH = join(__dirname, 'support', 'readback-batch.py');

/**
 * ONE python3 process: each case's spec (PyInstaller) and preflight program are written where the
 * project has them (so that they find the pipeline root from their own location), then read back
 * by readback-batch.py; the differences, per case. The --stage run takes a stage chosen by the
 * case's index.
 */
function pythonReadback(cases: readonly Synthesized[]): string[][] {
  const dir = mkdtempSync(join(tmpdir(), 'staged-build-python-'));
  try {
    const emptyRoot = join(dir, 'empty-root');
    mkdirSync(emptyRoot);
    const write = (k: number, path: string, text: string) => {
      const file = join(dir, `case-${k}`, path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
      return file;
    };
    const inputs = cases.map(({ model, files, spec }, k) => {
      const support = inProject(model, model.supportDir);
      const specPath = `${support}/${model.name}.spec`;
      const preflightPath = `${support}/${PREFLIGHT_PROGRAM}`;
      if (typeof files[preflightPath] !== 'string') throw new Error(`case ${k}: no ${preflightPath} was synthesized`);
      if (spec.packager.kind === 'pyinstaller' && typeof files[specPath] !== 'string') throw new Error(`case ${k}: no ${specPath} was synthesized`);
      return {
        spec: spec.packager.kind === 'pyinstaller' ? write(k, specPath, files[specPath]) : null,
        preflight: write(k, preflightPath, files[preflightPath]),
        emptyRoot,
        stage: model.stages[k % model.stages.length].name,
      };
    });
    writeFileSync(join(dir, 'cases.json'), JSON.stringify(inputs));
    const result = spawnSync('python3', ['-B', READBACK_BATCH, join(dir, 'cases.json')], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (result.error) throw result.error;
    if (result.status !== 0) return cases.map(() => [`readback-batch.py exited ${result.status}: ${result.stderr}`]);
    const lines = result.stdout.split('\n').filter((l) => l !== '');
    return cases.map(({ model, spec }, k) => {
      const record = JSON.parse(lines[k] ?? '{"error": "no line"}') as { error?: string; spec?: SpecRecord; preflight?: PreflightRecord };
      if (record.error) return [`readback-batch.py: ${record.error}`];
      const root = join(dir, `case-${k}`, model.root === '.' ? '' : model.root);
      return [
        ...(spec.packager.kind === 'pyinstaller' ? specDifferences(model, spec.packager.props, record.spec!, root) : []),
        ...preflightDifferences(model, spec, record.preflight!, root, k % model.stages.length),
      ];
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The linters
// ---------------------------------------------------------------------------------------------

/**
 * dockerfile-utils 0.16 misreads a double-quoted ENV/LABEL/ARG value that starts with a single
 * quote, or has one after an escaped double quote (`X="'a"`, `X="\\"'a"`): it reports a missing
 * quote. Docker reads them as the model says (checked on this machine's engine, with the legacy
 * builder and with BuildKit), and the in-process property reads every value back exactly. Only
 * those two findings on those three instructions are left out.
 */
function quoteFalsePositive(finding: Finding, text: string): boolean {
  if (finding.rule !== 'SYNTAX_MISSING_SINGLE_QUOTE' && finding.rule !== 'SYNTAX_MISSING_DOUBLE_QUOTE') return false;
  const instruction = DockerfileParser.parse(text).getInstructions()
    .find((i) => i.getRange().start.line + 1 <= finding.line && finding.line <= i.getRange().end.line + 1);
  return ['ENV', 'LABEL', 'ARG'].includes(instruction?.getKeyword() ?? '');
}

/** Every linter on every generated file of every case, batched; the findings, per case. */
function lintAll(cases: readonly Synthesized[]): string[][] {
  const dir = mkdtempSync(join(tmpdir(), 'staged-build-lint-'));
  try {
    const perCase: Finding[][] = cases.map(() => []);
    const owner = new Map<string, number>();
    const partial: string[] = [];
    const whole: string[] = [];
    const workflows: Array<{ text: string; fileName: string }> = [];
    const blocks: Array<{ where: string; run: string }> = [];
    cases.forEach(({ model, files }, k) => {
      for (const [path, text] of Object.entries(files)) {
        if (typeof text !== 'string') continue;
        const name = `case ${k}: ${path}`;
        if (/(^|\/)Dockerfile\.[^/]+$/.test(path)) perCase[k].push(...lintDockerfile(text, name).filter((f) => !quoteFalsePositive(f, text)));
        if (path.startsWith('.github/workflows/')) {
          workflows.push({ text, fileName: name });
          blocks.push(...runBlocks(text, name));
        }
        if (!path.endsWith('.sh')) continue;
        const file = join(dir, `${k}-${path.replace(/[^A-Za-z0-9.]/g, '_')}`);
        owner.set(file, k);
        if (k < WHOLE_SCRIPT_CASES) {
          writeFileSync(file, text);
          whole.push(file);
          continue;
        }
        // Otherwise the part made from the model: everything before the first hand-written snippet
        // (those are the same in every case, and checked whole above and in lint.test.ts). The
        // validation script's part is the driver's, but for its first lines.
        if (path === inProject(model, model.validationScriptPath)) continue;
        const snippet = /^# --- (\.env|Package script) ---$/m.exec(text);
        writeFileSync(file, `${snippet ? text.slice(0, snippet.index) : text}\n`);
        partial.push(file);
      }
    });
    const byCase = (findings: Finding[], name: (f: Finding) => string | undefined = (f) => f.file) => {
      for (const f of findings) {
        const k = owner.get(f.file) ?? Number(/^case (\d+):/.exec(name(f) ?? '')?.[1]);
        perCase[k]?.push(f);
      }
    };
    if (whole.length > 0) byCase(shellcheck(whole));
    if (partial.length > 0) byCase(shellcheck(partial, { exclude: ['SC2034'] }));
    if (workflows.length > 0) byCase(actionlintMany(workflows));
    if (blocks.length > 0) byCase(shellcheckRunBlocks(blocks));
    return perCase.map((findings) => (findings.length > 0 ? [formatFindings(findings)] : []));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** All the external checks of a batch of models: the problems, per case. */
function externalChecks(specs: readonly ModelSpec[]): string[][] {
  const cases = specs.map(synthesize);
  const readback = bashReadback(cases);
  const runs = runLines(cases);
  const python = pythonReadback(cases);
  const lint = lintAll(cases);
  return cases.map((_, k) => [...readback[k], ...runs[k], ...python[k], ...lint[k]]);
}

const WHAT = 'valid models synthesize to files that bash reads back, whose run: lines run with the model\'s words, whose spec and preflight python3 reads back, and that every linter passes';

test(propertyTitle(WHAT, CASES), () => {
  console.log(`${propertyTitle(WHAT, CASES)} (batched; replay: STAGED_BUILD_SEED=${SEED})`);
  const specs = fc.sample(validModel, { seed: SEED, numRuns: CASES });
  const problems = externalChecks(specs);
  const failing = problems.findIndex((p) => p.length > 0);
  if (failing < 0) return;
  if (process.env.STAGED_BUILD_NO_REPLAY) throw new Error(`case ${failing}:\n${problems[failing].join('\n')}\n${JSON.stringify(specs[failing], null, 1)}`);
  // Replay one case at a time, so that fast-check shrinks the failure to a smallest model.
  checkProperty(`${WHAT} (one case at a time)`, CASES, fc.property(validModel, (spec) => {
    const found = externalChecks([spec])[0];
    if (found.length > 0) throw new Error(found.join('\n'));
  }), { timeLimitMs: 180_000 }); // each case synthesizes and lints on its own (seconds): bound the shrinking
  throw new Error(`case ${failing} failed in the batch (not reproduced one at a time):\n${problems[failing].join('\n')}\n${JSON.stringify(specs[failing], null, 1)}`);
});
