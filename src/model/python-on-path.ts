import * as checks from './checks';
import { ImageStage } from './image-stage';
import { constructPath, ProblemList } from './model-error';
import type { Pipeline } from './pipeline';

/**
 * Debian/Ubuntu packages that put the full `python3` command on PATH: `python3` and the
 * versioned `python3.<minor>` (e.g. Ubuntu 22.04's `python3.10`), and `python3-full`. Not
 * `python3-minimal`: its interpreter lacks most of the standard library (zipapp among it).
 */
const PYTHON_PACKAGE = /^python3(\.[0-9]+)?$|^python3-full$/;

/** The official Python images (`python:3.12-slim`, `docker.io/library/python:3.12`) have python3 on PATH. */
const PYTHON_IMAGE = /^(?:(?:docker\.io|index\.docker\.io|registry-1\.docker\.io)\/)?(?:library\/)?python(?::[^/]*)?(?:@.*)?$/;

/**
 * How the model knows that a stage has Python on PATH: the stage or a stage it is built FROM
 * (following `from`)
 * 1. declares `python: { version }` (the stage installs that Python), or
 * 2. installs a package in `systemPackages` that provides `python3`: `python3`, `python3.<minor>`
 *    or `python3-full`, or
 * 3. is the first stage, built FROM an official Python image (`python:<tag>`).
 * Run steps are not read: a stage whose run step installs Python (a PPA, pyenv, a build from
 * source) declares it with `python: { version }`. Returns the stage that provides it, if any.
 */
export function pythonProvider(pipeline: Pipeline, stage: ImageStage): ImageStage | undefined {
  return pipeline.chainOf(stage).reverse().find((s) => {
    if (s.props.python !== undefined) return true;
    const packages: unknown = s.props.systemPackages;
    if (Array.isArray(packages) && packages.some((p) => typeof p === 'string' && PYTHON_PACKAGE.test(p))) return true;
    return s.baseImage !== undefined && PYTHON_IMAGE.test(s.baseImage);
  });
}

/**
 * A packager that runs `python3` (zipapp, PyInstaller) needs Python on PATH in the package
 * stage, by the rule of `pythonProvider`; without it the package step fails only after every
 * stage has been built. The pipeline checks it only when the rest of the model is valid (a broken
 * stage list, FROM chain or package list would make it a follow-on error).
 */
export function checkPythonOnPath(problems: ProblemList, pipeline: Pipeline): void {
  const packager: unknown = pipeline.props.packager;
  if (!checks.isRecord(packager) || packager.requiresPython !== true || pipeline.stages.length < 2) return;
  const stage = pipeline.packageStage;
  if (!pipeline.chainIsWhole(stage) || pythonProvider(pipeline, stage)) return;
  const chain = pipeline.chainOf(stage).map((s) => s.name).join(', ');
  problems.add(constructPath(stage), 'python',
    `the ${String(packager.name)} packager runs python3 in this stage, but no stage of ${chain} has Python on PATH; `
    + 'add "python3" to the systemPackages of the first stage, build it FROM a python image, or declare python: { version: "3.x.y" } on the stage whose run step installs Python');
}
