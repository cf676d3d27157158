import { spawnSync } from 'child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { DockerfileParser } from 'dockerfile-ast';
import { Testing } from 'projen/lib/testing';
import { PackagingPipeline, PyInstallerPackager, StageDefinition } from '../src';
import { AIRUNNER_STAGES } from '../presets/airunner';
import { DESKTOP_APP_STAGES } from '../presets/desktop-app';
import { lintDockerfile } from './support/linters';
import { emptyProject, synthPresets } from './support/project';

/*
 * BuildKit cache mounts: one model, two renderings of a stage's Dockerfile. Dockerfile.<stage>
 * (any builder) has no mount, and its steps leave no cache in their layers;
 * Dockerfile.<stage>.buildkit mounts apt's and pip's caches. The driver picks one per builder.
 */

function synth(buildKitCacheMounts?: boolean): Record<string, string> {
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

interface RunStep { flags: string[]; command: string }

/** Each RUN of a Dockerfile: its flags (name=value) and its command, continuation lines joined. */
function runSteps(dockerfile: string): RunStep[] {
  return DockerfileParser.parse(dockerfile).getInstructions()
    .filter((i) => i.getKeyword() === 'RUN')
    .map((i) => {
      const flags = (i as unknown as { getFlags(): Array<{ getName(): string; getValue(): string | null }> }).getFlags();
      const args = i.getArguments().map((a) => a.getValue());
      return { flags: flags.map((f) => `${f.getName()}=${f.getValue()}`), command: args.filter((a) => !a.startsWith('--mount=')).join(' ') };
    });
}

const APT_MOUNTS = ['mount=type=cache,target=/var/cache/apt,sharing=locked', 'mount=type=cache,target=/var/lib/apt,sharing=locked'];

describe('the example (the presets): two renderings of base and runtime', () => {
  const files = synthPresets();
  const dir = 'examples/desktop-app/package/linux';

  test('base, BuildKit: apt runs with its cache and lists mounted (sharing=locked), docker-clean removed, nothing deleted afterwards', () => {
    const [apt] = runSteps(files[`${dir}/Dockerfile.base.buildkit`]);
    expect(apt.flags).toEqual(APT_MOUNTS);
    expect(apt.command).toMatch(/^rm -f \/etc\/apt\/apt\.conf\.d\/docker-clean && apt-get update && apt-get install /);
    expect(apt.command).not.toMatch(/apt-get clean|\/var\/lib\/apt\/lists/);
  });

  test('base, plain: no mount; the lists and the downloaded packages are removed in the same step', () => {
    const [apt] = runSteps(files[`${dir}/Dockerfile.base`]);
    expect(apt.flags).toEqual([]);
    expect(apt.command).toMatch(/&& apt-get clean && rm -rf \/var\/lib\/apt\/lists\/\*$/);
  });

  test('runtime, BuildKit: pip\'s cache is a mount owned by the image user\'s IDs, and pip gets no --no-cache-dir', () => {
    const [pip] = runSteps(files[`${dir}/Dockerfile.runtime.buildkit`]);
    expect(pip.flags).toEqual(['mount=type=cache,target=/home/appuser/.cache/pip,uid=1000,gid=1000']);
    expect(pip.command).toContain('--cache-dir /home/appuser/.cache/pip');
    expect(pip.command).not.toContain('--no-cache-dir');
    expect(pip.command).not.toContain('rm -rf');
  });

  test('runtime, plain: no mount; the step empties pip\'s cache before its layer is written', () => {
    const [pip] = runSteps(files[`${dir}/Dockerfile.runtime`]);
    expect(pip.flags).toEqual([]);
    expect(pip.command).toMatch(/ && rm -rf \/home\/appuser\/\.cache\/pip$/);
  });

  test('the two renderings differ only in their RUN steps and the header comment', () => {
    for (const stage of ['base', 'runtime']) {
      const others = (text: string): string[] => DockerfileParser.parse(text).getInstructions()
        .filter((i) => i.getKeyword() !== 'RUN').map((i) => i.getTextContent());
      expect(others(files[`${dir}/Dockerfile.${stage}.buildkit`])).toEqual(others(files[`${dir}/Dockerfile.${stage}`]));
    }
  });

  test('the package stage, which caches nothing, has one rendering', () => {
    expect(files[`${dir}/Dockerfile.package.buildkit`]).toBeUndefined();
  });

  test.each(['base', 'runtime'])('%s: both renderings lint clean (dockerfile-utils)', (stage) => {
    expect(lintDockerfile(files[`${dir}/Dockerfile.${stage}.buildkit`], `Dockerfile.${stage}.buildkit`)).toEqual([]);
    expect(lintDockerfile(files[`${dir}/Dockerfile.${stage}`], `Dockerfile.${stage}`)).toEqual([]);
  });

  test('the example\'s model declares pip\'s cache directory and passes it to pip', () => {
    const runtime = DESKTOP_APP_STAGES.find((s) => s.name === 'runtime')!;
    const step = runtime.steps!.find((s) => s.kind === 'run')!;
    expect(step).toMatchObject({ cacheDirectories: ['/home/appuser/.cache/pip'] });
  });
});

describe('buildKitCacheMounts', () => {
  test('AiRunner (on by default): its pip step has a cache mount in the BuildKit rendering only', () => {
    const files = synth();
    expect(runSteps(files['package/linux/Dockerfile.runtime.buildkit']).map((r) => r.flags)).toEqual([
      ['mount=type=cache,target=/home/appuser/.cache/pip,uid=1000,gid=1000'],
      [],
    ]);
    expect(runSteps(files['package/linux/Dockerfile.runtime']).flatMap((r) => r.flags)).toEqual([]);
    expect(runSteps(files['package/linux/Dockerfile.runtime'])[0].command).toMatch(/ && rm -rf \/home\/appuser\/\.cache\/pip$/);
  });

  test('false: no BuildKit rendering and no mount anywhere', () => {
    const files = synth(false);
    expect(Object.keys(files).filter((p) => p.endsWith('.buildkit'))).toEqual([]);
    for (const stage of ['base', 'runtime', 'package']) {
      expect(runSteps(files[`package/linux/Dockerfile.${stage}`]).flatMap((r) => r.flags)).toEqual([]);
    }
  });

  test('the driver builds the BuildKit rendering with BuildKit and the plain Dockerfile with the legacy builder', () => {
    const files = synth();
    const dir = mkdtempSync(join(tmpdir(), 'staged-build-cache-'));
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin/docker.sh'), files['bin/docker.sh']);
    chmodSync(join(dir, 'bin/docker.sh'), 0o755);
    const plan = (buildKit: string): string[] => {
      const run = spawnSync(join(dir, 'bin/docker.sh'), ['--ci', '--dry-run', 'build'], { cwd: dir, encoding: 'utf8', env: { ...process.env, DOCKER_BUILDKIT: buildKit } });
      expect(run.status).toBe(0);
      return [...run.stdout.matchAll(/^\+ docker build --file (\S+)/gm)].map((m) => m[1]);
    };
    expect(plan('1')).toEqual(['package/linux/Dockerfile.base.buildkit', 'package/linux/Dockerfile.runtime.buildkit', 'package/linux/Dockerfile.package']);
    expect(plan('0')).toEqual(['package/linux/Dockerfile.base', 'package/linux/Dockerfile.runtime', 'package/linux/Dockerfile.package']);
  });
});
