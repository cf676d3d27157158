import { Project } from 'projen';
import { BundleFile, CollectedPackage, DispatchWorkflow, PackagingPipeline, PyInstallerPackager, ReleaseWorkflow, StageDefinition, Step, WorkflowGateOptions } from '../src';

/*
 * The AiRunner build, as data: everything AiRunner-specific lives in this module.
 * Specification: BuildProcess.md (three stages, --ci mode, the image names below).
 */

const REPOSITORY = 'ghcr.io/capsize-games/airunner/airunner';
const USER = 'appuser';
const HOME = `/home/${USER}`;
const WORKDIR = '/app';
/** User-level site-packages of the runtime stage (pip install --user). */
const PYTHON_USER_BASE = `${HOME}/.local/share/airunner/python`;
/** Where the runtime stage downloads the NLTK data (the package carries it to where llama_index looks). */
const NLTK_DATA = `${HOME}/.local/share/airunner/nltk_data`;
/** Ubuntu 22.04's multiarch library folder. */
const SYSTEM_LIB = '/usr/lib/x86_64-linux-gnu';

/** CI-mode images carry the "_ci" suffix; standard mode drops it. */
function images(tag: string) {
  return { standard: `${REPOSITORY}:${tag}`, ci: `${REPOSITORY}:${tag}_ci` };
}

/** System dependencies of building and running AiRunner under PyInstaller (Ubuntu 22.04 names). */
const SYSTEM_PACKAGES = [
  // Tool chain and packaging
  'build-essential', 'ca-certificates', 'cmake', 'curl', 'git', 'ninja-build', 'patchelf', 'pkg-config', 'wget',
  // Python 3.10 from Ubuntu
  'python3.10', 'python3.10-dev', 'python3.10-venv', 'python3-pip',
  // Media and speech
  'alsa-utils', 'espeak', 'ffmpeg', 'libasound2', 'libportaudio2', 'libsndfile1', 'portaudio19-dev', 'sox',
  // Qt/X11 runtime (xcb platform plugin) and a virtual display for headless checks
  'libdbus-1-3', 'libegl1', 'libfontconfig1', 'libgl1', 'libglib2.0-0', 'libxkbcommon-x11-0', 'xauth', 'xvfb',
  'libxcb1', 'libxcb-cursor0', 'libxcb-glx0', 'libxcb-icccm4', 'libxcb-image0', 'libxcb-keysyms1', 'libxcb-randr0',
  'libxcb-render0', 'libxcb-render-util0', 'libxcb-shape0', 'libxcb-shm0', 'libxcb-sync1', 'libxcb-xfixes0',
  'libxcb-xinerama0', 'libxcb-xinput0', 'libxcb-xkb1', 'libxcb-util1',
  // Browser engine (Qt WebEngine) dependencies
  'libcups2', 'libgtk-3-0', 'libnspr4', 'libnss3', 'libxcomposite1', 'libxdamage1', 'libxrandr2', 'libxtst6',
  // Threading Building Blocks, and the libraries the package carries by name (see SYSTEM_LIBRARIES)
  'libtbb12', 'libsox3', 'libspeechd2',
];

/*
 * The package, as the original spec (package/pyinstaller/airunner.spec at 92dd44881) made it,
 * with every path taken from the model instead of hard-coded.
 */

/** Modules imported dynamically, which PyInstaller's analysis cannot see: the original's list. */
const HIDDEN_IMPORTS = [
  'airunner', 'airunner.data.models', 'airunner.utils', 'airunner.utils.db', 'airunner.utils.db.bootstrap',
  'airunner.utils.db.column', 'airunner.utils.db.engine', 'airunner.utils.db.table', 'airunner.utils.image',
  'airunner.data.bootstrap.controlnet_bootstrap_data', 'airunner.data.bootstrap.font_settings_bootstrap_data',
  'airunner.data.bootstrap.imagefilter_bootstrap_data', 'airunner.data.bootstrap.model_bootstrap_data',
  'airunner.data.bootstrap.pipeline_bootstrap_data', 'airunner.data.bootstrap.prompt_templates_bootstrap_data',
  'diffusers', 'diffusers.loaders', 'diffusers.loaders.ip_adapter', 'diffusers.pipelines.stable_diffusion.pipeline_stable_diffusion',
  'huggingface_hub.utils',
  'torch', 'torch.jit', 'torch.jit._script', 'torch.jit.frontend', 'torch._sources',
  'tiktoken', 'tiktoken.model', 'tiktoken.registry', 'tiktoken_ext',
  'nvidia', 'nvidia.lib', 'nvidia.lib.cudnn',
  'llama_index', 'llama_index.core', 'llama_index.readers', 'llama_index.readers.file', 'llama_index.core.node_parser',
  'llama_index.core.chat_engine', 'llama_index.core.indices.keyword_table', 'llama_index.core.base.llms.types',
  'logging', 'logging.config', 'PySide6', 'scipy.special._cdflib', 'pysqlite2',
];

