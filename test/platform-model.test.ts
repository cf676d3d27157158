import { existsSync } from 'fs';
import { join } from 'path';
import { Testing } from 'projen/lib/testing';
import { parse } from 'yaml';
import { emptyProject, modelProblems, presetProject } from './support/project';
import { addAiRunnerBuild } from '../presets/airunner';
import { addGateTasks } from '../presets/gate';
import { archiveExtension, DispatchWorkflow, NativePackaging, NATIVE_RUNNERS, PackagingPipeline, runnerOf } from '../src';

/*
 * The native package targets (src/model/platform-target.ts) on a DispatchWorkflow: defaults
 * (runners, archives), and bad input refused with one [construct/path] field: message line each,
 * with nothing written.
 */

const GOOD: NativePackaging = { targets: [{ os: 'windows', arch: 'x64' }], pythonVersion: '3.10', manifest: 'setup.py', pyinstallerVersion: '6.12.0' };

function problemsOf(nativePackages: unknown, example = false): { problems: string[]; outdir: string } {
  // presetProject has the example's sources; the workflow is added to the pipeline asked for.
  const project = presetProject();
  const pipeline = project.components.find((c): c is PackagingPipeline => c instanceof PackagingPipeline && c.model.name === (example ? 'desktop-app' : 'airunner'))!;
  new DispatchWorkflow(project, 'Native', { pipeline, fileName: 'native', registry: 'ghcr.io/o', nativePackages: nativePackages as NativePackaging });
  return { problems: modelProblems(project), outdir: project.outdir };
}

describe('defaults', () => {
  test('each system and architecture has its GitHub-hosted runner; a target may name its own', () => {
    expect(runnerOf({ os: 'windows', arch: 'x64' })).toBe('windows-2025');
    expect(runnerOf({ os: 'windows', arch: 'arm64' })).toBe('windows-11-arm');
    expect(runnerOf({ os: 'macos', arch: 'arm64' })).toBe('macos-15');
    expect(runnerOf({ os: 'macos', arch: 'x64' })).toBe('macos-15-intel');
    expect(runnerOf({ os: 'macos', arch: 'arm64', runner: 'macos-26' })).toBe('macos-26');
    expect(Object.keys(NATIVE_RUNNERS)).toEqual(['windows', 'macos']);
  });

  test('Windows packages are zips, macOS packages tar.gz', () => {
    expect([archiveExtension('windows'), archiveExtension('macos')]).toEqual(['zip', 'tar.gz']);
  });

  test('a good declaration synthesizes: one job per target, named by system and architecture, needed by the release', () => {
    const project = emptyProject();
    const gate = addGateTasks(project);
    const pipeline = addAiRunnerBuild(project, gate);
    new DispatchWorkflow(project, 'Native', { pipeline, fileName: 'native', gate, nativePackages: { ...GOOD, targets: [{ os: 'windows', arch: 'arm64' }, { os: 'macos', arch: 'x64' }] } });
    const workflow = parse((Testing.synth(project) as Record<string, string>)['.github/workflows/native.yml']) as { jobs: Record<string, { 'runs-on': string; 'needs': unknown }> };
    expect(Object.keys(workflow.jobs)).toEqual(['gate', 'package', 'package-windows-arm64', 'package-macos-x64', 'release']);
    expect(workflow.jobs['package-windows-arm64']['runs-on']).toBe('windows-11-arm');
    expect(workflow.jobs['package-macos-x64']['runs-on']).toBe('macos-15-intel');
    expect(workflow.jobs.release.needs).toEqual(['package', 'package-windows-arm64', 'package-macos-x64']);
  });
});

describe('bad input is refused with one line each, and nothing is written', () => {
  test.each<[string, unknown, string]>([
    ['not an object', 'windows', '[Native] nativePackages: must be { targets, pythonVersion, manifest, pyinstallerVersion }'],
    ['no target', { ...GOOD, targets: [] }, '[Native] nativePackages.targets: must name at least one target'],
    ['Linux as a native target', { ...GOOD, targets: [{ os: 'linux', arch: 'x64' }] }, '[Native] nativePackages.targets[0].os: "linux" must be one of windows, macos (Linux is the Docker pipeline\'s package)'],
    ['an unknown architecture', { ...GOOD, targets: [{ os: 'macos', arch: 'universal2' }] }, '[Native] nativePackages.targets[0].arch: "universal2" must be one of x64, arm64'],
    ['a target twice', { ...GOOD, targets: [{ os: 'macos', arch: 'arm64' }, { os: 'macos', arch: 'arm64' }] }, '[Native] nativePackages.targets[1]: macos-arm64 is named twice'],
    ['a runner label with a space', { ...GOOD, targets: [{ os: 'windows', arch: 'x64', runner: 'windows latest' }] }, '[Native] nativePackages.targets[0].runner: "windows latest" is not a runner label'],
    ['a Python that is not 3.Y', { ...GOOD, pythonVersion: 'latest' }, '[Native] nativePackages.pythonVersion: "latest" is not a Python version for actions/setup-python'],
    ['a manifest that is none', { ...GOOD, manifest: 'Pipfile' }, '[Native] nativePackages.manifest: "Pipfile" is not a dependency manifest'],
    ['a manifest outside the repository', { ...GOOD, manifest: '../requirements.txt' }, '[Native] nativePackages.manifest: "../requirements.txt" escapes the repository'],
    ['a PyInstaller version that is a range', { ...GOOD, pyinstallerVersion: '>=6' }, '[Native] nativePackages.pyinstallerVersion: ">=6" is not a release number'],
  ])('%s', (_, value, message) => {
    const { problems, outdir } = problemsOf(value);
    expect(problems.join('\n')).toContain(message);
    expect(existsSync(join(outdir, '.github/workflows/native.yml'))).toBe(false);
  });

  test('a packager that is not PyInstaller (the example\'s zipapp) is refused', () => {
    expect(problemsOf({ ...GOOD, manifest: 'requirements.txt' }, true).problems.join('\n'))
      .toContain('[Native] nativePackages: native packages are built with PyInstaller, but desktop-app\'s packager is zipapp');
  });

  test('a manifest that is not in the pipeline\'s folder is refused (sources in this repository)', () => {
    expect(problemsOf({ ...GOOD, manifest: 'requirements-missing.txt' }, true).problems.join('\n'))
      .toContain('[Native] nativePackages.manifest: "requirements-missing.txt" is not in examples/desktop-app/');
  });
});
