import { posix } from 'path';
import { Component, Project } from 'projen';
import {
  BuildDocumentation, BuildDriverScript, Dockerignore, EnvExample, PackageScript, StageDockerfile, ValidationScript,
} from './pipeline-files';
import { PreflightProgram } from './preflight-file';
import { Pipeline, PipelineProps } from '../model/pipeline';
import { DocumentedWorkflows } from '../docs/build-doc';

export interface PackagingPipelineProps extends PipelineProps {
  /** More `.dockerignore` entries for this pipeline's build context. @default [] */
  readonly dockerignore?: readonly string[];
}

/**
 * A packaging pipeline in a projen project: it validates the model before anything is written,
 * and places each generated file (Dockerfiles, scripts, docs) in the project.
 * Text is made by the renderers in src/dockerfile, src/shell, src/docs; this class only places it.
 */
export class PackagingPipeline extends Component {
  public readonly model: Pipeline;
  public readonly props: PackagingPipelineProps;
  private documentedWorkflows: DocumentedWorkflows = {};
  private readonly validators: Array<() => void> = [];

  constructor(project: Project, id: string, props: PackagingPipelineProps) {
    super(project, id);
    this.props = props;
    this.model = new Pipeline(this, props);
    for (const stage of this.model.stages) new StageDockerfile(this, stage);
    new Dockerignore(this);
    new EnvExample(this);
    new BuildDriverScript(this);
    new PackageScript(this);
    new ValidationScript(this);
    new BuildDocumentation(this);
    new PreflightProgram(this);
  }

  /** A path of this pipeline (relative to its root) as a path of the project. */
  public projectPath(path: string): string {
    return posix.normalize(posix.join(this.model.root, path));
  }

  /** The workflows that build this pipeline, for its documentation. */
  public get workflows(): DocumentedWorkflows {
    return this.documentedWorkflows;
  }

  /** Called by the workflow constructs: their part of the docs, and their own validation. */
  public registerWorkflow(info: DocumentedWorkflows, validate: () => void): void {
    this.documentedWorkflows = { ...this.documentedWorkflows, ...info };
    this.validators.push(validate);
  }

  /** Validation before anything is written: projen calls every preSynthesize before any synthesize. */
  public preSynthesize(): void {
    this.model.validate();
    for (const validate of this.validators) validate();
  }
}