/**
 * The application's own data, at the paths its code reads them from inside the bundle:
 * setup_database.py opens airunner/alembic.ini and airunner/alembic/ next to itself, app.py and the
 * main window read airunner/gui/images/, the styles mixin airunner/gui/styles/. The original also
 * put a second alembic.ini and alembic/ at the top of _internal/, which no code reads: left out.
 */
const APPLICATION_DATA: BundleFile[] = [
  { source: { repository: 'src/airunner/alembic.ini' }, destination: 'airunner' },
  { source: { repository: 'src/airunner/alembic' }, destination: 'airunner/alembic' },
  { source: { repository: 'src/airunner/gui/images' }, destination: 'airunner/gui/images' },
  { source: { repository: 'src/airunner/gui/styles' }, destination: 'airunner/gui/styles' },
  { source: { repository: 'src/airunner/data' }, destination: 'airunner/data' },
];

/**
 * Data from the runtime image: NLTK's tokenizer and stop words, downloaded by the runtime stage,
 * go where llama_index.core looks for them (its _static/nltk_cache, when NLTK_DATA is unset, as on
 * a user's machine); the Python headers, for code that compiles extensions at run time (triton).
 */
const IMAGE_DATA: BundleFile[] = [
  { source: { image: `${NLTK_DATA}/tokenizers/punkt` }, destination: 'llama_index/core/_static/nltk_cache/tokenizers/punkt' },
  { source: { image: `${NLTK_DATA}/corpora/stopwords` }, destination: 'llama_index/core/_static/nltk_cache/corpora/stopwords' },
  { source: { image: '/usr/include/python3.10' }, destination: 'include/python3.10' },
];

/**
 * Whole packages. The original copied these site-packages folders as data and listed their
 * libraries one by one (cuDNN, cuBLAS, cuSPARSE, Qt, tiktoken's extension); the collection
 * helpers take the same files from wherever pip installed them.
 */
const COLLECTED: CollectedPackage[] = [
  ...['inflect', 'controlnet_aux', 'diffusers', 'tiktoken_ext', 'pydantic', 'llama_index'].map((pkg) => ({ package: pkg, dataFiles: true, includePyFiles: true })),
  { package: 'tiktoken', dataFiles: true, includePyFiles: true, dynamicLibs: true },
  { package: 'nvidia', dataFiles: true, includePyFiles: true, dynamicLibs: true },
  { package: 'PySide6', dataFiles: true, dynamicLibs: true },
];

/**
 * The hand list that remains: system libraries the application loads by name at run time (sox
 * through torchaudio, speech-dispatcher for text-to-speech, TBB), which no import links and no
 * package contains, so neither PyInstaller's dependency analysis nor a collection helper finds
 * them. The original's other system libraries (NSS, GTK, xcb, libpq, ODBC, MySQL, CUPS, PC/SC)
 * are linked by Qt's libraries and plugins, which PyInstaller's PySide6 hooks collect with their
 * dependencies.
 */
const SYSTEM_LIBRARIES: BundleFile[] = ['libsox.so.3', 'libspeechd.so.2', 'libtbb.so.12']
  .map((lib) => ({ source: { image: `${SYSTEM_LIB}/${lib}` }, destination: '.' }));

