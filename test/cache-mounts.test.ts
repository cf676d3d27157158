import { spawnSync } from 'child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { DockerfileParser } from 'dockerfile-ast';
import { Testing } from 'projen/lib/testing';
import { PackagingPipeline, PyInstallerPackager, StageDefinition } from '../src';
import { AIRUNNER_STAGES } from '../presets/airunner';
import { lintDockerfile } from './support/linters';
import { emptyProject } from './support/project';
import { DRIVER_EXIT_CODES } from '../src/shell/exit-codes';

/* BuildKit cache mounts: optional, off by default, and refused by the driver with the legacy builder. */

function synth(buildKitCacheMounts: boolean): Record<string, string> {
  const project = emptyProject();
  new PackagingPipeline(project, 'AiRunner', {
    name: 'airunner',
    labelPrefix: 'com.example.airunner',
    stages: AIRUNNER_STAGES as StageDefinition[],
    packager: new PyInstallerPackager({ entryPoint: 'src/airunner/main.py' }),
    sourcesElsewhere: true, // AiRunner's sources are not in this test's project
    buildKitCacheMounts,
  });
  return Testing.synth(project) as Record<string, string>;
}

function runFlags(dockerfile: string): string[][] {
  return DockerfileParser.parse(dockerfile).getInstructions()
    .filter((i) => i.getKeyword() === 'RUN')
    .map((i) => (i as unknown as { getFlags(): Array<{ getName(): string; getValue(): string | null }> }).getFlags().map((f) => `${f.getName()}=${f.getValue()}`));
}

test('off by default: no RUN has a --mount flag', () => {
  const files = synth(false);
  for (const stage of ['base', 'runtime', 'package']) {
    expect(runFlags(files[`package/linux/Dockerfile.${stage}`]).flat()).toEqual([]);
  }
});

test('on: the run steps that declare cache directories get cache mounts, and the Dockerfile lints clean', () => {
  const runtime = synth(true)['package/linux/Dockerfile.runtime'];
  expect(runFlags(runtime)).toEqual([
    ['mount=type=cache,target=/home/appuser/.cache/pip,uid=1000,gid=1000'],
    [],
  ]);
  expect(lintDockerfile(runtime, 'Dockerfile.runtime')).toEqual([]);
});

test('on: the driver refuses the legacy builder with a one-line error saying what to do', () => {
  const dir = mkdtempSync(join(tmpdir(), 'staged-build-cache-'));
  const driver = join(dir, 'docker.sh');
  writeFileSync(driver, synth(true)['bin/docker.sh']);
  chmodSync(driver, 0o755);
  const legacy = spawnSync(driver, ['--ci', '--dry-run', 'build'], { encoding: 'utf8', env: { ...process.env, DOCKER_BUILDKIT: '0' } });
  expect(legacy.status).toBe(DRIVER_EXIT_CODES.prerequisite.code);
  expect(legacy.stderr.trim()).toBe("./bin/docker.sh: error: the airunner Dockerfiles use BuildKit cache mounts, which the legacy builder cannot build; set DOCKER_BUILDKIT=1 with a client that has BuildKit (DOCKER=/usr/bin/docker)");
  const buildkit = spawnSync(driver, ['--ci', '--dry-run', 'build'], { encoding: 'utf8', env: { ...process.env, DOCKER_BUILDKIT: '1' } });
  expect(buildkit.status).toBe(0);
});
