import { posix } from 'path';
import { ImageStage } from './image-stage';
import { constructPath, ProblemList } from './model-error';
import type { Pipeline } from './pipeline';
import { manifestKind } from './python-dependencies';
import { CopyStep } from './stage-step';

/** What is at a path of the repository: a file, a folder, or nothing. */
export type RepositoryEntry = 'file' | 'folder' | undefined;

/**
 * What the synthesis checks may ask about the repository. Paths are relative to the pipeline
 * root; the model itself never reads the file system (the projen component answers).
 */
export interface RepositoryView {
  /** What is at the path ("file", "folder"), or undefined when nothing is there. */
  entryAt(relativePath: string): RepositoryEntry;
  /** The text of a file (the requirements file, for its local paths), or undefined when it cannot be read. */
  readText(relativePath: string): string | undefined;
}

/** "src/", "./src" and "src" are one path; "." is the root. */
function normalized(path: string): string {
  return posix.normalize(path).replace(/\/+$/, '') || '.';
}

/** Where the repository is, for messages: "the project root" or the root folder. */
function rootName(root: string): string {
  return root === '.' ? 'the project root' : root;
}

const ELSEWHERE = 'or set sourcesElsewhere: true on the pipeline when its sources live in another repository';

/**
 * Every source of a stage's copy steps must be in the repository: a missing one would fail only
 * when that stage builds, after the earlier stages have. (The copy of the generated support folder
 * into the package stage is not a step of the model, and is not checked.) Copy sources are literal
 * paths, never patterns (the model refuses "*", "?", "[", "{"), so each names one file or folder.
 */
export function checkCopySources(problems: ProblemList, pipeline: Pipeline, repository: RepositoryView): void {
  for (const stage of pipeline.stages) {
    (stage.props.steps ?? []).forEach((step, i) => {
      if (step.kind !== 'copy') return;
      step.sources.forEach((source, j) => {
        const entry = repository.entryAt(normalized(source));
        const field = `steps[${i}].sources[${j}]`;
        if (entry === undefined) {
          problems.add(constructPath(stage), field,
            `"${source}" is not in the repository: nothing at ${posix.join(pipeline.root, normalized(source))}; add it, fix the path, ${ELSEWHERE}`);
        } else if (entry === 'file' && source.endsWith('/')) {
          problems.add(constructPath(stage), field, `"${source}" ends with "/" (a folder), but ${posix.join(pipeline.root, normalized(source))} is a file; remove the "/"`);
        }
      });
    });
  }
}

/** Where a path of the image comes from: a repository path and the copy step, or why it is not known. */
type Origin =
  | { readonly kind: 'copied'; readonly repositoryPath: string; readonly stage: ImageStage; readonly step: number }
  | { readonly kind: 'missing-source' }
  | { readonly kind: 'not-copied' };

/**
 * Which repository path the copy steps of `stage` and of the stages it is built FROM put at
 * `imagePath` (absolute, normalized), by Docker's rules: a folder's contents go into the
 * destination; a file goes to the destination, or into it when it ends with "/" or the step has
 * several sources. The last copy wins. A missing source that could have put it there gives
 * "missing-source" (that source is reported already); a folder copied over the path's folder
 * without the file gives the file it would have come from.
 */
function originOf(pipeline: Pipeline, stage: ImageStage, imagePath: string, repository: RepositoryView): Origin {
  const copies = pipeline.chainOf(stage).flatMap((s) => (s.props.steps ?? [])
    .map((step, index) => ({ s, step, index }))
    .filter((c): c is { s: ImageStage; step: CopyStep; index: number } => c.step.kind === 'copy'));
  // A folder copied where the path would be, but without the file: the message names that file.
  let expected: Origin | undefined;
  for (const { s, step, index } of copies.reverse()) {
    const destination = posix.normalize(step.destination).replace(/\/+$/, '') || '/';
    const intoFolder = step.destination.endsWith('/') || step.sources.length > 1;
    for (const source of [...step.sources].reverse()) {
      const path = normalized(source);
      const entry = repository.entryAt(path);
      const asFile = intoFolder ? posix.join(destination, posix.basename(path)) : destination;
      // The path relative to the destination folder ("" for the folder itself), when it is in it.
      const inside = imagePath === destination ? ''
        : imagePath.startsWith(`${destination === '/' ? '' : destination}/`) ? imagePath.slice(destination === '/' ? 1 : destination.length + 1) : undefined;
      if (entry === undefined && (asFile === imagePath || inside !== undefined)) return { kind: 'missing-source' };
      if (entry === 'file' && asFile === imagePath) return { kind: 'copied', repositoryPath: path, stage: s, step: index };
      if (entry === 'folder' && inside !== undefined) {
        const repositoryPath = inside === '' ? path : path === '.' ? inside : `${path}/${inside}`;
        const origin: Origin = { kind: 'copied', repositoryPath, stage: s, step: index };
        // A folder copies only what it holds: an earlier copy may still bring the path.
        if (repository.entryAt(repositoryPath) !== undefined) return origin;
        expected ??= origin;
      }
    }
  }
  return expected ?? { kind: 'not-copied' };
}

