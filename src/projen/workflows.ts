import { existsSync } from 'fs';
import { join } from 'path';
import { Component, Project, javascript } from 'projen';
import { Document, isScalar, visit } from 'yaml';
import { GeneratedFile } from './generated-file';
import { GeneratedPaths } from './generated-paths';
import { PackagingPipeline } from './packaging-pipeline';
import { idProblem, uniqueId } from './unique-id';
import * as checks from '../model/checks';
import { GENERATED_MARKER } from '../model/generated-marker';
import { constructPath, ProblemList } from '../model/model-error';
import { validateNativePackaging } from '../model/platform-target';
import { PyInstallerPackager } from '../packagers/pyinstaller';
import { pinnedActionOf } from '../workflows/actions';
import { dispatchWorkflow, DispatchWorkflowOptions } from '../workflows/dispatch-workflow';
import { branchStages, releaseStages } from '../workflows/published-stages';
import { WorkflowGate } from '../workflows/gate-job';
import { releaseWorkflow, ReleaseWorkflowOptions } from '../workflows/release-workflow';
import {
  DEFAULT_GATE_TASKS, DEFAULT_GATE_TIMEOUT_MINUTES, publishRegistryOf, validateWorkflowOptions, WorkflowOptions, workflowPath,
} from '../workflows/workflow-options';

/**
 * A workflow object as YAML text, with the generated marker first. Every `uses:` must be an action
 * of the one table (src/workflows/actions.ts), pinned by its SHA; it gets its version as a comment
 * (`uses: actions/checkout@3d3c42e5... # v7.0.1`), the form Dependabot updates SHA and comment in.
 */
export function renderWorkflowYaml(workflow: Record<string, unknown>): string {
  const document = new Document(workflow, { aliasDuplicateObjects: false });
  visit(document, {
    Pair(_, pair) {
      if (!isScalar(pair.key) || pair.key.value !== 'uses' || !isScalar(pair.value)) return;
      const uses = String(pair.value.value);
      const action = pinnedActionOf(uses);
      if (!action) throw new Error(`uses: ${uses} is not an action of the table (src/workflows/actions.ts): every action is pinned by the SHA there`);
      pair.value.comment = ` ${action.version}`;
    },
  });
  return `# ${GENERATED_MARKER}\n${document.toString({ lineWidth: 0 })}`;
}

/**
 * The gate of `options`, resolved against the project: its tasks (default: "test"), the Node.js
 * version (default: the major of a Node project's minNodeVersion) and the project's frozen install
 * command (a Node project's own, e.g. "npm ci").
 */
export function resolveGate(project: Project, options: WorkflowOptions): WorkflowGate {
  const node = project instanceof javascript.NodeProject ? project : undefined;
  const minimum = node?.package.minNodeVersion;
  return {
    tasks: options.gate?.tasks ?? DEFAULT_GATE_TASKS,
    nodeVersion: options.gate?.nodeVersion ?? (minimum ? `${minimum.split('.')[0]}.x` : 'lts/*'),
    installCommand: node?.package.installCommand ?? 'npm ci',
    timeoutMinutes: options.gate?.timeoutMinutes ?? DEFAULT_GATE_TIMEOUT_MINUTES,
  };
}

/**
 * What the two workflow constructs share: validation at construction (with the pipeline's own
 * problems, the pipeline must be valid), a free path, then the file. Problems are thrown in
 * preSynthesize, before anything is written (see GeneratedPaths). The gate's tasks are checked
 * in preSynthesize too, when every task of the project has been added.
 */
abstract class PipelineWorkflow<O extends WorkflowOptions> extends Component {
  private readonly gateTasks: readonly string[];

  constructor(project: Project, id: string, pipeline: PackagingPipeline, options: O, validate: (problems: ProblemList, path: string) => void,
    render: (gate: WorkflowGate) => Record<string, unknown>) {
    super(project, uniqueId(project, id));
    const path = constructPath(this);
    const problems = new ProblemList();
    const clash = idProblem(id, this.node.id);
    if (clash) problems.add(path, 'id', clash);
    if (!(pipeline instanceof PackagingPipeline)) problems.add(path, 'pipeline', 'is required (the PackagingPipeline this workflow builds)');
    else if (pipeline.valid) validate(problems, path); // an invalid pipeline has reported its own problems
    const paths = GeneratedPaths.of(project);
    paths.report(problems);
    this.gateTasks = problems.all.length === 0 ? resolveGate(project, options).tasks : [];
    if (problems.all.length > 0 || !(pipeline instanceof PackagingPipeline) || !pipeline.valid) return;
    const file = workflowPath(options);
    if (paths.claim(path, options.directory === undefined ? 'fileName' : 'directory', file)) {
      new GeneratedFile(this, file, { render: () => renderWorkflowYaml(render(resolveGate(project, options))) });
    }
  }

