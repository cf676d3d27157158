import { spawnSync } from 'child_process';
import { mkdirSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { Copy, DockerfileParser, From } from 'dockerfile-ast';
import { javascript, Project } from 'projen';
import { Testing } from 'projen/lib/testing';
import { formatFindings, lintDockerfile } from './support/linters';
import { emptyProject, modelProblems } from './support/project';
import { tempFolder } from './support/temp';
import {
  debianPythonBase, PackagingPipeline, PIPELINE_OUTPUTS, pipRequirementsRuntime, pythonDependenciesFolder, sourcesPackageStage, StageDefinition, ZipappPackager,
} from '../src';

/*
 * The stage presets (src/stages): plain, editable stage definitions for the common cases, and a
 * pipeline made of them; and what every pipeline adds to its project's ignore files.
 */

const repository = 'local/hello-app';
const dependencies = pythonDependenciesFolder('hello-app');

function presetStages(): StageDefinition[] {
  return [
    debianPythonBase({ repository }),
    pipRequirementsRuntime({ repository, target: dependencies, localPackages: ['libs/'], offline: true }),
    sourcesPackageStage({ repository }),
  ];
}

function addPipeline(project: Project, stages: StageDefinition[], root = 'app'): PackagingPipeline {
  return new PackagingPipeline(project, 'HelloApp', {
    name: 'hello-app', root, labelPrefix: 'com.example.hello-app', stages,
    // These projects are temporary folders with no app sources (the guide's own project has them: test/consumer.test.ts).
    sourcesElsewhere: true,
    packager: new ZipappPackager({ main: 'hello_app.cli:main', bundle: [dependencies], smokeCheck: { expectedOutput: '^HELLO', description: 'greets' } }),
  });
}

/** The generated Dockerfile text of each stage, by stage name. */
function dockerfileTexts(stages: StageDefinition[]): Record<string, string> {
  const project = emptyProject();
  addPipeline(project, stages);
  const files = Testing.synth(project) as Record<string, string>;
  return Object.fromEntries(stages.map((s) => [s.name, files[`app/package/linux/Dockerfile.${s.name}`]]));
}

function dockerfiles(stages: StageDefinition[]): Record<string, ReturnType<typeof DockerfileParser.parse>> {
  return Object.fromEntries(Object.entries(dockerfileTexts(stages)).map(([name, text]) => [name, DockerfileParser.parse(text)]));
}

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('a base image pinned by digest', () => {
  test('the first stage says FROM name:tag@sha256:..., which the parser reads as tag and digest, and the linter accepts', () => {
    const stages = presetStages();
    stages[0] = { ...stages[0], from: { image: 'debian:bookworm-slim', digest: DIGEST } };
    const text = dockerfileTexts(stages).base;
    const from = DockerfileParser.parse(text).getFROMs()[0];
    expect([from.getImageName(), from.getImageTag(), from.getImageDigest()]).toEqual(['debian', 'bookworm-slim', DIGEST]);
    expect(from.getImage()).toBe(`debian:bookworm-slim@${DIGEST}`);
    const findings = lintDockerfile(text, 'Dockerfile.base');
    if (findings.length) throw new Error(formatFindings(findings));
    // Without a digest the FROM line names the tag alone.
    expect(dockerfiles(presetStages()).base.getFROMs()[0].getImageDigest()).toBeNull();
  });

  test('the digest reaches the docs, and a different digest changes only the base stage\'s Dockerfile', () => {
    const pinned = presetStages();
    pinned[0] = { ...pinned[0], from: { image: 'debian:bookworm-slim', digest: DIGEST } };
    const project = emptyProject();
    addPipeline(project, pinned);
    const files = Testing.synth(project) as Record<string, string>;
    expect(files['app/docs/BUILD.md']).toContain(`debian:bookworm-slim@${DIGEST}`);
    const plain = dockerfileTexts(presetStages());
    const withDigest = dockerfileTexts(pinned);
    expect(Object.keys(plain).filter((name) => plain[name] !== withDigest[name])).toEqual(['base']);
  });
});

describe('stage presets', () => {
  test('debianPythonBase: Debian bookworm with Python, pip and a non-root user, tagged <repository>:base and :base_ci', () => {
    expect(debianPythonBase({ repository })).toEqual({
      name: 'base',
      description: 'Debian with Python 3 and the tools the build needs',
      from: { image: 'debian:bookworm-slim' },
      images: { standard: 'local/hello-app:base', ci: 'local/hello-app:base_ci' },
      env: { DEBIAN_FRONTEND: 'noninteractive', LANG: 'C.UTF-8', PYTHONDONTWRITEBYTECODE: '1' },
      systemPackages: ['python3', 'python3-pip', 'python3-setuptools', 'python3-wheel'],
      python: { version: '3.11.2' },
      user: { name: 'appuser' },
      workdir: '/app',
    });
  });

  test('pipRequirementsRuntime: copies the requirements and local packages, installs into the target, which goes on PYTHONPATH', () => {
    const stage = pipRequirementsRuntime({ repository, target: dependencies, localPackages: ['libs/'], offline: true });
    expect(stage.env).toEqual({ PYTHONPATH: '/home/appuser/.local/share/hello-app/python', PIP_DISABLE_PIP_VERSION_CHECK: '1' });
    expect(stage.pythonDependencies).toEqual({ manifest: 'requirements.txt' });
    expect(stage.steps).toEqual([
      { kind: 'copy', sources: ['requirements.txt'], destination: '/app/' },
      { kind: 'copy', sources: ['libs/'], destination: '/app/libs/' },
      // pip's cache is a cache directory (a BuildKit cache mount), never --no-cache-dir.
      { kind: 'run', commands: ['python3 -m pip install --no-index --no-build-isolation --cache-dir /home/appuser/.cache/pip --target /home/appuser/.local/share/hello-app/python -r requirements.txt'], cacheDirectories: ['/home/appuser/.cache/pip'] },
    ]);
    // Online (the default): pip may use the index.
    expect(pipRequirementsRuntime({ repository, target: '/deps', requirements: 'deps/requirements.txt' }).steps).toEqual([
      { kind: 'copy', sources: ['deps/requirements.txt'], destination: '/app/deps/' },
      { kind: 'run', commands: ['python3 -m pip install --cache-dir /home/appuser/.cache/pip --target /deps -r deps/requirements.txt'], cacheDirectories: ['/home/appuser/.cache/pip'] },
    ]);
  });

  test('sourcesPackageStage: the sources on top of the runtime stage', () => {
    expect(sourcesPackageStage({ repository, sources: ['src', 'assets/'] })).toEqual({
      name: 'package',
      description: 'The application sources, where the packager runs',
      from: { stage: 'runtime' },
      images: { standard: 'local/hello-app:package', ci: 'local/hello-app:package_ci' },
      steps: [{ kind: 'copy', sources: ['src'], destination: '/app/src/' }, { kind: 'copy', sources: ['assets/'], destination: '/app/assets/' }],
    });
  });

  test('the three presets make a valid pipeline whose Dockerfiles chain base -> runtime -> package and pass the Dockerfile linter', () => {
    const project = emptyProject();
    addPipeline(project, presetStages());
    expect(modelProblems(project)).toEqual([]);
    const files = dockerfiles(presetStages());
    const from = (name: string) => (files[name].getInstructions().find((i) => i.getKeyword() === 'FROM') as From).getImageName();
    expect(files.base.getInstructions().filter((i) => i.getKeyword() === 'FROM').map((i) => (i as From).getImageName())).toContain('debian');
    // Each later stage starts from the image of the stage before (through its build argument).
    expect(files.runtime.getARGs().map((a) => a.getProperty()?.getName())).toContain('BASE_IMAGE');
    expect(files.package.getARGs().map((a) => a.getProperty()?.getName())).toContain('RUNTIME_IMAGE');
    expect([from('runtime'), from('package')]).toEqual(['${BASE_IMAGE}', '${RUNTIME_IMAGE}']);
    const copies = (name: string) => files[name].getCOPYs().map((c: Copy) => c.getArgumentsContent());
    expect(copies('runtime').join('\n')).toMatch(/requirements\.txt \/app\/$/m);
    expect(copies('package').join('\n')).toMatch(/src\/ \/app\/src\/$/m);
    for (const [name, text] of Object.entries(dockerfileTexts(presetStages()))) {
      const findings = lintDockerfile(text, `Dockerfile.${name}`);
      if (findings.length) throw new Error(formatFindings(findings));
    }
  });

  test('a preset is plain data: a spread edit changes the generated Dockerfile', () => {
    const [base, ...rest] = presetStages();
    const edited = { ...base, systemPackages: [...base.systemPackages!, 'python3-tk'] };
    const run = dockerfiles([edited, ...rest]).base.getInstructions().filter((i) => i.getKeyword() === 'RUN').map((i) => i.getTextContent()).join('\n');
    expect(run).toMatch(/\bpython3-tk\b/);
  });

  test('a bad value given to a preset is reported by the pipeline with its construct path and field', () => {
    const project = emptyProject();
    addPipeline(project, [debianPythonBase({ repository: 'Local/Hello App' }), ...presetStages().slice(1)]);
    const problems = modelProblems(project);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.startsWith('[HelloApp/base] images.'))).toBe(true);
  });
});

