import { Project, TaskShell } from 'projen';
import { WorkflowGateOptions } from '../src';

/*
 * The quality gate of this repository's workflows (AiRunner's and the example's): the project
 * tasks it runs, defined once here for .projenrc.ts and for the tests' copy of the project.
 * Each task is also what a developer runs by hand before pushing.
 */

/** The oldest Node.js the project supports (.projenrc.ts's minNodeVersion); the gate sets up its major. */
export const MIN_NODE_VERSION = '20.0.0';

/**
 * When set, `test:unit` runs only the test files matching these jest patterns. The local
 * rehearsal of the workflows (test/support/rehearsal.ts) sets it to a small named subset, because it
 * proves the gate's wiring, not the suite; CI and GitHub leave it unset and run every unit test.
 */
export const UNIT_TEST_SUBSET_ENV = 'STAGED_BUILD_UNIT_TESTS';

/** The gate's tasks, in the order it runs them: the cheapest first, so a stale tree fails fast. */
export const GATE_TASKS = ['check:generated', 'lint', 'test:unit'] as const;

/**
 * Adds the gate's tasks to `project` (once; a second call finds them) and returns the gate of the
 * workflows: `check:generated`, `lint` and `test:unit`, with the supported Node.js major.
 */
export function addGateTasks(project: Project): WorkflowGateOptions {
  if (!project.tasks.tryFind('check:generated')) {
    const task = project.addTask('check:generated', {
      description: 'The committed generated files are what the model makes: synthesize, then fail if the checked-out tree changed (run it on a clean checkout, as CI does)',
    });
    if (project.defaultTask) task.spawn(project.defaultTask); else task.exec('npx projen');
    // A script, not an inline `if`: projen's task runner refuses shell reserved words.
    task.exec('bash test/support/check-generated.sh');
  }
  if (!project.tasks.tryFind('lint')) {
    project.addTask('lint', {
      description: 'shellcheck, the Dockerfile lint (dockerfile-utils) and actionlint on every generated file and the hand-written shell',
      exec: 'tsx test/support/lint-generated.ts',
    });
  }
  if (!project.tasks.tryFind('test:unit')) {
    project.addTask('test:unit', {
      description: `Unit tests only: model, renderers, linters, dry runs (no Docker engine needed); ${UNIT_TEST_SUBSET_ENV} narrows them to the files it names`,
      // bash (not projen's own shell) expands the subset; the test paths come before the ignore
      // patterns, which would take every word after them as another pattern.
      exec: `jest --ci \${${UNIT_TEST_SUBSET_ENV}:-} "$@" --testPathIgnorePatterns /node_modules/ /test/e2e/`,
      shell: TaskShell.bash(),
      receiveArgs: true,
    });
  }
  return { tasks: GATE_TASKS, nodeVersion: `${MIN_NODE_VERSION.split('.')[0]}.x` };
}
