import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Project } from 'projen';
import { ModelError, PackagingPipeline, PackagingPipelineProps, StageDefinition, Step, ZipappPackager } from '../src';
import { emptyProject, modelProblems } from './support/project';
import { EditableProps, smallPipelineProps, smallStages } from './support/small-pipeline';
import { treeEntries, treeSnapshot } from './support/tree';

/** The small valid pipeline (test/support/small-pipeline.ts), its base stage published on every branch; each test breaks one field of it. */
function props(change: (p: EditableProps) => void = () => {}): PackagingPipelineProps {
  const [base, ...rest] = smallStages();
  return smallPipelineProps([{ ...base, publish: 'branch' }, ...rest], change);
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
    ['a digest that is not sha256:<64 hex>', edit(0, { from: { image: 'debian:bookworm-slim', digest: 'sha256:ABC' } }), /\[App\/base\] from\.digest: "sha256:ABC" is not an image digest \("sha256:" and 64 lowercase hex digits/],
    ['a digest given twice', edit(0, { from: { image: `debian:bookworm-slim@sha256:${'a'.repeat(64)}`, digest: `sha256:${'b'.repeat(64)}` } }), /\[App\/base\] from\.digest: is given twice/],
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

  test('a release workflow for a pipeline with no stage marked publish: "branch" (it would publish nothing)', () => {
    const project = emptyProject();
    const pipeline = new PackagingPipeline(project, 'App', props((p) => { p.stages = p.stages.map(({ publish, ...stage }) => stage); }));
    new ReleaseWorkflow(project, 'Release', { pipeline, fileName: 'release', registry: 'registry.example.test' });
    expect(synthError(project).message).toMatch(/\[Release\] pipeline: no stage of app is marked publish: "branch"/);
    expect(readdirSync(project.outdir)).toEqual([]);
  });

  test('images that name no registry cannot be pushed, unless the workflow names one', () => {
    const project = emptyProject();
    const pipeline = new PackagingPipeline(project, 'App', props());
    new ReleaseWorkflow(project, 'Release', { pipeline, fileName: 'release' });
    expect(synthError(project).message).toMatch(/\[Release\] registry: is required: the CI image "example\/app:base_ci" names no registry host to publish to/);
    const named = emptyProject();
    new ReleaseWorkflow(named, 'Release', { pipeline: new PackagingPipeline(named, 'App', props()), fileName: 'release', registry: 'registry.example.test/team' });
    expect(modelProblems(named)).toEqual([]);
  });

  test.each<[string, (project: Project, pipeline: PackagingPipeline) => void, RegExp]>([
    ['a registry that is not HOST[:PORT][/PATH]', (project, pipeline) => new ReleaseWorkflow(project, 'Release', { pipeline, fileName: 'release', registry: 'https://ghcr.io' }),
      /\[Release\] registry: "https:\/\/ghcr\.io" is not a registry: HOST\[:PORT\]\[\/PATH\]/],
    ['an empty gate (it would let anything be published)', (project, pipeline) => new DispatchWorkflow(project, 'Dispatch', { pipeline, fileName: 'dispatch', gate: { tasks: [] } }),
      /\[Dispatch\] gate\.tasks: must name at least one task/],
    ['a gate task name with a shell word in it', (project, pipeline) => new DispatchWorkflow(project, 'Dispatch', { pipeline, fileName: 'dispatch', gate: { tasks: ['test; curl x'] } }),
      /\[Dispatch\] gate\.tasks\[0\]: "test; curl x" is not a task name/],
    ['a gate task the project does not have', (project, pipeline) => new DispatchWorkflow(project, 'Dispatch', { pipeline, fileName: 'dispatch', gate: { tasks: ['test', 'lint'] } }),
      /\[Dispatch\] gate\.tasks\[1\]: the project has no task "lint" \(its tasks: .*\); add it with project\.addTask\("lint", \.\.\.\) or name another/],
    ['a Node.js version setup-node does not take', (project, pipeline) => new ReleaseWorkflow(project, 'Release', { pipeline, fileName: 'release', gate: { nodeVersion: '${{ x }}' } }),
      /\[Release\] gate\.nodeVersion: "\$\{\{ x \}\}" is not a Node\.js version/],
    ['a workflow folder outside the repository', (project, pipeline) => new ReleaseWorkflow(project, 'Release', { pipeline, fileName: 'release', directory: '../elsewhere' }),
      /\[Release\] directory: "\.\.\/elsewhere" escapes the repository/],
    ['an image platform with no native runner', (project, pipeline) => new ReleaseWorkflow(project, 'Release', { pipeline, fileName: 'release', platforms: ['linux/amd64', 'linux/s390x' as never] }),
      /\[Release\] platforms\[1\]: "linux\/s390x" must be one of linux\/amd64, linux\/arm64/],
    ['an image platform named twice', (project, pipeline) => new ReleaseWorkflow(project, 'Release', { pipeline, fileName: 'release', platforms: ['linux/arm64', 'linux/arm64'] }),
      /\[Release\] platforms\[1\]: linux\/arm64 is named twice/],
    ['an empty platform list', (project, pipeline) => new ReleaseWorkflow(project, 'Release', { pipeline, fileName: 'release', platforms: [] }),
      /\[Release\] platforms: must name at least one platform/],
  ])('%s is refused', (_, add, expected) => {
    expect(refusedWorkflow(add)).toMatch(expected);
  });
});