export const AIRUNNER_STAGES: readonly StageDefinition[] = [
  {
    name: 'base',
    description: 'System dependencies and tools needed for building',
    from: { image: 'ubuntu:22.04' },
    images: images('linux'),
    env: { DEBIAN_FRONTEND: 'noninteractive', LANG: 'C.UTF-8', PYTHONUNBUFFERED: '1' },
    systemPackages: SYSTEM_PACKAGES,
    // Ubuntu 22.04's python3.10; setup.py asks for python_requires=">=3.10.12,<3.11".
    python: { version: '3.10.12' },
    user: { name: USER, home: HOME, defaultId: '1000' },
    workdir: WORKDIR,
    // Pushed on every push to master (docker-release): it changes rarely, and releases pull it.
    publish: 'branch',
  },
  {
    name: 'runtime',
    description: 'Python dependencies and runtime environment',
    from: { stage: 'base' },
    images: images('linux_build_runtime'),
    // Pushed by a release (linux-dispatch), once the package built FROM it has passed its checks.
    publish: 'release',
    env: {
      PYTHONUSERBASE: PYTHON_USER_BASE,
      PATH: `${PYTHON_USER_BASE}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      PIP_DISABLE_PIP_VERSION_CHECK: '1',
      NLTK_DATA,
    },
    // setup.py has package_dir={"": "src"}: setuptools' egg_info writes into src/, so the install needs the
    // folder; it stays empty here (find_packages("src") finds nothing), the sources come in the package stage.
    pythonDependencies: { manifest: 'setup.py', emptyFolders: ['src'] },
    steps: [
      // The dependency manifest and what it reads at install time (long_description=open("README.md")),
      // nothing of the application, so that editing the application never invalidates this layer.
      Step.copy(['setup.py', 'README.md'], `${WORKDIR}/`),
      // One install of the pinned requirements (torch==2.6.0, ...) with the extras the original
      // packaged: its runtime Dockerfiles ran `pip install -e .[all_dev]`, which is every feature's
      // extra (gui, llm, art, tts, ...: the packages its spec bundles) plus dev, which brings
      // pyinstaller==6.12.0 from the same resolution. Not editable: the package stage copies src/.
      // The original's follow-up unpinned upgrades (-U langchain-community mediapipe timm) are left
      // out: they made the build unreproducible; pin such versions in setup.py instead.
      Step.run(['mkdir -p src', `python3 -m pip install --user '.[all_dev]'`], { cacheDirectories: [`${HOME}/.cache/pip`] }),
      Step.run('python3 -m nltk.downloader -d "$NLTK_DATA" punkt stopwords'),
    ],
  },
  {
    name: 'package',
    description: 'The final PyInstaller package',
    from: { stage: 'runtime' },
    images: images('linux_package'),
    steps: [Step.copy('src/', `${WORKDIR}/src/`)],
  },
];

/** The AiRunner pipeline and its two workflows, in `project`; `gate` is the workflows' quality gate. */
export function addAiRunnerBuild(project: Project, gate: WorkflowGateOptions): PackagingPipeline {
  const pipeline = new PackagingPipeline(project, 'AiRunner', {
    name: 'airunner',
    title: 'AiRunner',
    platform: 'linux',
    labelPrefix: 'com.capsize-games.airunner',
    sourceUrl: 'https://github.com/Capsize-Games/airunner',
    stages: AIRUNNER_STAGES,
    packager: new PyInstallerPackager({
      entryPoint: 'src/airunner/main.py',
      importPaths: ['src'],
      mode: 'one-dir',
      // The original ran as a console application (its log and tracebacks go to the terminal).
      console: true,
      hiddenImports: HIDDEN_IMPORTS,
      excludes: ['tensorflow'],
      datas: [...APPLICATION_DATA, ...IMAGE_DATA],
      binaries: SYSTEM_LIBRARIES,
      collect: COLLECTED,
      // get_version() reads ./setup.py from the working directory: beside the executable, it is found
      // when AiRunner starts from its folder. (The original copied it into _internal/airunner/.)
      besideBundle: [{ source: { repository: 'setup.py' }, destination: '.' }],
      smokeCheck: {
        arguments: ['--help'],
        expectedOutput: '^usage: airunner',
        environment: { QT_QPA_PLATFORM: 'offscreen', DEV_ENV: '0', AIRUNNER_ENVIRONMENT: 'prod' },
        description: 'every module main.py imports at start (torch, PySide6, the database layer) loads from the bundle; --help needs no display',
      },
    }),
    // AiRunner's sources (src/airunner/main.py, setup.py) are in its own repository, not in this one:
    // the entry is checked by the preflight in AiRunner's checkout, not at synthesis here.
    sourcesElsewhere: true,
    paths: { driver: 'src/airunner/bin/docker.sh', support: 'package/linux', validationScript: 'test_ci_mode.sh', docs: 'docs/BUILD.md' },
    // This repository is also a Node project: keep its folders out of the build context.
    dockerignore: ['.projen', 'coverage', 'test-reports', '/lib', 'examples', 'test'],
  });
  // The base image for x86-64 and arm64 Linux, each built on its own runner, joined into one manifest; each pushed image with signed provenance.
  new ReleaseWorkflow(project, 'DockerRelease', { pipeline, fileName: 'docker-release', branch: 'master', timeoutMinutes: 60, gate, platforms: ['linux/amd64', 'linux/arm64'], attestImages: true });
  new DispatchWorkflow(project, 'LinuxDispatch', {
    pipeline, fileName: 'linux-dispatch', timeoutMinutes: 120, gate,
    // The runtime image it pushes, for the same platforms as the base (built FROM it), each with signed provenance.
    attestImages: true,
    platforms: ['linux/amd64', 'linux/arm64'],
    // Windows and macOS packages, built natively (PyInstaller cannot cross-compile), one-dir as the Linux one.
    nativePackages: {
      targets: [{ os: 'windows', arch: 'x64' }, { os: 'macos', arch: 'arm64' }],
      pythonVersion: '3.10',
      manifest: 'setup.py',
      pyinstallerVersion: '6.12.0',
    },
  });
  return pipeline;
}
