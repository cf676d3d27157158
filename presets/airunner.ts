import { Project } from 'projen';
import { DispatchWorkflow, PackagingPipeline, PyInstallerPackager, ReleaseWorkflow, StageDefinition, Step } from '../src';

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
  // Threading Building Blocks
  'libtbb12',
];

export const AIRUNNER_STAGES: readonly StageDefinition[] = [
  {
    name: 'base',
    description: 'System dependencies and tools needed for building',
    from: { image: 'ubuntu:22.04' },
    images: images('linux'),
    env: { DEBIAN_FRONTEND: 'noninteractive', LANG: 'C.UTF-8', PYTHONUNBUFFERED: '1' },
    systemPackages: SYSTEM_PACKAGES,
    user: { name: USER, home: HOME, defaultId: '1000' },
    workdir: WORKDIR,
  },
  {
    name: 'runtime',
    description: 'Python dependencies and runtime environment',
    from: { stage: 'base' },
    images: images('linux_build_runtime'),
    env: {
      PYTHONUSERBASE: PYTHON_USER_BASE,
      PATH: `${PYTHON_USER_BASE}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      PIP_DISABLE_PIP_VERSION_CHECK: '1',
      NLTK_DATA: `${HOME}/.local/share/airunner/nltk_data`,
    },
    steps: [
      // The dependency manifest alone, so that editing the application never invalidates this layer.
      Step.copy('setup.py', `${WORKDIR}/`),
      Step.run([
        'python3 -m pip install --user --no-cache-dir torch torchvision torchaudio',
        'python3 -m pip install --user --no-cache-dir .',
        'python3 -m pip install --user --no-cache-dir pyinstaller==6.12.0',
      ], { cacheDirectories: [`${HOME}/.cache/pip`] }),
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

/** The AiRunner pipeline and its two workflows, in `project`. */
export function addAiRunnerBuild(project: Project): PackagingPipeline {
  const pipeline = new PackagingPipeline(project, 'AiRunner', {
    name: 'airunner',
    title: 'AiRunner',
    platform: 'linux',
    labelPrefix: 'com.capsize-games.airunner',
    sourceUrl: 'https://github.com/Capsize-Games/airunner',
    stages: AIRUNNER_STAGES,
    packager: new PyInstallerPackager({ entryPoint: 'src/airunner/main.py', importPaths: ['src'], console: false }),
    paths: { driver: 'src/airunner/bin/docker.sh', support: 'package/linux', validationScript: 'test_ci_mode.sh', docs: 'docs/BUILD.md' },
    // This repository is also a Node project: keep its folders out of the build context.
    dockerignore: ['.projen', 'coverage', 'test-reports', '/lib', 'examples', 'test'],
  });
  new ReleaseWorkflow(project, 'DockerRelease', { pipeline, fileName: 'docker-release', branch: 'master', timeoutMinutes: 60 });
  new DispatchWorkflow(project, 'LinuxDispatch', { pipeline, fileName: 'linux-dispatch', timeoutMinutes: 120 });
  return pipeline;
}