/**
 * The dependency manifest (`pythonDependencies.manifest`, relative to the stage's working
 * directory) must be a file the stage's copy steps bring from the repository: a manifest that is
 * not copied, or that is missing in the repository, fails the install.
 */
export function checkManifestSource(problems: ProblemList, pipeline: Pipeline, repository: RepositoryView): void {
  const stage = pipeline.stages.find((s) => s.props.pythonDependencies !== undefined);
  const workdir = stage && pipeline.workdirOf(stage);
  if (!stage || workdir === undefined) return;
  const manifest = stage.props.pythonDependencies!.manifest;
  const imagePath = posix.join(workdir, manifest);
  const origin = originOf(pipeline, stage, imagePath, repository);
  const field = 'pythonDependencies.manifest';
  if (origin.kind === 'missing-source') return;
  if (origin.kind === 'not-copied') {
    problems.add(constructPath(stage), field,
      `no copy step of stage "${stage.name}" or of the stages it is built FROM puts "${manifest}" in ${workdir} (at ${imagePath}); copy it from the repository with a copy step`);
    return;
  }
  if (repository.entryAt(origin.repositoryPath) !== 'file') {
    problems.add(constructPath(stage), field,
      `"${manifest}" would come from ${posix.join(pipeline.root, origin.repositoryPath)} (steps[${origin.step}] of stage "${origin.stage.name}"), which is not a file in ${rootName(pipeline.root)}; add it, fix the manifest path, ${ELSEWHERE}`);
    return;
  }
  if (manifestKind(manifest) !== 'requirements.txt') return;
  const text = repository.readText(origin.repositoryPath);
  if (text === undefined) return;
  for (const { line, number, local } of localRequirements(text)) {
    // pip resolves a relative path from the folder the install runs in: the working directory.
    const target = posix.normalize(posix.isAbsolute(local) ? local : posix.join(workdir, local)).replace(/\/+$/, '') || '/';
    const from = originOf(pipeline, stage, target, repository);
    const what = `line ${number} of ${origin.repositoryPath} installs the local path "${line}"`;
    if (from.kind === 'not-copied') {
      problems.add(constructPath(stage), field, `${what}, but no copy step of stage "${stage.name}" or of the stages it is built FROM puts anything at ${target}; copy it with a copy step, or fix the line`);
    } else if (from.kind === 'copied' && repository.entryAt(from.repositoryPath) === undefined) {
      problems.add(constructPath(stage), field,
        `${what}, which would come from ${posix.join(pipeline.root, from.repositoryPath)} (steps[${from.step}] of stage "${from.stage.name}"), missing in ${rootName(pipeline.root)}; add it, fix the line, ${ELSEWHERE}`);
    }
  }
}

const EDITABLE = /^(?:-e|--editable)(?:\s+|=)(\S+)$/;
const DIRECT_REFERENCE = /^[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\])?\s*@\s*(\S+)/;

/**
 * The local paths a requirements file installs from, as pip reads it (and as the preflight does):
 * continuation lines joined, comments dropped; a path is `./x`, `../x`, `/x`, `x/y`, an archive
 * (`.whl`, `.tar.gz`, `.zip`), `file:x`, after `-e`, or after `name @`. URLs, options and
 * included files (`-r`, `-c`) are not local paths here.
 */
export function localRequirements(text: string): Array<{ line: string; number: number; local: string }> {
  const found: Array<{ line: string; number: number; local: string }> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const number = i + 1;
    let line = lines[i];
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i];
    line = line.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') continue;
    let target = EDITABLE.exec(line)?.[1] ?? line;
    target = DIRECT_REFERENCE.exec(target)?.[1] ?? target;
    if (target.startsWith('file:')) target = target.replace(/^file:(\/\/)?/, '');
    else if (target.startsWith('-') || target.includes('://')) continue;
    else if (!(/^[./]/.test(target) || target.includes('/') || /\.(whl|tar\.gz|zip)$/.test(target))) continue;
    const local = target.split(';')[0].trim();
    if (local !== '') found.push({ line, number, local });
  }
  return found;
}
