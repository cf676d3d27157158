import { Component, Project } from 'projen';
import { stringify } from 'yaml';
import { GeneratedFile } from './generated-file';
import { GeneratedPaths } from './generated-paths';
import { PackagingPipeline } from './packaging-pipeline';
import { idProblem, uniqueId } from './unique-id';
import * as checks from '../model/checks';
import { GENERATED_MARKER } from '../model/generated-marker';
import { constructPath, ProblemList } from '../model/model-error';
import { dispatchWorkflow } from '../workflows/dispatch-workflow';
import { releaseWorkflow, ReleaseWorkflowOptions } from '../workflows/release-workflow';
import { validateWorkflowOptions, WorkflowOptions } from '../workflows/workflow-options';

/** A workflow object as YAML text, with the generated marker first. */
export function renderWorkflowYaml(workflow: Record<string, unknown>): string {
  return `# ${GENERATED_MARKER}\n${stringify(workflow, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}

/** `.github/workflows/<fileName>.yml`. */
export function workflowPath(fileName: string): string {
  return `.github/workflows/${fileName}.yml`;
}

/**
 * What the two workflow constructs share: validation at construction (with the pipeline's own
 * problems, the pipeline must be valid), a free path, then the file. Problems are thrown in
 * preSynthesize, before anything is written (see GeneratedPaths).
 */
abstract class PipelineWorkflow<O extends WorkflowOptions> extends Component {
  constructor(project: Project, id: string, pipeline: PackagingPipeline, options: O, validate: (problems: ProblemList, path: string) => void,
    render: () => Record<string, unknown>) {
    super(project, uniqueId(project, id));
    const path = constructPath(this);
    const problems = new ProblemList();
    const clash = idProblem(id, this.node.id);
    if (clash) problems.add(path, 'id', clash);
    if (!(pipeline instanceof PackagingPipeline)) problems.add(path, 'pipeline', 'is required (the PackagingPipeline this workflow builds)');
    else if (pipeline.valid) validate(problems, path); // an invalid pipeline has reported its own problems
    const paths = GeneratedPaths.of(project);
    paths.report(problems);
    if (problems.all.length > 0 || !(pipeline instanceof PackagingPipeline) || !pipeline.valid) return;
    if (paths.claim(path, 'fileName', workflowPath(options.fileName))) new GeneratedFile(this, workflowPath(options.fileName), { render: () => renderWorkflowYaml(render()) });
  }
}

export interface ReleaseWorkflowProps extends ReleaseWorkflowOptions {
  /** The pipeline whose first stage the workflow builds and pushes. */
  readonly pipeline: PackagingPipeline;
}

/** `.github/workflows/<fileName>.yml`: on a push to the branch, build and push the first stage. */
export class ReleaseWorkflow extends PipelineWorkflow<ReleaseWorkflowOptions> {
  constructor(project: Project, id: string, props: ReleaseWorkflowProps) {
    const { pipeline, ...options } = checks.isRecord(props) ? props : ({} as ReleaseWorkflowProps);
    super(project, id, pipeline, options, (problems, path) => {
      validateWorkflowOptions(problems, path, pipeline.model, options);
      if (options.branch !== undefined) checks.check(problems, path, 'branch', options.branch, checks.branchName);
    }, () => releaseWorkflow(pipeline.model, options));
    if (pipeline instanceof PackagingPipeline) pipeline.registerWorkflow({ release: { fileName: options.fileName, branch: options.branch ?? 'master' } });
  }
}

export interface DispatchWorkflowProps extends WorkflowOptions {
  /** The pipeline the workflow builds and packages. */
  readonly pipeline: PackagingPipeline;
}

/** `.github/workflows/<fileName>.yml`: on a published release, build the package and attach it. */
export class DispatchWorkflow extends PipelineWorkflow<WorkflowOptions> {
  constructor(project: Project, id: string, props: DispatchWorkflowProps) {
    const { pipeline, ...options } = checks.isRecord(props) ? props : ({} as DispatchWorkflowProps);
    super(project, id, pipeline, options, (problems, path) => validateWorkflowOptions(problems, path, pipeline.model, options),
      () => dispatchWorkflow(pipeline.model, options));
    if (pipeline instanceof PackagingPipeline) pipeline.registerWorkflow({ dispatch: { fileName: options.fileName } });
  }
}
