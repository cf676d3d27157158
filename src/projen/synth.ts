import { Project } from 'projen';
import { ModelError } from '../model/model-error';

/**
 * `project.synth()`, but an invalid build model ends the process with its message alone
 * (no stack trace) and a non-zero status; nothing has been written at that point.
 */
export function synthOrExit(project: Project): void {
  try {
    project.synth();
  } catch (error) {
    if (!(error instanceof ModelError)) throw error;
    process.stderr.write(`error: ${error.message}\nNothing was written. Fix .projenrc.ts and run "npx projen" again.\n`);
    process.exit(1);
  }
}
