import { mkdtempSync, readdirSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as fc from 'fast-check';
import { Project } from 'projen';
import { buildModel, invalidModel, validModel } from './support/arbitraries';
import { checkProperty, propertyTitle, SEED } from './support/property';
import { dockerfileDifferences, pipelineOf, workflowDifferences } from './support/readback';
import { treeEntries, treeSnapshot } from './support/tree';
import {
  ModelError, ProblemList, renderBuildDoc, renderDockerignore, renderDriverScript, renderEnvExample, renderPackageScript, renderPreflightProgram,
  renderValidationScript,
} from '../src';
import { GeneratedPaths } from '../src/projen/generated-paths';

// Thousands of cases (or a batch through external tools) take longer than one ordinary test.
jest.setTimeout(600_000);

/*
 * Property tests, in process (thousands of cases): random valid models are accepted and render
 * files that parse back to the same structure; random invalid models (one field broken) always
 * fail with a ModelError naming that field, never another exception, and write nothing.
 * The seed is new each run and printed (STAGED_BUILD_SEED replays it); fast-check shrinks a
 * failure to a smallest case.
 */

const VALID_CASES = Number(process.env.STAGED_BUILD_VALID_CASES ?? 1200);
const INVALID_CASES = Number(process.env.STAGED_BUILD_INVALID_CASES ?? 4000);

/** One empty folder for all the synthesis attempts of invalid models: it must stay empty. */
let emptyDir: string;
beforeAll(() => {
  emptyDir = mkdtempSync(join(tmpdir(), 'staged-build-property-'));
});
afterAll(() => rmSync(emptyDir, { recursive: true, force: true }));

const VALID = 'valid models are accepted, and their Dockerfiles and workflows parse back to the model';
test(propertyTitle(VALID, VALID_CASES), () => {
  checkProperty(VALID, VALID_CASES, fc.property(validModel, (spec) => {
    // The projen constructs: every file placed, no problem, nothing on disk in the way.
    const project = new Project({ name: 'test', outdir: emptyDir });
    const pipeline = buildModel(project, spec);
    expect(pipeline.valid).toBe(true);
    GeneratedPaths.of(project).preSynthesize();
    expect(readdirSync(emptyDir)).toEqual([]);

    // The model alone, and what the renderers make of it.
    const model = pipelineOf(spec);
    const problems = new ProblemList();
    model.check(problems);
    expect(problems.all).toEqual([]);
    const differences = [
      ...model.stages.flatMap((stage) => dockerfileDifferences(model, stage)),
      ...workflowDifferences(model, spec),
    ];
    expect(differences).toEqual([]);
    // Every other renderer runs on it without an exception.
    for (const render of [renderDriverScript, renderPackageScript, renderValidationScript, renderEnvExample, renderDockerignore, renderBuildDoc, renderPreflightProgram]) {
      expect(typeof render(model)).toBe('string');
    }
    for (const file of model.props.packager.supportFiles(model.packagerContext)) expect(typeof file.content).toBe('string');
  }));
});

const INVALID = 'invalid models (one field broken) fail with a ModelError naming that field, and write nothing';
test(propertyTitle(INVALID, INVALID_CASES), () => {
  checkProperty(INVALID, INVALID_CASES, fc.property(invalidModel, ({ spec, mutation }) => {
    let error: unknown;
    try {
      const project = new Project({ name: 'test', outdir: emptyDir });
      buildModel(project, spec);
      project.synth();
    } catch (e) {
      error = e;
    }
    if (!(error instanceof ModelError)) {
      throw new Error(`${mutation.what}: expected a ModelError, got ${error === undefined ? 'no error' : String((error as Error).stack ?? error)}`);
    }
    const named = error.problems.some((p) => p.path === mutation.path && mutation.field.test(p.field));
    if (!named) throw new Error(`${mutation.what}: no problem names [${mutation.path}] ${mutation.field}; got:\n${error.message}`);
    expect(readdirSync(emptyDir)).toEqual([]);
  }));
});

const TREE_CASES = Number(process.env.STAGED_BUILD_TREE_CASES ?? 1000);
const TREE = 'an invalid model leaves an already synthesized tree byte-identical (.gitignore, files.json, every file)';
test(propertyTitle(TREE, TREE_CASES), () => {
  // A tree where a valid model was synthesized: generated files, .gitignore, .gitattributes, .projen/files.json.
  const dir = mkdtempSync(join(tmpdir(), 'staged-build-property-tree-'));
  const first = new Project({ name: 'test', outdir: dir });
  buildModel(first, fc.sample(validModel, { seed: SEED, numRuns: 1 })[0]);
  first.synth();
  const before = treeSnapshot(dir);
  expect(Object.keys(treeEntries(dir))).toEqual(expect.arrayContaining(['.gitignore', '.gitattributes', '.projen/files.json']));
  checkProperty(TREE, TREE_CASES, fc.property(invalidModel, ({ spec, mutation }) => {
    const project = new Project({ name: 'test', outdir: dir });
    let error: unknown;
    try {
      buildModel(project, spec);
      project.synth();
    } catch (e) {
      error = e;
    }
    if (!(error instanceof ModelError)) throw new Error(`${mutation.what}: expected a ModelError, got ${String((error as Error | undefined)?.stack ?? error)}`);
    expect(treeSnapshot(dir)).toEqual(before);
  }));
  rmSync(dir, { recursive: true, force: true });
});
