import { readFileSync, statSync } from 'fs';
import { join, posix } from 'path';
import { Component, javascript, Project } from 'projen';
import { GeneratedFile, GeneratedFileOptions } from './generated-file';
import { GeneratedPaths } from './generated-paths';
import { idProblem, uniqueId } from './unique-id';
import {
  BuildDocumentation, BuildDriverScript, Dockerignore, EnvExample, PackageScript, PreflightProgram, StageDockerfile, ValidationScript,
} from './pipeline-files';
import * as checks from '../model/checks';
import { constructPath, ProblemList } from '../model/model-error';
import { Pipeline, PipelineProps } from '../model/pipeline';
import { RepositoryView } from '../model/repository-sources';
import { DocumentedWorkflows } from '../docs/workflow-doc';
import { VALIDATION_RESULTS_LOG } from '../shell/validation-script';

export interface PackagingPipelineProps extends PipelineProps {
  /** More `.dockerignore` entries for this pipeline's build context, one pattern each. @default [] */
  readonly dockerignore?: readonly string[];
}

/**
 * A packaging pipeline in a projen project: it validates the model when it is constructed, and
 * places each generated file (Dockerfiles, scripts, docs) in the project only when the model is
 * valid and the file's path is free. The problems are thrown in preSynthesize, before anything is
 * written (see GeneratedPaths). Text is made by the renderers in src/dockerfile, src/shell,
 * src/docs; this class only places it.
 */
export class PackagingPipeline extends Component {
  public readonly model: Pipeline;
  public readonly props: PackagingPipelineProps;
  /** Whether the model has no problem (then its files are placed, and workflows may use it). */
  public readonly valid: boolean;
  private documentedWorkflows: DocumentedWorkflows = {};
  private readonly paths: GeneratedPaths;

  constructor(project: Project, id: string, props: PackagingPipelineProps) {
    super(project, uniqueId(project, id));
    this.props = checks.isRecord(props) ? props : ({} as PackagingPipelineProps);
    this.paths = GeneratedPaths.of(project);
    this.model = new Pipeline(this, this.props);
    const problems = new ProblemList();
    const clash = idProblem(id, this.node.id);
    if (clash) problems.add(constructPath(this), 'id', clash);
    this.model.check(problems);
    // The entry of the package must be in the repository; checked once the model itself is valid.
    if (problems.all.length === 0) this.model.checkSources(problems, repositoryAt(join(project.outdir, this.model.root)));
    checks.listOf(problems, constructPath(this), 'dockerignore', this.props.dockerignore)
      .forEach((entry, i) => checks.check(problems, constructPath(this), `dockerignore[${i}]`, entry, checks.nonEmpty, checks.trimmed, notAComment));
    this.paths.report(problems);
    this.valid = problems.all.length === 0 && this.paths.claimRoot(constructPath(this), this.model.root);
    if (!this.valid) return; // an invalid model places no file: rendering it could only crash or mislead
    if (this.model.sourcesElsewhere) {
      project.logger.warn(`[${constructPath(this)}] sourcesElsewhere: the sources are in another repository, so the copy sources, the dependency manifest and the packager's entry are not checked at synthesis; the preflight checks them before every build`);
    }
    for (const stage of this.model.stages) new StageDockerfile(this, stage);
    new Dockerignore(this);
    new EnvExample(this);
    new BuildDriverScript(this);
    new PackageScript(this);
    new ValidationScript(this);
    new BuildDocumentation(this);
    new PreflightProgram(this);
    this.ignoreOutputs(project);
  }

  /** A path of this pipeline (relative to its root) as a path of the project. */
  public projectPath(path: string): string {
    return posix.normalize(posix.join(this.model.root, path));
  }

  /**
   * Places a generated file at `path` (relative to the pipeline root) when the path is free;
   * otherwise the conflict is reported under `field`, the model field that decides the path.
   */
  public placeFile(scope: Component, field: string, path: string, options: GeneratedFileOptions): void {
    const projectPath = this.projectPath(path);
    if (this.paths.claim(constructPath(this), field, projectPath)) new GeneratedFile(scope, projectPath, options);
  }

  /**
   * What the driver and the validation script write under the pipeline root (outputs, logs, the
   * local `.env`) stays out of the project's git tree and out of its npm package.
   */
  private ignoreOutputs(project: Project): void {
    const patterns = PIPELINE_OUTPUTS.map((entry) => `/${this.projectPath(entry)}`);
    project.gitignore.exclude(...patterns);
    if (project instanceof javascript.NodeProject) project.npmignore?.exclude(...patterns);
  }

  /** The workflows that build this pipeline, for its documentation. */
  public get workflows(): DocumentedWorkflows {
    return this.documentedWorkflows;
  }

  /** Called by the workflow constructs: their part of the docs. */
  public registerWorkflow(info: DocumentedWorkflows): void {
    this.documentedWorkflows = { ...this.documentedWorkflows, ...info };
  }
}

/** What a pipeline writes under its root when it runs, relative to the root (folders end in "/"). */
export const PIPELINE_OUTPUTS: readonly string[] = ['dist/', 'build/', '.env', VALIDATION_RESULTS_LOG];

/** The repository under `root` as the model's synthesis checks see it (a link counts as what it points to). */
function repositoryAt(root: string): RepositoryView {
  return {
    readText(relativePath: string) {
      try {
        return readFileSync(join(root, relativePath), 'utf8');
      } catch {
        return undefined;
      }
    },
    entryAt(relativePath: string) {
      try {
        return statSync(join(root, relativePath)).isDirectory() ? 'folder' : 'file';
      } catch {
        return undefined; // missing, or a path through a file (ENOTDIR)
      }
    },
  };
}

function notAComment(value: string): string | undefined {
  return value.startsWith('#') ? `${checks.show(value)} starts with "#", which makes it a comment, not an entry` : undefined;
}
