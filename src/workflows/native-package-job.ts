import { posix } from 'path';
import { ReleasePackage } from './release-job';
import { repoPath, WorkflowStep } from './workflow-options';
import { checkoutStep, setupPythonStep, uploadArtifactStep } from './workflow-steps';
import { archiveExtension, NativePackaging, NativeTarget, runnerOf, targetName } from '../model/platform-target';
import { Pipeline } from '../model/pipeline';
import { manifestKind } from '../model/python-dependencies';
import { PyInstallerPackager } from '../packagers/pyinstaller';
import { shellCommand } from '../shell/shell-quote';

/** Where a native job builds, from the repository root: PyInstaller's output and the archive. */
export const NATIVE_BUILD_DIR = 'build/native';

/** The job id of a target, e.g. "package-windows-x64". */
export function nativeJobId(target: NativeTarget): string {
  return `package-${targetName(target)}`;
}

/** A target's package as the release job takes it, e.g. airunner-windows-x64.zip. */
export function nativeReleasePackage(pipeline: Pipeline, target: NativeTarget): ReleasePackage {
  const artifact = `${pipeline.name}-${targetName(target)}`;
  const file = `${artifact}.${archiveExtension(target.os)}`;
  return { artifact, file, checksum: `${file}.sha256` };
}

/** A bash step (on Windows too: Git Bash), so that every run: of every job is shellcheck-able bash. */
function bash(name: string, run: string, extra: Record<string, unknown> = {}): WorkflowStep {
  return { name, ...extra, shell: 'bash', run };
}

/**
 * One native package job: check out, set up Python, install the application's dependencies and
 * PyInstaller, build with PyInstaller from the packager's portable settings, run the smoke check
 * on the built executable, archive it (zip on Windows, tar.gz on macOS), write its checksum, and
 * keep both as a workflow artifact for the release job. Reads only (contents: read); needs the gate.
 */
export function nativePackageJob(pipeline: Pipeline, packaging: NativePackaging, target: NativeTarget, gateJob: string, timeoutMinutes: number): Record<string, unknown> {
  const packager = pipeline.props.packager as PyInstallerPackager; // validated: native packages are PyInstaller's
  const p = packager.props;
  const app = pipeline.name;
  const oneFile = p.mode === 'one-file';
  const dist = `${NATIVE_BUILD_DIR}/dist`;
  const exe = `${dist}/${app}/${app}${target.os === 'windows' ? '.exe' : ''}`;
  const release = nativeReleasePackage(pipeline, target);
  const manifest = repoPath(pipeline, packaging.manifest);
  const folder = posix.dirname(manifest);
  const install = manifestKind(manifest) === 'requirements.txt' ? ['--requirement', manifest] : [folder === '.' ? '.' : `./${folder}`];
  const smoke = packager.smokeCheck;
  const pyinstaller = [
    'python', '-m', 'PyInstaller', '--noconfirm', '--clean', '--name', app,
    oneFile ? '--onefile' : '--onedir', p.console === false ? '--windowed' : '--console',
    // One file: the executable goes straight into dist/<app>/, as in the Linux package.
    '--distpath', oneFile ? `${dist}/${app}` : dist, '--workpath', `${NATIVE_BUILD_DIR}/work`, '--specpath', `${NATIVE_BUILD_DIR}/work`,
    ...(p.importPaths ?? ['src']).flatMap((path) => ['--paths', repoPath(pipeline, path)]),
    ...(p.hiddenImports ?? []).flatMap((m) => ['--hidden-import', m]),
    ...(p.excludes ?? []).flatMap((m) => ['--exclude-module', m]),
    repoPath(pipeline, p.entryPoint),
  ];
  const archive = target.os === 'windows'
    ? shellCommand('python', '-m', 'zipfile', '--create', `../${release.file}`, `${app}/`)
    : shellCommand('tar', '-czf', `../${release.file}`, app);
  const steps: WorkflowStep[] = [
    checkoutStep(),
    setupPythonStep(packaging.pythonVersion),
    bash(`Install the dependencies (${packaging.manifest}) and PyInstaller ${packaging.pyinstallerVersion}`,
      shellCommand('python', '-m', 'pip', 'install', ...install, `pyinstaller==${packaging.pyinstallerVersion}`)),
    bash(`Build the ${p.mode ?? 'one-dir'} package with PyInstaller (${targetName(target)})`, shellCommand(...pyinstaller)),
    ...(smoke ? [bash(`Smoke check: ${smoke.description}`, shellCommand('python', '-c', SMOKE_PROGRAM, smoke.expectedOutput, exe, ...(smoke.arguments ?? [])),
      smoke.environment && Object.keys(smoke.environment).length > 0 ? { env: { ...smoke.environment } } : {})] : []),
    bash(`Archive the package as ${release.file}`, archive, { 'working-directory': dist }),
    bash(`Write ${release.checksum}`, shellCommand('python', '-c', CHECKSUM_PROGRAM, release.file), { 'working-directory': NATIVE_BUILD_DIR }),
    uploadArtifactStep('Keep the package as a workflow artifact', release.artifact, [`${NATIVE_BUILD_DIR}/${release.file}`, `${NATIVE_BUILD_DIR}/${release.checksum}`], 'error'),
  ];
  return {
    'name': `Build and check the ${targetName(target)} package (PyInstaller, ${runnerOf(target)})`,
    'needs': gateJob,
    'runs-on': runnerOf(target),
    'timeout-minutes': timeoutMinutes,
    'permissions': { contents: 'read' },
    'steps': steps,
  };
}

/**
 * The smoke check on a runner: run the executable with the arguments, print its output, and pass
 * only on exit status 0 with output matching the pattern (re.MULTILINE, as the Linux smoke check).
 * argv: PATTERN EXECUTABLE ARG...
 */
const SMOKE_PROGRAM = [
  'import re, subprocess, sys',
  'run = subprocess.run(sys.argv[2:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)',
  'print(run.stdout)',
  'ok = run.returncode == 0 and re.search(sys.argv[1], run.stdout, re.MULTILINE)',
  'sys.exit(0 if ok else "smoke check failed: exit status %d; the output must match /%s/" % (run.returncode, sys.argv[1]))',
].join('; ');

/** The package's checksum file in sha256sum's format, LF line end on every system. argv: FILE */
const CHECKSUM_PROGRAM = [
  'import hashlib, sys',
  'name = sys.argv[1]',
  'digest = hashlib.sha256(open(name, "rb").read()).hexdigest()',
  'open(name + ".sha256", "w", newline="\\n").write(digest + "  " + name + "\\n")',
].join('; ');