describe('what a pipeline adds to its project\'s ignore files', () => {
  /** A synthesized node project (so it has .npmignore) with the preset pipeline rooted at `root`, as a git work tree. */
  function synthNodeProject(root: string): string {
    const outdir = tempFolder('ignore');
    const project = new javascript.NodeProject({ name: 'consumer', defaultReleaseBranch: 'main', outdir, github: false, jest: false });
    addPipeline(project, presetStages(), root);
    withoutPostSynthesis(() => project.synth()); // no npm install: only the files matter here
    expect(spawnSync('git', ['init', '-q'], { cwd: outdir }).status).toBe(0);
    return outdir;
  }

  function withoutPostSynthesis(synth: () => void): void {
    const before = process.env.PROJEN_DISABLE_POST;
    process.env.PROJEN_DISABLE_POST = 'true';
    try {
      synth();
    } finally {
      if (before === undefined) delete process.env.PROJEN_DISABLE_POST;
      else process.env.PROJEN_DISABLE_POST = before;
    }
  }

  /** The paths (relative to the project) that `git check-ignore` ignores, of the ones given. */
  function gitIgnored(dir: string, paths: string[]): string[] {
    for (const path of paths) {
      mkdirSync(join(dir, dirname(path)), { recursive: true });
      writeFileSync(join(dir, path), 'x');
    }
    const run = spawnSync('git', ['check-ignore', '--no-index', ...paths], { cwd: dir, encoding: 'utf8' });
    return run.stdout.split('\n').filter((l) => l !== '').sort();
  }

  const OUTPUTS = ['dist/hello-app-linux.tar.gz', 'dist/hello-app/hello-app.pyz', 'build/build.log', 'build/hello-app.log', '.env', 'ci_mode_test_results.log'];
  const KEPT = ['.env.example', 'requirements.txt', 'src/hello_app/cli.py', 'bin/docker.sh'];

  test.each(['app', '.'])('root %j: git ignores the outputs, logs and .env under the pipeline root, and nothing the pipeline needs', (root) => {
    const dir = synthNodeProject(root);
    const at = (p: string) => (root === '.' ? p : `${root}/${p}`);
    expect(gitIgnored(dir, [...OUTPUTS, ...KEPT].map(at))).toEqual(OUTPUTS.map(at).sort());
  });

  test('the npm package of the project leaves them out too (.npmignore)', () => {
    const dir = synthNodeProject('app');
    for (const path of [...OUTPUTS, ...KEPT].map((p) => `app/${p}`)) {
      mkdirSync(join(dir, dirname(path)), { recursive: true });
      writeFileSync(join(dir, path), 'x');
    }
    const packed = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir, encoding: 'utf8' });
    expect(packed.status).toBe(0);
    const files = (JSON.parse(packed.stdout) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['app/requirements.txt', 'app/src/hello_app/cli.py']));
    expect(files.filter((f) => OUTPUTS.some((o) => f === `app/${o}`))).toEqual([]);
  });

  test('the entries are one table (PIPELINE_OUTPUTS): dist/, build/, .env and the validation log', () => {
    expect(PIPELINE_OUTPUTS).toEqual(['dist/', 'build/', '.env', 'ci_mode_test_results.log']);
  });
});
