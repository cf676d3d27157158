import { spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { emptyProject } from './support/project';
import { dockerfileDifferences, pipelineOf } from './support/readback';
import {
  ModelError, PackagingPipeline, PackagingPipelineProps, PREFLIGHT_PROGRAM, PyInstallerPackager, PyInstallerPackagerProps, renderPreflightProgram,
  StageDefinition, Step, ZipappPackager, ZipappPackagerProps,
} from '../src';
import { createsFolder } from '../src/model/python-dependencies';

/*
 * The cases the property tests (property-models, property-external) found, each kept as a fixed
 * example so that it stays fixed whatever seed a run draws: model values that crashed the
 * validation with a TypeError or were accepted (a smoke-check pattern Python reads differently), commands that create a folder but were refused,
 * a dependency stage the preflight never checked, and a Dockerfile the read-back misread.
 */

const STAGES: StageDefinition[] = [
  {
    name: 'base', description: 'Debian with Python', from: { image: 'debian:bookworm-slim' },
    images: { standard: 'example/app:base', ci: 'example/app:base-ci' }, user: { name: 'app' }, workdir: '/app', python: { version: '3.11.2' },
  },
  {
    name: 'deps', description: 'The dependencies', from: { stage: 'base' }, images: { standard: 'example/app:deps', ci: 'example/app:deps-ci' },
    pythonDependencies: { manifest: 'setup.py' }, steps: [Step.copy('setup.py', '/app/'), Step.run('python3 -m pip install --user .')],
  },
  { name: 'package', description: 'The sources', from: { stage: 'deps' }, images: { standard: 'example/app:package', ci: 'example/app:package-ci' } },
];
const SMOKE = { expectedOutput: '^usage', description: 'it starts' };
const PYINSTALLER: PyInstallerPackagerProps = { entryPoint: 'src/app/main.py', smokeCheck: SMOKE };
const ZIPAPP: ZipappPackagerProps = { main: 'app.cli:main', smokeCheck: SMOKE };

/** The [path] field of every problem of the model (none when it is valid); any other exception fails the test. */
function problemFields(props: Partial<PackagingPipelineProps>): string[] {
  const project = emptyProject();
  try {
    // sourcesElsewhere: the project is an empty folder, and these tests are about the stages' fields.
    new PackagingPipeline(project, 'App', { name: 'app', labelPrefix: 'org.example', stages: STAGES, packager: new PyInstallerPackager(PYINSTALLER), sourcesElsewhere: true, ...props });
    project.synth();
  } catch (error) {
    if (error instanceof ModelError) return error.problems.map((p) => `[${p.path}] ${p.field}`);
    throw error;
  } finally {
    rmSync(project.outdir, { recursive: true, force: true });
  }
  return [];
}

const stage = (name: string, change: Record<string, unknown>) => ({ stages: STAGES.map((s) => (s.name === name ? { ...s, ...change } as StageDefinition : s)) });
const pyinstaller = (change: Record<string, unknown>) => ({ packager: new PyInstallerPackager({ ...PYINSTALLER, ...change } as PyInstallerPackagerProps) });
const zipapp = (change: Record<string, unknown>) => ({ packager: new ZipappPackager({ ...ZIPAPP, ...change } as ZipappPackagerProps) });

describe('a value of the wrong kind is one model error naming its field (it crashed, or was named wrong, or was accepted)', () => {
  test.each<[string, Partial<PackagingPipelineProps>, string]>([
    ['python: null (crashed)', stage('package', { python: null }), '[App/package] python'],
    ['python: a string (named python.version)', stage('base', { python: '3.11.2' }), '[App/base] python'],
    ['python.version: a list (accepted)', stage('base', { python: { version: ['3.10.12'] } }), '[App/base] python.version'],
    ['pythonDependencies: null (crashed)', stage('deps', { pythonDependencies: null }), '[App/deps] pythonDependencies'],
    ['pythonDependencies: a string (named its manifest)', stage('deps', { pythonDependencies: 'setup.py' }), '[App/deps] pythonDependencies'],
    ['pythonDependencies.manifest: a number (crashed)', stage('deps', { pythonDependencies: { manifest: 5 } }), '[App/deps] pythonDependencies.manifest'],
    ['pythonDependencies.emptyFolders: a string (crashed)', stage('deps', { pythonDependencies: { manifest: 'setup.py', emptyFolders: 'src' } }), '[App/deps] pythonDependencies.emptyFolders'],
    ['pythonDependencies.emptyFolders[0]: a number (crashed)', stage('deps', { pythonDependencies: { manifest: 'setup.py', emptyFolders: [5] } }), '[App/deps] pythonDependencies.emptyFolders[0]'],
    ['smokeCheck: a string (named its fields)', pyinstaller({ smokeCheck: '--help' }), '[App/packager] smokeCheck'],
    ['smokeCheck: null (accepted as none)', pyinstaller({ smokeCheck: null }), '[App/packager] smokeCheck'],
    ['smokeCheck.arguments: a string (crashed)', pyinstaller({ smokeCheck: { ...SMOKE, arguments: '--help' } }), '[App/packager] smokeCheck.arguments'],
    ['smokeCheck.environment: a string (named smokeCheck.environment.0, .1, ...)', zipapp({ smokeCheck: { ...SMOKE, environment: 'A=1' } }), '[App/packager] smokeCheck.environment'],
    ['smokeCheck.expectedOutput: a named group "(?<n>...)", JavaScript-only (accepted; Python\'s re refuses it)', zipapp({ smokeCheck: { ...SMOKE, expectedOutput: '(?<n>a)' } }), '[App/packager] smokeCheck.expectedOutput'],
    ['smokeCheck.expectedOutput: "a{,2}", literal in JavaScript, a quantifier in Python (accepted)', zipapp({ smokeCheck: { ...SMOKE, expectedOutput: 'a{,2}' } }), '[App/packager] smokeCheck.expectedOutput'],
    ['importPaths: a string (crashed)', pyinstaller({ importPaths: 'src' }), '[App/packager] importPaths'],
    ['datas: a string (crashed)', pyinstaller({ datas: 'data' }), '[App/packager] datas'],
    ['datas[0]: null (crashed)', pyinstaller({ datas: [null] }), '[App/packager] datas[0]'],
    ['collect: an object (crashed)', pyinstaller({ collect: {} }), '[App/packager] collect'],
    ['collect[0]: null (crashed)', pyinstaller({ collect: [null] }), '[App/packager] collect[0]'],
    ['collect[0].dataFiles: the string "false" (accepted, and rendered as collect_data_files)', pyinstaller({ collect: [{ package: 'pkg', submodules: true, dataFiles: 'false' }] }), '[App/packager] collect[0].dataFiles'],
    ['a destination with a component longer than 255 bytes (accepted)', pyinstaller({ datas: [{ source: { repository: 'data' }, destination: `a/${'y'.repeat(256)}` }] }), '[App/packager] datas[0].destination'],
    ['zipapp main: a number (crashed)', zipapp({ main: 5 }), '[App/packager] main'],
    ['zipapp bundle: a string (crashed)', zipapp({ bundle: '/deps' }), '[App/packager] bundle'],
  ])('%s', (_what, props, field) => {
    expect(problemFields(props)).toEqual([field]);
  });
});

describe('a run step that creates an empty folder is seen in every ordinary form of mkdir (quoted, clustered, long or in a group were refused)', () => {
  test.each([
    ["mkdir -p 'src'"], ['mkdir -pv "src"'], ['mkdir -vp -- src'], ['mkdir --parents ./src'], ['mkdir -p src/'], ['echo start; mkdir -p src'],
    ['mkdir -m 755 -p src'], ['{ mkdir -p lib src; }'], ['mkdir -p src; true'],
  ])('%s', (command) => {
    const steps = [Step.copy('setup.py', '/app/'), Step.run([command, 'python3 -m pip install --user .'])];
    expect(problemFields(stage('deps', { pythonDependencies: { manifest: 'setup.py', emptyFolders: ['src'] }, steps }))).toEqual([]);
  });

  test.each([
    ['mkdir src'], ['mkdir -m p src'], ['echo mkdir -p src'], ['mkdir -p "$DIR"'], ['mkdir -p srcx'], ['mkdir -p lib/src'],
    // Found by the folder property in shell-syntax.test.ts: each of these can succeed without the folder.
    ['true || mkdir -p src'], ['false && mkdir -p src || true'], ['if true; then mkdir -p src; fi'],
    ['cd sub && mkdir -p src'], ['mkdir -x -p src; true'], ['mkdir -m bad -p src; true'], ['mkdir -p $OPTS src; true'],
  ])('but not in %s', (command) => {
    const steps = [Step.copy('setup.py', '/app/'), Step.run([command, 'python3 -m pip install --user .'])];
    expect(problemFields(stage('deps', { pythonDependencies: { manifest: 'setup.py', emptyFolders: ['src'] }, steps }))).toEqual(['[App/deps] pythonDependencies.emptyFolders[0]']);
  });
});

test('a mkdir in the background or in a comment creates no folder for sure (the run-step scanner refuses both lines too)', () => {
  expect(createsFolder('mkdir -p src &', 'src')).toBe(false);
  expect(createsFolder('# mkdir -p src', 'src')).toBe(false);
  expect(createsFolder('echo a#b; mkdir -p src', 'src')).toBe(true);
});

describe('the preflight checks a dependency stage that is not on the package stage\'s chain (it was skipped)', () => {
  // base -> deps (installs the dependencies), base -> package: `build` builds deps too.
  const stages = STAGES.map((s) => (s.name === 'package' ? { ...s, from: { stage: 'base' } } : s));
  const model = pipelineOf({ props: { name: 'app', labelPrefix: 'org.example', stages, packager: new PyInstallerPackager(PYINSTALLER) } } as never);

  function preflight(args: string[]): { status: number | null; stdout: string } {
    const dir = mkdtempSync(join(tmpdir(), 'staged-build-preflight-'));
    try {
      const program = join(dir, 'repo', model.supportDir, PREFLIGHT_PROGRAM);
      mkdirSync(dirname(program), { recursive: true });
      writeFileSync(program, renderPreflightProgram(model));
      mkdirSync(join(dir, 'empty'));
      const result = spawnSync('python3', ['-B', program, '--root', join(dir, 'empty'), ...args], { encoding: 'utf8' });
      return { status: result.status, stdout: result.stdout };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  test('with no --stage (check, build, --dry-run): every stage, the dependency stage included', () => {
    const { status, stdout } = preflight([]);
    expect(status).toBe(1);
    expect(stdout).toContain('[stage deps] problem: copies \'setup.py\', which is missing');
    expect(stdout).toMatch(/stages base, deps, package,/);
  });

  test('with --stage package (build_package): the package stage\'s chain only', () => {
    const { stdout } = preflight(['--stage', 'package']);
    expect(stdout).not.toContain('[stage deps]');
    expect(stdout).toMatch(/stages base, package,/);
  });
});

test('the Dockerfile read-back takes a quoted "<<" for text, as Docker does (dockerfile-ast read it as a heredoc and lost the rest of the file)', () => {
  const steps = [Step.run("printf '%s\\n' ' <<'"), Step.run('echo next'), Step.copy('setup.py', '/app/')];
  const model = pipelineOf({ props: { name: 'app', labelPrefix: 'org.example', stages: stage('deps', { steps }).stages, packager: new ZipappPackager(ZIPAPP) } } as never);
  expect(model.stages.flatMap((s) => dockerfileDifferences(model, s))).toEqual([]);
});

test('the Dockerfile read-back takes a " --" inside a COPY\'s JSON form for text, as Docker does (dockerfile-ast read it as a flag)', () => {
  const steps = [Step.copy(['a/-- --', 'setup.py'], '/app/')];
  const model = pipelineOf({ props: { name: 'app', labelPrefix: 'org.example', stages: stage('deps', { steps }).stages, packager: new ZipappPackager(ZIPAPP) } } as never);
  expect(model.stages.flatMap((s) => dockerfileDifferences(model, s))).toEqual([]);
});
