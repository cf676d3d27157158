import { spawnSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';
import { Testing } from 'projen/lib/testing';
import { PackagingPipeline, PyInstallerPackager, StageDefinition, Step, ZipappPackager } from '../src';
import { emptyProject, REPO_ROOT } from './support/project';
import { smallBaseStage } from './support/small-pipeline';

/*
 * stage_inputs (the paths a stage needs, which require_inputs checks and the input tag hashes):
 * each path once, normalized, none inside another, so that no file is hashed twice. The example's
 * package stage copied "src/" and its zipapp read "src": both were listed.
 */

/** The lines `stage_inputs STAGE` prints, run with bash from the generated driver's own function. */
function stageInputs(driverText: string, stage: string): string[] {
  const fn = /^stage_inputs\(\) \{\n[\s\S]*?\n\}$/m.exec(driverText);
  expect(fn).not.toBeNull();
  const run = spawnSync('bash', ['-c', `${fn![0]}\nstage_inputs "$1"`, 'bash', stage], { encoding: 'utf8' });
  expect(run.status).toBe(0);
  return run.stdout.split('\n').filter((line) => line !== '');
}

const BASE: StageDefinition = smallBaseStage();

function driverOf(packageSteps: StageDefinition['steps'], packager = new ZipappPackager({ main: 'app.cli:main' }) as ZipappPackager | PyInstallerPackager): string {
  const project = emptyProject();
  new PackagingPipeline(project, 'App', {
    name: 'app',
    labelPrefix: 'org.example.build',
    stages: [BASE, { name: 'package', description: 'Sources', from: { stage: 'base' }, images: { standard: 'example/app:package', ci: 'example/app:package_ci' }, steps: packageSteps }],
    packager,
    sourcesElsewhere: true, // this test is about the listed paths, not the project's files
  });
  return (Testing.synth(project) as Record<string, string>)['bin/docker.sh'];
}

describe('stage_inputs lists each repository path once', () => {
  test('the example\'s package stage: src (copied as "src/", read by the zipapp as "src") once, and the support folder', () => {
    const driver = readFileSync(join(REPO_ROOT, 'examples/desktop-app/bin/docker.sh'), 'utf8');
    expect(stageInputs(driver, 'package')).toEqual(['src', 'package/linux']);
    expect(stageInputs(driver, 'runtime')).toEqual(['requirements.txt', 'libs']);
  });

  test('"./x", "x/" and "x" are one path; a path inside a listed folder is left out; the order is kept', () => {
    const driver = driverOf([
      Step.copy(['./lib/', 'lib', 'README.md'], '/app/'),
      Step.copy('src/app/main.py', '/app/src/app/main.py'),
      Step.copy('src/', '/app/src/'),
      Step.copy('./README.md', '/app/README.md'),
    ]);
    expect(stageInputs(driver, 'package')).toEqual(['lib', 'README.md', 'src', 'package/linux']);
  });

  test('AiRunner\'s package stage: the entry script inside src/ is covered by src', () => {
    const driver = readFileSync(join(REPO_ROOT, 'src/airunner/bin/docker.sh'), 'utf8');
    expect(stageInputs(driver, 'package')).toEqual(['src', 'package/linux']);
  });
});
