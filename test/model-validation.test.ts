import { existsSync, readdirSync } from 'fs';
import { join } from 'path';
import { Project } from 'projen';
import { ModelError, PackagingPipeline, PackagingPipelineProps, StageDefinition, Step, ZipappPackager } from '../src';
import { emptyProject } from './support/project';

/** A small valid pipeline; each test breaks one field of it. */
function stages(): StageDefinition[] {
  return [
    {
      name: 'base',
      description: 'System packages',
      from: { image: 'debian:bookworm-slim' },
      images: { standard: 'example/app:base', ci: 'example/app:base_ci' },
      systemPackages: ['python3'],
      user: { name: 'appuser' },
      workdir: '/app',
    },
    {
      name: 'runtime',
      description: 'Dependencies',
      from: { stage: 'base' },
      images: { standard: 'example/app:runtime', ci: 'example/app:runtime_ci' },
      steps: [Step.copy('requirements.txt', '/app/')],
    },
    {
      name: 'package',
      description: 'Sources',
      from: { stage: 'runtime' },
      images: { standard: 'example/app:package', ci: 'example/app:package_ci' },
      steps: [Step.copy('src/', '/app/src/')],
    },
  ];
}

/** The props, writable, so that a test can break one field. */
type EditableProps = { -readonly [K in keyof PackagingPipelineProps]: PackagingPipelineProps[K] } & { stages: StageDefinition[] };

function props(change: (p: EditableProps) => void = () => {}): PackagingPipelineProps {
  const p: EditableProps = {
    name: 'app',
    labelPrefix: 'org.example.build',
    stages: stages(),
    packager: new ZipappPackager({ main: 'app.cli:main' }),
  };
  change(p);
  return p;
}

function synthError(project: Project): ModelError {
  try {
    project.synth();
  } catch (error) {
    if (error instanceof ModelError) return error;
    throw error;
  }
  throw new Error('synthesis succeeded, but it should have refused the model');
}

/** Synthesizes a pipeline made with `change` applied, expects a ModelError, and checks nothing was written. */
function expectRefused(change: Parameters<typeof props>[0]): string {
  const project = emptyProject();
  new PackagingPipeline(project, 'App', props(change));
  const error = synthError(project);
  expect(readdirSync(project.outdir)).toEqual([]);
  expect(existsSync(join(project.outdir, 'bin', 'docker.sh'))).toBe(false);
  return error.message;
}

const edit = (i: number, change: Partial<StageDefinition>) => (p: EditableProps) => {
  p.stages[i] = { ...p.stages[i], ...change };
};

describe('a valid model', () => {
  test('synthesizes the pipeline files', () => {
    const project = emptyProject();
    new PackagingPipeline(project, 'App', props());
    project.synth();
    for (const file of ['bin/docker.sh', 'package/linux/Dockerfile.base', 'package/linux/Dockerfile.runtime', 'package/linux/Dockerfile.package', 'package/linux/package.sh', 'test_ci_mode.sh', 'docs/BUILD.md', '.dockerignore', '.env.example']) {
      expect(existsSync(join(project.outdir, file))).toBe(true);
    }
  });
});

describe('bad input is refused with the construct path and the field, and nothing is written', () => {
  test.each<[string, Parameters<typeof props>[0], RegExp]>([
    ['an unknown from', edit(1, { from: { stage: 'nope' } }), /\[App\/runtime\] from\.stage: unknown stage "nope"/],
    ['a cyclic from', (p) => {
      p.stages[1] = { ...p.stages[1], from: { stage: 'package' } };
    }, /\[App\/runtime\] from\.stage: cyclic "from": runtime -> package -> runtime/],
    ['a duplicate stage', (p) => {
      p.stages.push({ ...p.stages[2], images: { standard: 'example/app:x', ci: 'example/app:x_ci' } });
    }, /\[App\/package\] stages\[3\]\.name: duplicate stage name "package"/],
    ['a duplicate image', edit(2, { images: { standard: 'example/app:package', ci: 'example/app:runtime_ci' } }), /\[App\/package\] images\.ci: image "example\/app:runtime_ci" is already used by stage "runtime" \(ci\)/],
    ['an invalid image reference', edit(0, { from: { image: 'Debian:Bookworm' } }), /\[App\/base\] from\.image: "Debian:Bookworm" is not a valid image reference/],
    ['an image without a tag', edit(0, { images: { standard: 'example/app', ci: 'example/app:base_ci' } }), /\[App\/base\] images\.standard: "example\/app" needs an explicit tag/],
    ['an invalid tag', edit(0, { images: { standard: 'example/app:-bad', ci: 'example/app:base_ci' } }), /\[App\/base\] images\.standard: "example\/app:-bad" is not a valid image reference/],
    ['a non-numeric ID', edit(0, { user: { name: 'appuser', defaultId: '10x0' } }), /\[App\/base\] user\.defaultId: "10x0" is not a user or group ID \(a whole number from 1 to 2147483647\)/],
    ['a path that escapes the repository', edit(1, { steps: [Step.copy('../secrets.txt', '/app/')] }), /\[App\/runtime\] steps\[0\]\.sources\[0\]: "\.\.\/secrets\.txt" escapes the repository/],
    ['an absolute copy source', edit(1, { steps: [Step.copy('/etc/passwd', '/app/')] }), /\[App\/runtime\] steps\[0\]\.sources\[0\]: "\/etc\/passwd" must be relative/],
    ['an empty package name', edit(0, { systemPackages: ['python3', ''] }), /\[App\/base\] systemPackages\[1\]: must not be empty \(an empty package name\)/],
    ['a value with a newline', edit(0, { env: { GREETING: 'hello\nRUN rm -rf /' } }), /\[App\/base\] env\.GREETING: must be a single line/],
    ['a run command with a newline', edit(1, { steps: [Step.run('true\nfalse')] }), /\[App\/runtime\] steps\[0\]\.commands\[0\]: must be a single line/],
    ['a relative workdir', edit(0, { workdir: 'app' }), /\[App\/base\] workdir: "app" must be an absolute path/],
    ['a first stage FROM a stage', edit(0, { from: { stage: 'package' } }), /\[App\/base\] from: the first stage must be FROM an image/],
    ['a package stage FROM an image', edit(2, { from: { image: 'debian:bookworm-slim' } }), /\[App\/package\] from: the package stage \(the last one\) must be FROM another stage/],
    ['an invalid pipeline name', (p) => {
      p.name = 'My App';
    }, /\[App\] name: "My App" is not a valid name/],
    ['an invalid packager entry', (p) => {
      p.packager = new ZipappPackager({ main: 'app.cli' });
    }, /\[App\/packager\] main: "app\.cli" must be "module:function"/],
  ])('%s', (_name, change, expected) => {
    expect(expectRefused(change)).toMatch(expected);
  });

  test('several problems are reported together, one line each', () => {
    const message = expectRefused((p) => {
      p.stages[0] = { ...p.stages[0], systemPackages: [''], workdir: 'relative' };
    });
    expect(message).toMatch(/^invalid build model \(2 problems\):\n {2}\[App\/base\] systemPackages\[0\]: .*\n {2}\[App\/base\] workdir: /);
  });
});