  /** Every gate task must be a task of the project: a gate naming a missing task would fail only on GitHub. */
  public preSynthesize(): void {
    const problems = new ProblemList();
    this.gateTasks.forEach((task, i) => {
      if (!this.project.tasks.tryFind(task)) {
        const known = this.project.tasks.all.map((t) => t.name).sort().join(', ');
        problems.add(constructPath(this), `gate.tasks[${i}]`, `the project has no task "${task}" (its tasks: ${known}); add it with project.addTask("${task}", ...) or name another`);
      }
    });
    problems.throwIfAny();
  }
}

export interface ReleaseWorkflowProps extends ReleaseWorkflowOptions {
  /** The pipeline whose first stage the workflow builds and pushes. */
  readonly pipeline: PackagingPipeline;
}

/** `.github/workflows/<fileName>.yml`: on a push to the branch, the gate, then build and push the first stage. */
export class ReleaseWorkflow extends PipelineWorkflow<ReleaseWorkflowOptions> {
  constructor(project: Project, id: string, props: ReleaseWorkflowProps) {
    const { pipeline, ...options } = checks.isRecord(props) ? props : ({} as ReleaseWorkflowProps);
    super(project, id, pipeline, options, (problems, path) => {
      validateWorkflowOptions(problems, path, pipeline.model, options);
      if (options.branch !== undefined) checks.check(problems, path, 'branch', options.branch, checks.branchName);
      if (branchStages(pipeline.model).length === 0) {
        problems.add(path, 'pipeline', `no stage of ${pipeline.model.name} is marked publish: "branch", so this workflow would publish nothing; mark the first stage (the base) with publish: "branch"`);
      }
    }, (gate) => releaseWorkflow(pipeline.model, options, gate));
    if (pipeline instanceof PackagingPipeline && pipeline.valid) {
      pipeline.registerWorkflow({
        release: { path: workflowPath(options), branch: options.branch ?? 'master', registry: publishRegistryOf(pipeline.model, options) ?? '', gate: resolveGate(project, options), platforms: options.platforms, runner: options.runner, attestImages: options.attestImages },
      });
    }
  }
}

export interface DispatchWorkflowProps extends DispatchWorkflowOptions {
  /** The pipeline the workflow builds and packages. */
  readonly pipeline: PackagingPipeline;
}

/** `.github/workflows/<fileName>.yml`: on a published release, the gate, then build, check and attach the package. */
export class DispatchWorkflow extends PipelineWorkflow<DispatchWorkflowOptions> {
  constructor(project: Project, id: string, props: DispatchWorkflowProps) {
    const { pipeline, ...options } = checks.isRecord(props) ? props : ({} as DispatchWorkflowProps);
    super(project, id, pipeline, options, (problems, path) => {
      validateWorkflowOptions(problems, path, pipeline.model, options);
      if (options.attestImages === true && releaseStages(pipeline.model).length === 0) {
        problems.add(path, 'attestImages', `no stage of ${pipeline.model.name} is marked publish: "release", so this workflow pushes no image to attest; mark the runtime stage with publish: "release" or leave attestImages out`);
      }
      if (options.nativePackages === undefined) return;
      validateNativePackaging(problems, path, 'nativePackages', options.nativePackages);
      if (!(pipeline.model.props.packager instanceof PyInstallerPackager)) {
        problems.add(path, 'nativePackages', `native packages are built with PyInstaller, but ${pipeline.model.name}'s packager is ${pipeline.model.props.packager.name}; use a PyInstallerPackager or leave nativePackages out`);
      }
      const manifest = options.nativePackages.manifest;
      if (typeof manifest === 'string' && !pipeline.model.sourcesElsewhere && !existsSync(join(project.outdir, pipeline.model.root, manifest))) {
        problems.add(path, 'nativePackages.manifest', `${JSON.stringify(manifest)} is not in ${pipeline.model.root}/ (the native jobs install from it); add the file or name the one you have`);
      }
    }, (gate) => dispatchWorkflow(pipeline.model, options, gate));
    if (pipeline instanceof PackagingPipeline && pipeline.valid) {
      pipeline.registerWorkflow({ dispatch: { path: workflowPath(options), registry: publishRegistryOf(pipeline.model, options) ?? '', gate: resolveGate(project, options), native: options.nativePackages, attestImages: options.attestImages, platforms: options.platforms, runner: options.runner } });
    }
  }
}
