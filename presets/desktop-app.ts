import { Project } from 'projen';
import { DispatchWorkflow, PackagingPipeline, ReleaseWorkflow, StageDefinition, Step, WorkflowGateOptions, ZipappPackager } from '../src';

/*
 * A small, runnable Python desktop application (examples/desktop-app) built with the same
 * constructs as AiRunner. Everything it needs comes from Debian's mirror, so it builds here
 * for real; the zipapp packager stands in for PyInstaller, which cannot be installed offline.
 */

const USER = 'appuser';
const WORKDIR = '/app';
/** Where the runtime stage installs the dependencies; the zipapp bundles this folder. */
const DEPENDENCIES = `/home/${USER}/.local/share/desktop-app/python`;
/** pip's cache while the runtime stage installs (a BuildKit cache mount). */
const PIP_CACHE = `/home/${USER}/.cache/pip`;

export const DESKTOP_APP_STAGES: readonly StageDefinition[] = [
  {
    name: 'base',
    description: 'Debian with Python 3 and the tools the build needs',
    from: { image: 'debian:bookworm-slim' },
    images: { standard: 'local/desktop-app:base', ci: 'local/desktop-app:base_ci' },
    env: { DEBIAN_FRONTEND: 'noninteractive', LANG: 'C.UTF-8', PYTHONDONTWRITEBYTECODE: '1' },
    systemPackages: ['python3', 'python3-pip', 'python3-setuptools', 'python3-wheel'],
    // Debian bookworm's python3.
    python: { version: '3.11.2' },
    user: { name: USER, defaultId: '1000' },
    workdir: WORKDIR,
    // As AiRunner's: the base on pushes to the default branch, the runtime on a release.
    publish: 'branch',
  },
  {
    name: 'runtime',
    description: 'The application\'s Python dependencies, from its dependency manifest',
    from: { stage: 'base' },
    images: { standard: 'local/desktop-app:runtime', ci: 'local/desktop-app:runtime_ci' },
    publish: 'release',
    env: { PYTHONPATH: DEPENDENCIES, PIP_DISABLE_PIP_VERSION_CHECK: '1' },
    pythonDependencies: { manifest: 'requirements.txt' },
    steps: [
      // The dependency manifest and the local packages it names; the application's sources come later.
      Step.copy('requirements.txt', `${WORKDIR}/`),
      Step.copy('libs/', `${WORKDIR}/libs/`),
      // pip's cache: a cache mount with BuildKit, emptied before the layer is written without it.
      Step.run(`python3 -m pip install --no-index --no-build-isolation --cache-dir ${PIP_CACHE} --target ${DEPENDENCIES} -r requirements.txt`, { cacheDirectories: [PIP_CACHE] }),
    ],
  },
  {
    name: 'package',
    description: 'The application sources, packaged as a zipapp',
    from: { stage: 'runtime' },
    images: { standard: 'local/desktop-app:package', ci: 'local/desktop-app:package_ci' },
    steps: [Step.copy('src/', `${WORKDIR}/src/`)],
  },
];

/** The example's workflows: inactive on GitHub (not in the repository's .github/workflows), rehearsed locally. */
const WORKFLOW_DIRECTORY = 'examples/desktop-app/.github/workflows';
/** The registry the example's workflows publish to (its images name none: the driver puts it in front). */
const REGISTRY = 'registry.example.test';

/**
 * The example pipeline, rooted at examples/desktop-app, with the same two workflows as AiRunner
 * (`gate` is their quality gate), which test/e2e/rehearsal.test.ts runs on a local engine and registry.
 */
export function addDesktopAppExample(project: Project, gate: WorkflowGateOptions): PackagingPipeline {
  const pipeline = new PackagingPipeline(project, 'DesktopApp', {
    name: 'desktop-app',
    title: 'Desktop App example',
    root: 'examples/desktop-app',
    labelPrefix: 'dev.staged-build.example',
    stages: DESKTOP_APP_STAGES,
    packager: new ZipappPackager({
      sourceDir: 'src',
      main: 'desktop_app.cli:main',
      bundle: [DEPENDENCIES],
      smokeCheck: {
        arguments: ['--name', 'smoke check'],
        expectedOutput: '^Hello, smoke check!$',
        description: 'the archive runs its entry point with the bundled local dependency (greetings)',
      },
    }),
    paths: { driver: 'bin/docker.sh' },
  });
  // Every pushed image with signed provenance (the rehearsal checks each attested digest against its registry).
  const workflow = { pipeline, directory: WORKFLOW_DIRECTORY, registry: REGISTRY, gate, attestImages: true };
  new ReleaseWorkflow(project, 'DesktopAppRelease', { ...workflow, fileName: 'docker-release', branch: 'main' });
  new DispatchWorkflow(project, 'DesktopAppDispatch', { ...workflow, fileName: 'linux-dispatch' });
  return pipeline;
}