describe('npx projen with a bad model', () => {
  test('prints one clear error without a stack trace, exits 1, and writes nothing', () => {
    const { mkdtempSync, writeFileSync } = require('fs') as typeof import('fs');
    const { spawnSync } = require('child_process') as typeof import('child_process');
    const { tmpdir } = require('os') as typeof import('os');
    const dir = mkdtempSync(join(tmpdir(), 'staged-build-rc-'));
    const src = join(__dirname, '..', 'src');
    writeFileSync(join(dir, 'projenrc.ts'), [
      `import { Project } from ${JSON.stringify(require.resolve('projen'))};`,
      `import { PackagingPipeline, Step, synthOrExit, ZipappPackager } from ${JSON.stringify(src)};`,
      `const project = new Project({ name: 'bad', outdir: ${JSON.stringify(join(dir, 'out'))} });`,
      "new PackagingPipeline(project, 'App', { name: 'app', labelPrefix: 'org.example', packager: new ZipappPackager({ main: 'a:b' }), stages: [",
      "  { name: 'base', description: 'b', from: { image: 'debian:bookworm-slim' }, images: { standard: 'x/app:b', ci: 'x/app:b_ci' }, user: { name: 'u' }, workdir: '/app' },",
      "  { name: 'package', description: 'p', from: { stage: 'base' }, images: { standard: 'x/app:p', ci: 'x/app:p_ci' }, steps: [Step.copy('../etc', '/app/')] },",
      ']});',
      'synthOrExit(project);',
    ].join('\n'));
    const result = spawnSync(join(__dirname, '..', 'node_modules', '.bin', 'tsx'), [join(dir, 'projenrc.ts')], { encoding: 'utf8', cwd: join(__dirname, '..') });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('error: invalid build model: [App/package] steps[0].sources[0]: "../etc" escapes the repository ("..")\n'
      + 'Nothing was written. Fix .projenrc.ts and run "npx projen" again.\n');
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});

describe('workflow settings are validated with the pipeline', () => {
  const { DispatchWorkflow, ReleaseWorkflow } = require('../src') as typeof import('../src');

  function refusedWorkflow(add: (project: Project, pipeline: PackagingPipeline) => void): string {
    const project = emptyProject();
    const pipeline = new PackagingPipeline(project, 'App', props((p) => {
      p.stages = p.stages.map((s) => ({ ...s, images: { standard: `ghcr.io/${s.images.standard}`, ci: `ghcr.io/${s.images.ci}` } }));
    }));
    add(project, pipeline);
    const error = synthError(project);
    expect(readdirSync(project.outdir)).toEqual([]);
    return error.message;
  }

  test('a timeout out of range', () => {
    expect(refusedWorkflow((project, pipeline) => new ReleaseWorkflow(project, 'Release', { pipeline, fileName: 'release', timeoutMinutes: 0 })))
      .toMatch(/\[Release\] timeoutMinutes: 0 must be a whole number of minutes between 1 and 360/);
  });

  test('an invalid branch', () => {
    expect(refusedWorkflow((project, pipeline) => new ReleaseWorkflow(project, 'Release', { pipeline, fileName: 'release', branch: 'main branch' })))
      .toMatch(/\[Release\] branch: "main branch" is not a valid branch name/);
  });

  test('an invalid workflow file name', () => {
    expect(refusedWorkflow((project, pipeline) => new DispatchWorkflow(project, 'Dispatch', { pipeline, fileName: 'Linux Dispatch' })))
      .toMatch(/\[Dispatch\] fileName: "Linux Dispatch" is not a valid name/);
  });

  test('images that name no registry cannot be pushed', () => {
    const project = emptyProject();
    const pipeline = new PackagingPipeline(project, 'App', props());
    new ReleaseWorkflow(project, 'Release', { pipeline, fileName: 'release' });
    expect(synthError(project).message).toMatch(/\[Release\] pipeline: the CI image "example\/app:base_ci" names no registry host/);
  });
});