// ---------------------------------------------------------------------------------------------
// Issue 7: values that silently changed the build are refused, each with [path] field: message
// ---------------------------------------------------------------------------------------------

describe('values that would silently change the build are refused, and nothing is written', () => {
  const run = (...commands: string[]) => edit(1, { steps: [Step.run(commands)] });
  test.each<[string, Parameters<typeof props>[0], RegExp]>([
    ['a run command whose "#" comments out the rest of the RUN', run('echo first # a note', 'false'),
      /\[App\/runtime\] steps\[0\]\.commands\[0\]: "echo first # a note" has an unquoted "#" at the start of a word: a comment/],
    ['a run command ending in a backslash (it swallows the next instruction)', run('echo a \\'),
      /\[App\/runtime\] steps\[0\]\.commands\[0\]: "echo a \\\\" ends with a backslash/],
    ['a run command ending in an escaped backslash (still a Dockerfile line continuation)', run('echo a\\\\'), /steps\[0\]\.commands\[0\]: "echo a\\\\\\\\" ends with a backslash/],
    ['a run command with an unclosed quote', run('echo "a', 'false'), /steps\[0\]\.commands\[0\]: "echo \\"a" has an unclosed double quote/],
    ['a run command with an unclosed if', run('if true; then echo a', 'fi'), /steps\[0\]\.commands\[0\]: .* has an unclosed "if" \(no "fi"\)/],
    ['a run command that ends with an operator', run('echo a &&', 'false'), /steps\[0\]\.commands\[0\]: .* ends with the operator "&&"/],
    ['a run command that exits 0 early', run('exit 0', 'false'), /steps\[0\]\.commands\[0\]: "exit 0" has an "exit" that does not fail/],
    ['a run command with a heredoc', run('cat <<EOF'), /steps\[0\]\.commands\[0\]: .* has a heredoc/],
    ['a workdir ending in a backslash (it swallows USER: the image would run as root)', edit(0, { workdir: '/app\\' }),
      /\[App\/base\] workdir: "\/app\\\\" must not contain "\\\\"/],
    ['a "$" in a COPY source (Docker expands it)', edit(1, { steps: [Step.copy('$HOME/x', '/app/')] }),
      /\[App\/runtime\] steps\[0\]\.sources\[0\]: "\$HOME\/x" must not contain "\$"/],
    ['a "$" in a COPY destination', edit(1, { steps: [Step.copy('requirements.txt', '/app/${X}/')] }), /steps\[0\]\.destination: .* must not contain "\$"/],
    ['a "$" in the workdir', edit(0, { workdir: '/app/$USER' }), /\[App\/base\] workdir: "\/app\/\$USER" must not contain "\$"/],
    ['a COPY source read as a flag', edit(1, { steps: [Step.copy('--from=evil', '/app/')] }), /sources\[0\]: "--from=evil" must not start with "-"/],
    ['a package word that runs shell as root', edit(0, { systemPackages: ['python3>/dev/null$(touch${IFS}/x)'] }),
      /\[App\/base\] systemPackages\[0\]: "python3>\/dev\/null\$\(touch\$\{IFS\}\/x\)" is not a Debian package name/],
    ['a package with a bad version', edit(0, { systemPackages: ['python3=3.11;rm'] }), /systemPackages\[0\]: "python3=3.11;rm" is not a Debian package name/],
    ['an env HOST_UID (it would make the image user root)', edit(0, { env: { HOST_UID: '0' } }), /\[App\/base\] env\.HOST_UID: HOST_UID is reserved by the generated Dockerfiles/],
    ['an env in a later stage that overrides a parent image argument', edit(1, { env: { BASE_IMAGE: 'evil:latest' } }), /\[App\/runtime\] env\.BASE_IMAGE: BASE_IMAGE is reserved/],
    ['a build argument HOST_GID', edit(0, { buildArgs: [{ name: 'HOST_GID', default: '0', description: 'g' }] }), /\[App\/base\] buildArgs\[0\]\.name: HOST_GID is reserved/],
    ['defaultId "0" (root)', edit(0, { user: { name: 'appuser', defaultId: '0' } }), /\[App\/base\] user\.defaultId: "0" is root's ID: the image user is never root/],
    ['defaultId "00"', edit(0, { user: { name: 'appuser', defaultId: '00' } }), /user\.defaultId: "00" is root's ID/],
    ['a user called root', edit(0, { user: { name: 'root' } }), /\[App\/base\] user\.name: "root" is not allowed: the image user is never root/],
    ['a label that reuses the pipeline selection key (it breaks clean)', edit(0, { labels: { 'org.example.build.pipeline': 'other' } }),
      /\[App\/base\] labels\.org\.example\.build\.pipeline: keys under "org\.example\.build\." are the pipeline's own/],
    ['any label under the label prefix', edit(2, { labels: { 'org.example.build.owner': 'me' } }), /\[App\/package\] labels\.org\.example\.build\.owner: keys under/],
    ['a label the pipeline sets itself', edit(0, { labels: { 'org.opencontainers.image.title': 'x' } }), /labels\.org\.opencontainers\.image\.title: .* is set by the pipeline/],
    ['a .dockerignore entry with a line break', (p) => {
      (p as { dockerignore?: string[] }).dockerignore = ['tmp\n!secret'];
    }, /\[App\] dockerignore\[0\]: must be a single line of printable text \(found a line break, U\+000A, in "tmp\\n!secret"\)/],
    ['a .dockerignore entry that is a comment', (p) => {
      (p as { dockerignore?: string[] }).dockerignore = ['# not an entry'];
    }, /\[App\] dockerignore\[0\]: "# not an entry" starts with "#"/],
    ['a cache directory that injects mount options', edit(1, { steps: [Step.run('true', { cacheDirectories: ['/tmp/c,target=/x'] })] }),
      /\[App\/runtime\] steps\[0\]\.cacheDirectories\[0\]: "\/tmp\/c,target=\/x" must not contain ","/],
    ['a control character in a value, shown escaped', edit(0, { env: { GREETING: 'a\u001b[31mb' } }), /env\.GREETING: .*control character, U\+001B, in "a\\u001b\[31mb"/],
    ['a workdir with ":" (it breaks the --volume of standard mode)', edit(0, { workdir: '/app:ro' }), /workdir: "\/app:ro" must not contain ":"/],
    ['two stage names that give one image argument', (p) => {
      p.stages[1] = { ...p.stages[1], name: 'run-time' };
      p.stages[2] = { ...p.stages[2], name: 'run_time', from: { stage: 'run-time' } };
    }, /\[App\/run_time\] name: stages "run-time" and "run_time" both receive their image through the build argument RUN_TIME_IMAGE/],
    ['an env name that is also a build argument', edit(0, { env: { X: '1' }, buildArgs: [{ name: 'X', default: '2', description: 'x' }] }),
      /env\.X: has the name of a build argument of this stage/],
    ['a sourceUrl that is not a URL', (p) => {
      p.sourceUrl = 'not a url';
    }, /\[App\] sourceUrl: "not a url" is not an http\(s\) URL/],
  ])('%s', (_name, change, expected) => {
    expect(expectRefused(change)).toMatch(expected);
  });
});

describe('the image user is never root, even when built by hand', () => {
  const { Testing } = require('projen/lib/testing') as typeof import('projen/lib/testing');
  const { DockerfileParser } = require('dockerfile-ast') as typeof import('dockerfile-ast');
  const { spawnSync } = require('child_process') as typeof import('child_process');

  /** The shell text of the base stage's user-creation RUN. */
  function userCreation(): string {
    const project = emptyProject();
    new PackagingPipeline(project, 'App', props());
    const text = (Testing.synth(project) as Record<string, string>)['package/linux/Dockerfile.base'];
    const run = DockerfileParser.parse(text).getInstructions().filter((i) => i.getKeyword() === 'RUN' && /useradd/.test(i.getTextContent()));
    expect(run).toHaveLength(1);
    return run[0].getTextContent().replace(/^RUN /, '').replace(/\\\n\s*/g, '');
  }

  /** Runs the RUN text with /bin/sh (as Docker does), the account commands replaced by recorders. */
  function runAs(uid: string, gid: string) {
    const stubs = 'groupadd() { echo "groupadd $*"; }; useradd() { echo "useradd $*"; }; mkdir() { echo "mkdir $*"; }; chown() { echo "chown $*"; };';
    return spawnSync('sh', ['-c', `${stubs} ${userCreation()}`], { encoding: 'utf8', env: { PATH: process.env.PATH, HOST_UID: uid, HOST_GID: gid } });
  }

  test.each([['0', '1000'], ['1000', '0'], ['00', '1000'], ['', '']])('HOST_UID=%j HOST_GID=%j: the RUN fails before creating the user, saying why', (uid, gid) => {
    const result = runAs(uid, gid);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: HOST_UID=\S* HOST_GID=\S*: both must be whole numbers above 0, the image user is never root/);
  });

  test('HOST_UID=1000 HOST_GID=1001: the user is created with those IDs', () => {
    const result = runAs('1000', '1001');
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe('groupadd --non-unique --gid 1001 appuser');
    expect(result.stdout).toContain('useradd --non-unique --uid 1000 --gid 1001 --create-home');
  });
});

describe('each run command stays one && clause of its RUN', () => {
  const { Testing } = require('projen/lib/testing') as typeof import('projen/lib/testing');
  const { DockerfileParser } = require('dockerfile-ast') as typeof import('dockerfile-ast');
  const { spawnSync } = require('child_process') as typeof import('child_process');
  const { mkdtempSync } = require('fs') as typeof import('fs');
  const { tmpdir } = require('os') as typeof import('os');

  /** Renders a stage whose one run step has `commands`, runs its RUN with /bin/sh in a fresh folder. */
  function runStep(commands: string[]) {
    const project = emptyProject();
    new PackagingPipeline(project, 'App', props(edit(1, { steps: [Step.run(commands)] })));
    const text = (Testing.synth(project) as Record<string, string>)['package/linux/Dockerfile.runtime'];
    const runs = DockerfileParser.parse(text).getInstructions().filter((i) => i.getKeyword() === 'RUN');
    const command = runs[runs.length - 1].getTextContent().replace(/^RUN /, '').replace(/\\\n\s*/g, '');
    const cwd = mkdtempSync(join(tmpdir(), 'staged-build-run-'));
    const result = spawnSync('sh', ['-c', command], { encoding: 'utf8', cwd });
    return { status: result.status, ran: existsSync(join(cwd, 'ran')), command };
  }

  test.each([
    [['false', 'true || true', 'touch ran']],
    [['false', 'echo a; echo b', 'touch ran']],
    [['false', 'true & wait', 'touch ran']],
  ])('a failing command stops the RUN: %j', (commands) => {
    expect(runStep(commands)).toMatchObject({ status: 1, ran: false });
  });

  test('a command with its own || is grouped, so it still runs its own alternative', () => {
    const result = runStep(['false || touch ran']);
    expect(result).toMatchObject({ status: 0, ran: true });
    expect(result.command).toBe('{ false || touch ran; }');
  });
});

// ---------------------------------------------------------------------------------------------
// Issue 7: crashes became model errors; a refused synthesis leaves the tree byte-identical
// ---------------------------------------------------------------------------------------------

describe('a refused synthesis changes nothing on disk (crashes are model errors)', () => {
  /** A folder where a valid pipeline has been synthesized already (so .gitignore, files.json, ... exist). */
  function synthesizedProject(): string {
    const dir = mkdtempSync(join(tmpdir(), 'staged-build-tree-'));
    const project = new Project({ name: 'test', outdir: dir });
    new PackagingPipeline(project, 'App', props());
    project.synth();
    return dir;
  }

  /** Builds a new project in `dir` with `build`, expects a ModelError, and that not one byte of the tree changed. */
  function refusedIn(dir: string, build: (project: Project) => void): string {
    const before = treeSnapshot(dir);
    expect(Object.keys(treeEntries(dir))).toEqual(expect.arrayContaining(['.gitignore', '.gitattributes', '.projen/files.json', 'bin/docker.sh']));
    const project = new Project({ name: 'test', outdir: dir });
    build(project);
    const message = synthError(project).message;
    expect(treeSnapshot(dir)).toEqual(before);
    return message;
  }

  const pipeline = (change: Parameters<typeof props>[0]) => (project: Project) => {
    new PackagingPipeline(project, 'App', props(change));
  };

  test.each<[string, (project: Project) => void, RegExp]>([
    ['a 300-character stage name (was ENAMETOOLONG after writing)', pipeline(edit(2, { name: `p${'x'.repeat(299)}` })),
      /\[App\] stages\[2\]\.name: "px{79}"\.\.\. \(300 characters\) is too long \(300 characters; at most 63\)/],
    ['an empty stage name (was a constructs stack trace)', pipeline(edit(2, { name: '' })), /\[App\] stages\[2\]\.name: "" is not a valid name/],
    ['a stage name with "/"', pipeline(edit(2, { name: 'a/b' })), /\[App\] stages\[2\]\.name: "a\/b" is not a valid name/],
    ['paths.driver "bin/" (was EISDIR, and deleted the driver)', pipeline((p) => {
      p.paths = { driver: 'bin/' };
    }), /\[App\] paths\.driver: "bin\/" names a folder \(it ends with "\/"\); give the path of a file/],
    ['paths.driver that is an existing folder', pipeline((p) => {
      p.paths = { driver: 'bin' };
    }), /\[App\] paths\.driver: "bin" is an existing folder; choose another paths\.driver/],
    ['paths.docs below an existing file', pipeline((p) => {
      p.paths = { docs: 'bin/docker.sh/BUILD.md' };
    }), /\[App\] paths\.docs: "bin\/docker\.sh\/BUILD\.md" would be inside the file "bin\/docker\.sh"/],
    ['two pipelines with the same root (was a projen stack trace at construction)', (project) => {
      new PackagingPipeline(project, 'App', props());
      new PackagingPipeline(project, 'Other', props((p) => {
        p.name = 'other';
        p.labelPrefix = 'org.example.other';
      }));
    }, /^invalid build model: \[Other\] root: "\." is also the root of \[App\], and a root holds one pipeline's files; give each pipeline its own root$/],
    ['two pipelines with the same id', (project) => {
      new PackagingPipeline(project, 'App', props());
      new PackagingPipeline(project, 'App', props((p) => {
        p.root = 'other';
      }));
    }, /\[App~2\] id: another construct of the project is already called "App"/],
    ['a missing packager', pipeline((p) => {
      (p as { packager?: unknown }).packager = undefined;
    }), /\[App\] packager: is required/],
    ['missing stages', pipeline((p) => {
      (p as { stages?: unknown }).stages = undefined;
    }), /\[App\] stages: is required/],
    ['missing images and from', pipeline((p) => {
      p.stages[1] = { ...p.stages[1], images: undefined as never, from: undefined as never };
    }), /\[App\/runtime\] from: is required[^]*\[App\/runtime\] images: is required/],
    ['a run step with no command list', pipeline(edit(1, { steps: [{ kind: 'run' } as never] })), /\[App\/runtime\] steps\[0\]\.commands: must hold at least one command/],
    ['a workflow file next to another one', (project) => {
      const { DispatchWorkflow } = require('../src') as typeof import('../src');
      const p = new PackagingPipeline(project, 'App', props((q) => {
        q.stages = q.stages.map((s) => ({ ...s, images: { standard: `ghcr.io/${s.images.standard}`, ci: `ghcr.io/${s.images.ci}` } }));
      }));
      new DispatchWorkflow(project, 'One', { pipeline: p, fileName: 'package' });
      new DispatchWorkflow(project, 'Two', { pipeline: p, fileName: 'package' });
    }, /\[Two\] fileName: "\.github\/workflows\/package\.yml" is also generated by \[One\] \(fileName\)/],
  ])('%s', (_name, build, expected) => {
    expect(refusedIn(synthesizedProject(), build)).toMatch(expected);
  });

  test('a generated path that is a hand-written file is refused, and the file is kept (paths.docs: README.md)', () => {
    const dir = synthesizedProject();
    // The README mentions the marker in its text, but not in its first lines: it is hand-written.
    writeFileSync(join(dir, 'README.md'), '# My app\n\nFiles marked "~~ Generated by projen" are generated.\n');
    const message = refusedIn(dir, pipeline((p) => {
      p.paths = { docs: 'README.md' };
    }));
    expect(message).toMatch(/\[App\] paths\.docs: would overwrite the hand-written file "README\.md" \(it is not in \.projen\/files\.json and has no "~~ Generated by projen" marker\); choose another paths\.docs/);
  });

  test('paths.driver pointing at the application source is refused, and the source is kept', () => {
    const dir = synthesizedProject();
    mkdirSync(join(dir, 'src/app'), { recursive: true });
    writeFileSync(join(dir, 'src/app/main.py'), 'print("hello")\n');
    const message = refusedIn(dir, pipeline((p) => {
      p.paths = { driver: 'src/app/main.py' };
    }));
    expect(message).toMatch(/\[App\] paths\.driver: would overwrite the hand-written file "src\/app\/main\.py"/);
  });

  test('a file this project generated before is rewritten: in .projen/files.json, or carrying the marker', () => {
    const dir = synthesizedProject();
    const moved = new Project({ name: 'test', outdir: dir });
    // The old driver (listed in files.json) becomes the docs; a marked file outside files.json becomes the driver.
    writeFileSync(join(dir, 'tool.sh'), `#!/usr/bin/env bash\n# ~~ Generated by projen. To modify, edit .projenrc.ts and run "npx projen".\n`);
    new PackagingPipeline(moved, 'App', props((p) => {
      p.paths = { docs: 'bin/docker.sh', driver: 'tool.sh' };
    }));
    moved.synth();
    expect(readFileSync(join(dir, 'bin/docker.sh'), 'utf8')).toMatch(/^<!-- ~~ Generated by projen/);
    expect(readFileSync(join(dir, 'tool.sh'), 'utf8')).toMatch(/^#!\/usr\/bin\/env bash\n# ~~ Generated by projen[^]*main "\$@"\n$/);
  });
});

describe('npx projen with colliding pipelines prints the model error, not a stack trace', () => {
  test('two pipelines with the same root: exit 1, one line per problem, nothing written', () => {
    const { mkdtempSync, writeFileSync } = require('fs') as typeof import('fs');
    const { spawnSync } = require('child_process') as typeof import('child_process');
    const { tmpdir } = require('os') as typeof import('os');
    const dir = mkdtempSync(join(tmpdir(), 'staged-build-rc-'));
    const src = join(__dirname, '..', 'src');
    const stagesJs = "[{ name: 'base', description: 'b', from: { image: 'debian:bookworm-slim' }, images: { standard: 'x/app:b', ci: 'x/app:b_ci' }, systemPackages: ['python3'], user: { name: 'u' }, workdir: '/app' },"
      + " { name: 'package', description: 'p', from: { stage: 'base' }, images: { standard: 'x/app:p', ci: 'x/app:p_ci' } }]";
    writeFileSync(join(dir, 'projenrc.ts'), [
      `import { Project } from ${JSON.stringify(require.resolve('projen'))};`,
      `import { PackagingPipeline, synthOrExit, ZipappPackager } from ${JSON.stringify(src)};`,
      `const project = new Project({ name: 'bad', outdir: ${JSON.stringify(join(dir, 'out'))} });`,
      `new PackagingPipeline(project, 'One', { name: 'one', labelPrefix: 'org.example', packager: new ZipappPackager({ main: 'a:b' }), sourcesElsewhere: true, stages: ${stagesJs} });`,
      `new PackagingPipeline(project, 'Two', { name: 'two', labelPrefix: 'org.example', packager: new ZipappPackager({ main: 'a:b' }), sourcesElsewhere: true, stages: ${stagesJs.replace(/x\/app/g, 'y/app')} });`,
      'synthOrExit(project);',
    ].join('\n'));
    const result = spawnSync(join(__dirname, '..', 'node_modules', '.bin', 'tsx'), [join(dir, 'projenrc.ts')], { encoding: 'utf8', cwd: join(__dirname, '..') });
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(result.stderr).toBe('error: invalid build model: [Two] root: "." is also the root of [One], and a root holds one pipeline\'s files; give each pipeline its own root\n'
      + 'Nothing was written. Fix .projenrc.ts and run "npx projen" again.\n');
    expect(result.status).toBe(1);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});

describe('generated paths never collide with the files projen itself generates', () => {
  test('a workflow file name that projen already generates (e.g. build)', () => {
    const { TextFile } = require('projen') as typeof import('projen');
    const { DispatchWorkflow } = require('../src') as typeof import('../src');
    const project = emptyProject();
    new TextFile(project, '.github/workflows/build.yml', { lines: ['# projen\'s own'] });
    const pipeline = new PackagingPipeline(project, 'App', props((p) => {
      p.stages = p.stages.map((s) => ({ ...s, images: { standard: `ghcr.io/${s.images.standard}`, ci: `ghcr.io/${s.images.ci}` } }));
    }));
    new DispatchWorkflow(project, 'Dispatch', { pipeline, fileName: 'build' });
    expect(synthError(project).message).toMatch(/\[Dispatch\] fileName: "\.github\/workflows\/build\.yml" is a file projen itself generates/);
    expect(readdirSync(project.outdir)).toEqual([]);
  });

  test('a yes/no field that is a string', () => {
    expect(expectRefused((p) => {
      (p as { buildKitCacheMounts?: unknown }).buildKitCacheMounts = 'false';
    })).toMatch(/\[App\] buildKitCacheMounts: must be true or false \(found string "false"\)/);
  });
});
