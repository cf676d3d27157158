import { checkoutStep, setupNodeStep } from './workflow-steps';
import { shellCommand } from '../shell/shell-quote';

/** The gate of a workflow, resolved against its project (see src/projen/workflows.ts). */
export interface WorkflowGate {
  /** Project tasks, run in this order as `npx projen <task>`. */
  readonly tasks: readonly string[];
  /** `node-version` for actions/setup-node. */
  readonly nodeVersion: string;
  /** The project's frozen install command, from its lock file, e.g. "npm ci". */
  readonly installCommand: string;
  readonly timeoutMinutes: number;
}

/** The gate job's id: every other job of the workflow needs it. */
export const GATE_JOB = 'gate';

/**
 * The gate job: check out, set up Node.js, install the project's dependencies from the lock
 * file, then run each gate task. It only reads (contents: read); the jobs that push or upload
 * need it, so a failing gate publishes nothing.
 */
export function gateJob(gate: WorkflowGate, runner: string): Record<string, unknown> {
  return {
    'name': 'Quality gate (nothing is published unless it passes)',
    'runs-on': runner,
    'timeout-minutes': gate.timeoutMinutes,
    'permissions': { contents: 'read' },
    'steps': [
      checkoutStep(),
      setupNodeStep(gate.nodeVersion),
      { name: 'Install the project\'s dependencies (lock file)', run: gate.installCommand },
      ...gate.tasks.map((task) => ({ name: `Gate: ${task}`, run: shellCommand('npx', 'projen', task) })),
    ],
  };
}
