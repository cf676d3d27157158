import { cpSync, mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join, relative, sep } from 'path';
import { Project } from 'projen';
import { REPO_ROOT } from './project';
import { Packager, PackagingPipeline, PyInstallerPackager, StageDefinition, Step, ZipappPackager } from '../../src';

/*
 * The fixture app (test/fixtures/readme-app): a setup.py that reads its README at install time,
 * as AiRunner's does. Each test gets its own projen project in a temporary folder with a copy of
 * the fixture's sources as the pipeline root, then synthesizes it there.
 *
 * Two packagers: zipapp, which really builds here (the e2e test), and a PyInstaller variant that
 * uses every feature of the PyInstaller packager; its generated spec is executed by the spec
 * recorder (test/support/spec-recorder.py), since PyInstaller itself cannot be installed here.
 */

export const FIXTURE_SOURCE = join(REPO_ROOT, 'test', 'fixtures', 'readme-app');
/** The pipeline root inside the temporary project. */
export const FIXTURE_ROOT = 'readme-app';
export const FIXTURE_LABEL_PREFIX = 'dev.staged-build.fixture';
export const FIXTURE_PIPELINE = 'readme-app';
export const FIXTURE_DEPENDENCIES = '/home/appuser/.local/share/readme-app/python';

export interface FixtureOptions {
  /** The runtime stage copies README.md next to setup.py (what setup.py needs). @default true */
  readonly copyReadme?: boolean;
  /** The runtime stage declares and creates the empty src folder setup.py's package_dir needs. @default true */
  readonly emptySrc?: boolean;
  /** The Python version the base stage declares (Debian bookworm's). @default "3.11.2" */
  readonly python?: string;
  /** @default "zipapp" */
  readonly packager?: 'zipapp' | 'pyinstaller';
  /** Replaces the default packager's settings (PyInstaller variant). @default - the full variant */
  readonly pyinstaller?: ConstructorParameters<typeof PyInstallerPackager>[0];
}

export function fixtureStages(options: FixtureOptions = {}): StageDefinition[] {
  const manifest = options.copyReadme ?? true ? ['setup.py', 'README.md'] : ['setup.py'];
  return [
    {
      name: 'base',
      description: 'Debian with Python 3',
      from: { image: 'debian:bookworm-slim' },
      images: { standard: 'local/readme-app:base', ci: 'local/readme-app:base_ci' },
      env: { DEBIAN_FRONTEND: 'noninteractive', PYTHONDONTWRITEBYTECODE: '1' },
      systemPackages: ['python3', 'python3-pip', 'python3-setuptools', 'python3-wheel'],
      python: { version: options.python ?? '3.11.2' },
      user: { name: 'appuser', defaultId: '1000' },
      workdir: '/app',
    },
    {
      name: 'runtime',
      description: 'The fixture installed from its setup.py',
      from: { stage: 'base' },
      images: { standard: 'local/readme-app:runtime', ci: 'local/readme-app:runtime_ci' },
      env: { PYTHONPATH: FIXTURE_DEPENDENCIES },
      // setup.py has package_dir={"": "src"}: the install needs the folder, the sources come later.
      pythonDependencies: { manifest: 'setup.py', emptyFolders: options.emptySrc ?? true ? ['src'] : [] },
      steps: [
        Step.copy(manifest, '/app/'),
        Step.run([...(options.emptySrc ?? true ? ['mkdir -p src'] : []), `python3 -m pip install --no-index --no-build-isolation --no-cache-dir --target ${FIXTURE_DEPENDENCIES} .`]),
      ],
    },
    {
      name: 'package',
      description: 'The fixture sources, packaged',
      from: { stage: 'runtime' },
      images: { standard: 'local/readme-app:package', ci: 'local/readme-app:package_ci' },
      steps: [Step.copy('src/', '/app/src/')],
    },
  ];
}

/** The PyInstaller variant: every feature of the packager, each pointing at a real file of the fixture. */
export const FIXTURE_PYINSTALLER: ConstructorParameters<typeof PyInstallerPackager>[0] = {
  entryPoint: 'src/readme_app/__main__.py',
  importPaths: ['src'],
  hiddenImports: ['readme_app.plugins.loud'],
  excludes: ['tkinter'],
  datas: [
    { source: { repository: 'src/readme_app/data/*.txt' }, destination: 'readme_app/data' },
    { source: { image: FIXTURE_DEPENDENCIES }, destination: 'deps' },
  ],
  binaries: [{ source: { image: '/usr/lib/x86_64-linux-gnu/libz.so.1' }, destination: '.' }],
  collect: [
    { package: 'readme_app.plugins', submodules: true },
    { package: 'readme_app', dataFiles: true },
    { package: 'certifi', dataFiles: true },
  ],
  hookPaths: ['hooks'],
  besideBundle: [{ source: { repository: 'README.md' }, destination: '.' }],
  console: true,
  mode: 'one-dir',
  smokeCheck: { arguments: ['--name', 'fixture'], expectedOutput: '^Hello from readme-app, fixture!$', description: 'the bundle reads its data file' },
};

function packager(options: FixtureOptions): Packager {
  if ((options.packager ?? 'zipapp') === 'pyinstaller') return new PyInstallerPackager(options.pyinstaller ?? FIXTURE_PYINSTALLER);
  return new ZipappPackager({
    sourceDir: 'src',
    main: 'readme_app.cli:main',
    bundle: [FIXTURE_DEPENDENCIES],
    smokeCheck: { arguments: ['--name', 'fixture'], expectedOutput: '^Hello from readme-app, fixture!$', description: 'the archive reads its data file' },
  });
}

export interface Fixture {
  readonly project: Project;
  /** The pipeline root on disk (the copy of the fixture's sources, with the generated files). */
  readonly root: string;
}

/** A temporary project with the fixture's sources and its pipeline, synthesized. */
export function synthFixture(options: FixtureOptions = {}): Fixture {
  const outdir = mkdtempSync(join(tmpdir(), 'staged-build-fixture-'));
  const root = join(outdir, FIXTURE_ROOT);
  cpSync(FIXTURE_SOURCE, root, {
    recursive: true,
    filter: (source) => !relative(FIXTURE_SOURCE, source).split(sep).includes('__pycache__'),
  });
  const project = new Project({ name: 'fixture', outdir });
  new PackagingPipeline(project, 'ReadmeApp', {
    name: FIXTURE_PIPELINE,
    title: 'readme-app fixture',
    root: FIXTURE_ROOT,
    labelPrefix: FIXTURE_LABEL_PREFIX,
    stages: fixtureStages(options),
    packager: packager(options),
    paths: { driver: 'bin/docker.sh' },
  });
  project.synth();
  return { project, root };
}
