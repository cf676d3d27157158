import { javascript, typescript } from 'projen';
import {
  debianPythonBase, PackagingPipeline, pipRequirementsRuntime, pythonDependenciesFolder, sourcesPackageStage, synthOrExit, ZipappPackager,
} from 'staged-build';

// The repository of a Python desktop app, managed by projen; the app itself lives in app/.
const project = new typescript.TypeScriptProject({
  name: 'hello-app',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  projenrcTsOptions: { runner: typescript.TypeScriptRunner.tsx() },
  devDeps: ['staged-build', 'tsx'],
  sampleCode: false,
});

// Image names: local/hello-app:base, :runtime, :package (and :base_ci, ... in CI mode).
const repository = 'local/hello-app';
// Where the runtime stage installs the dependencies; the zipapp bundles the same folder.
const dependencies = pythonDependenciesFolder('hello-app');

new PackagingPipeline(project, 'HelloApp', {
  name: 'hello-app',
  root: 'app',
  labelPrefix: 'com.example.hello-app',
  stages: [
    debianPythonBase({ repository }),
    // offline: the requirements name only local packages (app/libs/), so no index is needed.
    pipRequirementsRuntime({ repository, target: dependencies, localPackages: ['libs/'], offline: true }),
    sourcesPackageStage({ repository }),
  ],
  packager: new ZipappPackager({
    main: 'hello_app.cli:main',
    bundle: [dependencies],
    smokeCheck: {
      arguments: ['--name', 'smoke check'],
      expectedOutput: '^HELLO, SMOKE CHECK!$',
      description: 'the archive runs its entry point with the bundled local dependency (shout)',
    },
  }),
});

// Like project.synth(), but a mistake in the pipeline ends with one clear message and writes nothing.
synthOrExit(project);
