import { existsSync } from 'fs';
import { join, posix } from 'path';
import { Component, FileBase, javascript, Project } from 'projen';
import { stringify } from 'yaml';
import { GeneratedFile } from './generated-file';
import { GeneratedPaths } from './generated-paths';
import { PackagingPipeline } from './packaging-pipeline';
import { constructPath, ProblemList } from '../model/model-error';
import { GENERATED_MARKER } from '../model/generated-marker';
import { dependencyStage } from '../model/python-checks';
import { dependabotConfig, DependabotSchedule, DependabotUpdate } from '../workflows/dependabot-config';
import { repoPath } from '../workflows/workflow-options';

export interface DependabotUpdatesOptions {
  /** How often Dependabot looks for updates. @default "weekly" */
  readonly interval?: 'daily' | 'weekly' | 'monthly';
  /** Days a new release must have been out before Dependabot proposes it (zizmor's dependabot-cooldown). @default 7 */
  readonly cooldownDays?: number;
}

export const DEPENDABOT_PATH = '.github/dependabot.yml';
const INTERVALS = ['daily', 'weekly', 'monthly'];

/**
 * `.github/dependabot.yml`, from what the project holds at synthesis: github-actions for every
 * folder of workflows (`.github/workflows`, an example's `<folder>/.github/workflows`), docker for every folder with a
 * Dockerfile, pip for the folder of each pipeline's dependency manifest that is in this repository
 * (not for sources elsewhere), npm for a Node project. projen's own Dependabot component writes an
 * npm entry only; this one covers every ecosystem the model uses.
 *
 * Dependabot then proposes new versions in the generated files; the update flow (docs/BUILD.md)
 * carries each into the model (the table of actions, a stage's base image), where `npx projen`
 * writes it everywhere.
 */
export class DependabotUpdates extends Component {
  constructor(project: Project, options: DependabotUpdatesOptions = {}) {
    super(project, 'DependabotUpdates');
    const problems = new ProblemList();
    const path = constructPath(this);
    const interval = options.interval ?? 'weekly';
    const cooldownDays = options.cooldownDays ?? 7;
    if (!INTERVALS.includes(interval)) problems.add(path, 'interval', `${JSON.stringify(interval)} must be one of ${INTERVALS.join(', ')}`);
    if (typeof cooldownDays !== 'number' || !Number.isInteger(cooldownDays) || cooldownDays < 1 || cooldownDays > 90) {
      problems.add(path, 'cooldownDays', `${JSON.stringify(cooldownDays)} must be a whole number of days between 1 and 90 (Dependabot's range)`);
    }
    const paths = GeneratedPaths.of(project);
    paths.report(problems);
    if (problems.all.length > 0) return;
    const schedule: DependabotSchedule = { interval, cooldownDays };
    if (paths.claim(path, 'path', DEPENDABOT_PATH)) {
      new GeneratedFile(this, DEPENDABOT_PATH, {
        render: () => `# ${GENERATED_MARKER}\n${stringify(dependabotConfig(dependabotUpdatesOf(project), schedule), { lineWidth: 0 })}`,
      });
    }
  }
}

/** A folder of the repository as Dependabot names it: "/" or "/examples/desktop-app". */
function dependabotDirectory(folder: string): string {
  const normal = posix.normalize(folder).replace(/\/$/, '');
  return normal === '.' || normal === '' ? '/' : `/${normal}`;
}

/** The ecosystems the project uses, each with its folders; an ecosystem without a folder has no entry. */
export function dependabotUpdatesOf(project: Project): DependabotUpdate[] {
  const files = project.files.filter((f): f is FileBase => f instanceof FileBase).map((f) => f.path);
  // The workflows' own folders: Dependabot reads the folder it is given (it once looked in
  // <folder>/.github/workflows instead; naming the folder itself works either way it reads it).
  const workflowFolders = files.filter((f) => /(^|\/)\.github\/workflows\/[^/]+\.ya?ml$/.test(f)).map((f) => posix.dirname(f));
  const dockerFolders = files.filter((f) => /^Dockerfile([.-][^/]*)?$/.test(posix.basename(f))).map((f) => posix.dirname(f));
  const pipFolders = project.components.filter((c): c is PackagingPipeline => c instanceof PackagingPipeline && c.valid).flatMap((pipeline) => {
    const deps = dependencyStage(pipeline.model);
    if (!deps) return [];
    const manifest = posix.basename(deps.dependencies.manifest);
    const copied = pipeline.model.stepsOf(deps.stage).flatMap((step) => (step.kind === 'copy' ? step.sources : [])).filter((s) => posix.basename(s) === manifest);
    // Only a manifest in this repository: sources elsewhere are updated in their own repository.
    return copied.map((s) => repoPath(pipeline.model, s)).filter((s) => existsSync(join(project.outdir, s))).map((s) => posix.dirname(s));
  });
  const updates: DependabotUpdate[] = [
    { ecosystem: 'github-actions', directories: workflowFolders.map(dependabotDirectory) },
    { ecosystem: 'docker', directories: dockerFolders.map(dependabotDirectory) },
    { ecosystem: 'pip', directories: pipFolders.map(dependabotDirectory) },
    { ecosystem: 'npm', directories: project instanceof javascript.NodeProject ? ['/'] : [] },
  ];
  return updates.filter((u) => u.directories.length > 0);
}
