import { fixtureStages } from './support/fixture-app';
import { emptyProject, modelProblems } from './support/project';
import { PackagingPipeline, StageDefinition, ZipappPackager } from '../src';

/* The model fields the preflight reads: python (the interpreter a stage installs) and pythonDependencies. */

function problems(edit: (stages: StageDefinition[]) => StageDefinition[]): string[] {
  const project = emptyProject();
  new PackagingPipeline(project, 'App', {
    name: 'app', labelPrefix: 'org.example', stages: edit(fixtureStages()),
    packager: new ZipappPackager({ main: 'readme_app.cli:main', smokeCheck: { expectedOutput: 'Hello', description: 'greets', arguments: ['a\nb'] } }),
    sourcesElsewhere: true, // no application sources in this test's project
  });
  return modelProblems(project);
}

const set = (name: string, fields: Partial<StageDefinition>) => (stages: StageDefinition[]) =>
  stages.map((s) => (s.name === name ? { ...s, ...fields } : s));

const SMOKE = '[App/packager] smokeCheck.arguments[0]: must be a single line of printable text (found a line break, U+000A, in "a\\nb")';

test('a smoke check argument with a line break is refused (and nothing else in the fixture is wrong)', () => {
  expect(problems((s) => s)).toEqual([SMOKE]);
});

test.each<[string, Partial<StageDefinition>, string]>([
  ['base', { python: { version: '3.10' } }, '[App/base] python.version: "3.10" is not a full Python version (major.minor.micro, e.g. "3.10.12")'],
  ['base', { python: { version: '3.10.12 ' } }, '[App/base] python.version: "3.10.12 " is not a full Python version (major.minor.micro, e.g. "3.10.12")'],
  ['runtime', { pythonDependencies: { manifest: 'setup.cfg' } }, '[App/runtime] pythonDependencies.manifest: "setup.cfg" is not a manifest the preflight reads (setup.py, pyproject.toml or requirements*.txt)'],
  ['runtime', { pythonDependencies: { manifest: '../setup.py' } }, '[App/runtime] pythonDependencies.manifest: "../setup.py" escapes the repository ("..")'],
  ['package', { pythonDependencies: { manifest: 'requirements.txt' } }, '[App/package] pythonDependencies: only one stage installs the Python dependencies (already declared by stage "runtime")'],
  ['runtime', { pythonDependencies: { manifest: 'setup.py', emptyFolders: ['lib'] } }, '[App/runtime] pythonDependencies.emptyFolders[0]: no run step of the stage creates "lib"; add "mkdir -p lib" before the install command'],
  ['runtime', { pythonDependencies: { manifest: 'setup.py', emptyFolders: ['$(x)'] } }, '[App/runtime] pythonDependencies.emptyFolders[0]: "$(x)" must not contain "$" (paths may not hold $, \\, quotes or backquotes)'],
  ['runtime', { pythonDependencies: { manifest: 'setup.py', emptyFolders: ['a b'] } }, '[App/runtime] pythonDependencies.emptyFolders[0]: "a b" must be a plain folder name (letters, digits, ".", "_", "-", "/")'],
  ['base', { python: undefined }, '[App/runtime] pythonDependencies: the preflight compares the manifest\'s requires-python with the stage\'s Python, but no stage of base, runtime declares one; add python: { version: "3.x.y" } to the stage that installs Python'],
])('%s %j', (stage, fields, message) => {
  expect(problems(set(stage, fields))).toEqual([message, SMOKE]);
});
