import { Component, Project } from 'projen';
import { stringify } from 'yaml';
import { GeneratedFile } from './generated-file';
import { PackagingPipeline } from './packaging-pipeline';
import { GENERATED_MARKER } from '../model/generated-marker';
import { constructPath, ProblemList } from '../model/model-error';
import { dispatchWorkflow } from '../workflows/dispatch-workflow';
import { releaseWorkflow, ReleaseWorkflowOptions } from '../workflows/release-workflow';
import { validateWorkflowOptions, WorkflowOptions } from '../workflows/workflow-options';

/** A workflow object as YAML text, with the generated marker first. */
export function renderWorkflowYaml(workflow: Record<string, unknown>): string {
  return `# ${GENERATED_MARKER}\n${stringify(workflow, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}

function workflowPath(fileName: string): string {
  return `.github/workflows/${fileName}.yml`;
}

export interface ReleaseWorkflowProps extends ReleaseWorkflowOptions {
  readonly pipeline: PackagingPipeline;
}

/** `.github/workflows/<fileName>.yml`: on a push to the branch, build and push the first stage. */
export class ReleaseWorkflow extends Component {
  constructor(project: Project, id: string, props: ReleaseWorkflowProps) {
    super(project, id);
    const { pipeline, ...options } = props;
    const path = constructPath(this);
    pipeline.registerWorkflow({ release: { fileName: options.fileName, branch: options.branch ?? 'master' } }, () => {
      const problems = new ProblemList();
      validateWorkflowOptions(problems, path, pipeline.model, options);
      if (options.branch !== undefined && !/^[A-Za-z0-9._/-]+$/.test(options.branch)) {
        problems.add(path, 'branch', `"${options.branch}" is not a valid branch name`);
      }
      problems.throwIfAny();
    });
    new GeneratedFile(this, workflowPath(options.fileName), { render: () => renderWorkflowYaml(releaseWorkflow(pipeline.model, options)) });
  }
}

export interface DispatchWorkflowProps extends WorkflowOptions {
  readonly pipeline: PackagingPipeline;
}

/** `.github/workflows/<fileName>.yml`: on a published release, build the package and attach it. */
export class DispatchWorkflow extends Component {
  constructor(project: Project, id: string, props: DispatchWorkflowProps) {
    super(project, id);
    const { pipeline, ...options } = props;
    const path = constructPath(this);
    pipeline.registerWorkflow({ dispatch: { fileName: options.fileName } }, () => {
      const problems = new ProblemList();
      validateWorkflowOptions(problems, path, pipeline.model, options);
      problems.throwIfAny();
    });
    new GeneratedFile(this, workflowPath(options.fileName), { render: () => renderWorkflowYaml(dispatchWorkflow(pipeline.model, options)) });
  }
}
