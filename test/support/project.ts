import { cpSync, mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Project } from 'projen';
import { Testing } from 'projen/lib/testing';
import { addAiRunnerBuild } from '../../presets/airunner';
import { addDesktopAppExample } from '../../presets/desktop-app';
import { addGateTasks } from '../../presets/gate';
import { ModelError } from '../../src';

/** The repository root (where .projenrc.ts and the committed generated files are). */
export const REPO_ROOT = join(__dirname, '..', '..');

/** The example's application sources (hand-written, not generated), relative to the repository root. */
const EXAMPLE_SOURCES = 'examples/desktop-app/src/';
/** The example's other hand-written files its stages copy (synthesis checks that they exist). */
const EXAMPLE_INPUTS = ['examples/desktop-app/requirements.txt', 'examples/desktop-app/libs/'];

/** A bare projen project in a fresh temporary folder. */
export function emptyProject(): Project {
  return new Project({ name: 'test', outdir: mkdtempSync(join(tmpdir(), 'staged-build-')) });
}

/**
 * A project with both presets (AiRunner and the example) and the gate's tasks, as .projenrc.ts has
 * them. The example's application sources and the files its stages copy are copied in, as in the
 * repository: synthesis checks that they exist (AiRunner's sources live elsewhere).
 */
export function presetProject(): Project {
  const project = emptyProject();
  for (const path of [EXAMPLE_SOURCES, ...EXAMPLE_INPUTS]) cpSync(join(REPO_ROOT, path), join(project.outdir, path), { recursive: true });
  const gate = addGateTasks(project);
  addAiRunnerBuild(project, gate);
  addDesktopAppExample(project, gate);
  return project;
}

/** Synthesizes the presets and returns every file the pipelines generate: path -> text. */
export function synthPresets(): Record<string, string> {
  const files = Testing.synth(presetProject()) as Record<string, string>;
  // The example's sources were copied in, not generated.
  for (const path of Object.keys(files)) if ([EXAMPLE_SOURCES, ...EXAMPLE_INPUTS].some((p) => path.startsWith(p))) delete files[path];
  return files;
}

/** Synthesizes `project`; the ModelError's problems as `[path] field: message` lines ([] when it is valid). */
export function modelProblems(project: Project): string[] {
  try {
    project.synth();
  } catch (error) {
    if (error instanceof ModelError) return error.problems.map((p) => `[${p.path}] ${p.field}: ${p.message}`);
    throw error;
  }
  return [];
}
