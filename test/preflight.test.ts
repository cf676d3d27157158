import { spawnSync } from 'child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Project } from 'projen';
import { FIXTURE_PYINSTALLER, synthFixture } from './support/fixture-app';
import { REPO_ROOT } from './support/project';
import { DESKTOP_APP_STAGES } from '../presets/desktop-app';
import { PackagingPipeline, PREFLIGHT_EXIT_STATUS, StageDefinition, Step, ZipappPackager } from '../src';

/*
 * The preflight (the generated preflight.py), run through the generated driver's check command
 * and dry run on real files: the fixture app (its setup.py reads README.md), copies of the
 * example, and small pyproject.toml projects. No Docker engine is needed.
 */

interface Run { status: number | null; stdout: string; stderr: string }

function run(file: string, args: string[], cwd?: string): Run {
  const env = { ...process.env };
  for (const key of ['HOST_UID', 'HOST_GID', 'DOCKER', 'DOCKER_BUILDKIT', 'BUILD_RUN_ID']) delete env[key];
  const result = spawnSync(file, args, { cwd, encoding: 'utf8', env: { ...env, DOCKER: 'docker', DOCKER_BUILDKIT: '0' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function check(root: string): Run {
  return run(join(root, 'bin/docker.sh'), ['check']);
}

/** The preflight's lines of one kind ("problem", "ok", "note"), without the "preflight: " prefix. */
function lines(output: string, kind: string): string[] {
  return output.split('\n').filter((l) => l.includes(`] ${kind}: `)).map((l) => l.replace(/^(# )?preflight: /, ''));
}

const README_PROBLEM = '[stage runtime] problem: setup.py needs README.md (setup.py egg_info failed with FileNotFoundError), which stage runtime does not copy; add README.md to the copy step of stage runtime in .projenrc.ts';

describe('the dependency stage: the manifest\'s metadata from exactly the files the stage copies', () => {
  test('the fixture whose setup.py reads README.md fails while the runtime stage copies only setup.py, naming the file and the stage', () => {
    const { root } = synthFixture({ copyReadme: false });
    const result = check(root);
    expect(result.status).toBe(PREFLIGHT_EXIT_STATUS);
    expect(lines(result.stdout, 'problem')).toEqual([README_PROBLEM]);
    expect(result.stderr.trim()).toBe('./bin/docker.sh: error: the preflight found problems (listed above); fix the repository or the model in .projenrc.ts');
  });

  test('passes once the runtime stage copies README.md too, and compares python_requires with the declared Python', () => {
    const { root } = synthFixture({ copyReadme: true });
    const result = check(root);
    expect(result.status).toBe(0);
    expect(lines(result.stdout, 'problem')).toEqual([]);
    expect(lines(result.stdout, 'ok')).toEqual(expect.arrayContaining([
      '[stage runtime] ok: setup.py egg_info generated the metadata with only the files the stage copies',
      '[stage runtime] ok: setup.py (python_requires) ">=3.9,<4" allows Python 3.11.2 (declared by stage base)',
    ]));
  });

  test('without setuptools on the host, setup.py runs with a recording stand-in and the README case is still caught', () => {
    const { root } = synthFixture({ copyReadme: false });
    // python3 -S: no site-packages, so no setuptools.
    const result = run('python3', ['-S', join(root, 'package/linux/preflight.py')]);
    expect(result.status).toBe(1);
    expect(lines(result.stdout, 'problem')).toEqual([
      '[stage runtime] problem: setup.py needs README.md (setup.py (with a recording stand-in: setuptools is not installed on this host) failed with FileNotFoundError), which stage runtime does not copy; add README.md to the copy step of stage runtime in .projenrc.ts',
    ]);
    const passing = run('python3', ['-S', join(synthFixture().root, 'package/linux/preflight.py')]);
    expect(lines(passing.stdout, 'ok')).toContain('[stage runtime] ok: setup.py (python_requires) ">=3.9,<4" allows Python 3.11.2 (declared by stage base)');
  });

  test('setup.py egg_info runs as pip\'s build does: without the src folder of package_dir it fails, and the folder is named', () => {
    const { root } = synthFixture({ emptySrc: false });
    expect(lines(check(root).stdout, 'problem')).toEqual([
      '[stage runtime] problem: setup.py needs the folder src (setup.py egg_info failed without it), which stage runtime does not copy; copy it, or, when only the folder must exist (the sources come in a later stage), add it to pythonDependencies.emptyFolders of stage runtime in .projenrc.ts',
    ]);
  });

  test('a manifest that needs a file missing from the repository too says so', () => {
    const { root } = synthFixture({ copyReadme: false });
    rmSync(join(root, 'README.md'));
    expect(lines(check(root).stdout, 'problem')).toEqual([
      '[stage runtime] problem: setup.py needs README.md (setup.py egg_info failed with FileNotFoundError), which is missing in the repository too; add it, or change setup.py',
    ]);
  });

  test('another failure of setup.py is reported with its last line', () => {
    const { root } = synthFixture();
    writeFileSync(join(root, 'setup.py'), 'raise SystemExit("this setup.py needs a build tool")\n');
    expect(lines(check(root).stdout, 'problem')).toEqual([
      '[stage runtime] problem: setup.py egg_info failed with only the files stage runtime copies: this setup.py needs a build tool',
    ]);
  });
});

describe('requires-python against the Python the stages declare', () => {
  test('a Python outside python_requires is a problem naming both and the stage that declares it', () => {
    const { root } = synthFixture({ python: '3.8.10' });
    const result = check(root);
    expect(result.status).toBe(PREFLIGHT_EXIT_STATUS);
    expect(lines(result.stdout, 'problem')).toEqual([
      '[stage runtime] problem: setup.py (python_requires) is ">=3.9,<4", which Python 3.8.10 (declared by stage base) does not meet; change the base image and python.version of stage base in .projenrc.ts, or the requirement',
    ]);
  });

  // The comparison itself, many cases in one Python process (src/preflight/preflight.py imported).
  const CASES: Array<[string, string, boolean | 'error']> = [
    ['>=3.10.12,<3.11', '3.10.12', true], ['>=3.10.12,<3.11', '3.10.11', false], ['>=3.10.12,<3.11', '3.11.0', false],
    ['>=3.10.12, <3.11', '3.10.13', true], ['', '3.1.0', true], ['>=3.9', '3.11.2', true], ['>3.10', '3.10.0', false],
    ['>3.10', '3.10.1', true], ['<=3.10', '3.10.0', true], ['<=3.10', '3.10.1', false], ['<3.11', '3.10.99', true],
    ['==3.10.12', '3.10.12', true], ['==3.10', '3.10.0', true], ['==3.10', '3.10.1', false], ['!=3.10.1', '3.10.1', false],
    ['==3.10.*', '3.10.7', true], ['==3.10.*', '3.11.0', false], ['!=3.10.*', '3.11.0', true], ['!=3.10.*', '3.10.2', false],
    ['==3.*', '3.12.1', true], ['~=3.10', '3.11.0', true], ['~=3.10', '4.0.0', false], ['~=3.10.2', '3.10.5', true],
    ['~=3.10.2', '3.11.0', false], ['~=3.10.2', '3.10.1', false], ['===3.10.12', '3.10.12', true], ['===3.10', '3.10.0', false],
    ['~=3', '3.1.0', 'error'], ['>=3.10.*', '3.10.0', 'error'], ['>=3.10rc1', '3.10.0', 'error'], ['3.10', '3.10.0', 'error'],
  ];
  test(`the PEP 440 subset: ${CASES.length} cases`, () => {
    const program = [
      'import json, sys',
      `sys.path.insert(0, ${JSON.stringify(join(REPO_ROOT, 'src/preflight'))})`,
      'import preflight',
      'out = []',
      'for spec, version in json.load(sys.stdin):',
      '    try: out.append(preflight.specifier_allows(spec, version))',
      '    except preflight.SpecifierError: out.append("error")',
      'print(json.dumps(out))',
    ].join('\n');
    const result = spawnSync('python3', ['-B', '-c', program], { input: JSON.stringify(CASES.map(([s, v]) => [s, v])), encoding: 'utf8' });
    expect(result.stderr).toBe('');
    const got = JSON.parse(result.stdout) as Array<boolean | 'error'>;
    expect(CASES.map(([s, v], i) => [s, v, got[i]])).toEqual(CASES);
  });
});

/**
 * A pipeline on a copy of the example, with its runtime stage's steps replaced. It declares
 * sourcesElsewhere, so that synthesis does not refuse the mistakes these tests give the preflight
 * (a pipeline whose sources are in another checkout is checked only by the preflight).
 */
function exampleVariant(runtimeSteps: StageDefinition['steps']): string {
  const outdir = mkdtempSync(join(tmpdir(), 'staged-build-preflight-'));
  cpSync(join(REPO_ROOT, 'examples/desktop-app'), join(outdir, 'app'), { recursive: true });
  const project = new Project({ name: 'variant', outdir });
  const stages = DESKTOP_APP_STAGES.map((s) => (s.name === 'runtime' ? { ...s, steps: runtimeSteps } : s));
  new PackagingPipeline(project, 'Variant', {
    name: 'variant', root: 'app', labelPrefix: 'dev.staged-build.variant', stages,
    packager: new ZipappPackager({ main: 'desktop_app.cli:main', smokeCheck: { expectedOutput: 'Hello', description: 'it greets' } }),
    paths: { driver: 'bin/docker.sh' },
    sourcesElsewhere: true,
  });
  project.synth();
  return join(outdir, 'app');
}

describe('requirements.txt: every local path it installs must be copied', () => {
  test('the example passes', () => {
    const result = run(join(REPO_ROOT, 'examples/desktop-app/bin/docker.sh'), ['check']);
    expect(result.status).toBe(0);
    expect(lines(result.stdout, 'ok')).toContain('[stage runtime] ok: ./libs/greetings (requires-python) ">=3.9" allows Python 3.11.2 (declared by stage base)');
  });

  test('a local package the stage does not copy is named, with the stage to add it to', () => {
    const root = exampleVariant([Step.copy('requirements.txt', '/app/'), Step.run('python3 -m pip install -r requirements.txt')]);
    const result = check(root);
    expect(result.status).toBe(PREFLIGHT_EXIT_STATUS);
    expect(lines(result.stdout, 'problem')).toEqual([
      '[stage runtime] problem: requirements.txt needs libs/greetings (a local requirement: ./libs/greetings), which stage runtime does not copy; add libs/greetings to the copy step of stage runtime in .projenrc.ts',
    ]);
  });

  test('a manifest that no copy step puts in the working directory is a problem', () => {
    const root = exampleVariant([Step.copy('libs/', '/app/libs/'), Step.run('python3 -m pip install -r requirements.txt')]);
    expect(lines(check(root).stdout, 'problem')).toEqual([
      '[stage runtime] problem: installs from requirements.txt in /app, but none of its copy steps puts it there; add it to the copy step of stage runtime in .projenrc.ts',
    ]);
  });
});

describe('pyproject.toml: the PEP 517 metadata hook, or the [project] table', () => {
  /** An in-tree PEP 517 backend (backend-path), so that the hook runs the same on every host: it reads README.md. */
  const BACKEND = [
    'import os',
    'def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):',
    '    readme = open("README.md", encoding="utf-8").read()',
    '    folder = os.path.join(metadata_directory, "variant-1.0.dist-info")',
    '    os.makedirs(folder)',
    '    with open(os.path.join(folder, "METADATA"), "w", encoding="utf-8") as metadata:',
    '        metadata.write("Metadata-Version: 2.1\\nName: variant\\nVersion: 1.0\\nRequires-Python: >=3.12\\n\\n" + readme)',
    '    print("the backend may print anything")',
    '    return "variant-1.0.dist-info"',
    '',
  ].join('\n');

  function pyprojectApp(backend: string, steps: StageDefinition['steps']): string {
    const root = exampleVariant([...steps!, Step.run('python3 -m pip install .')]);
    mkdirSync(join(root, '_backend'));
    writeFileSync(join(root, '_backend/fixture_backend.py'), BACKEND);
    writeFileSync(join(root, 'pyproject.toml'), [
      '[build-system]', 'requires = []', `build-backend = "${backend}"`, 'backend-path = ["_backend"]', '',
      '[project]', 'name = "variant"', 'version = "1.0"', 'readme = "README.md"', 'requires-python = ">=3.12"', '',
    ].join('\n'));
    // The variant's runtime stage installs from pyproject.toml (the model data of the generated program).
    const preflight = join(root, 'package/linux/preflight.py');
    writeFileSync(preflight, readFileSync(preflight, 'utf8').replace(
      '"manifest": "requirements.txt",\n                "kind": "requirements.txt"',
      '"manifest": "pyproject.toml",\n                "kind": "pyproject.toml"'));
    return root;
  }

  test('the backend\'s metadata hook runs with only the copied files and names the README it needs', () => {
    const root = pyprojectApp('fixture_backend', [Step.copy('pyproject.toml', '/app/'), Step.copy('_backend/', '/app/_backend/')]);
    expect(lines(run('python3', [join(root, 'package/linux/preflight.py')]).stdout, 'problem')).toEqual([
      '[stage runtime] problem: pyproject.toml needs README.md (the metadata hook of fixture_backend failed with FileNotFoundError), which stage runtime does not copy; add README.md to the copy step of stage runtime in .projenrc.ts',
    ]);
  });

  test('with README.md copied, the hook\'s Requires-Python is compared: >=3.12 does not allow 3.11.2', () => {
    const root = pyprojectApp('fixture_backend', [Step.copy(['pyproject.toml', 'README.md'], '/app/'), Step.copy('_backend/', '/app/_backend/')]);
    const out = run('python3', [join(root, 'package/linux/preflight.py')]).stdout;
    expect(lines(out, 'ok')).toContain('[stage runtime] ok: the metadata hook of fixture_backend generated the metadata with only the files the stage copies');
    expect(lines(out, 'problem')).toEqual([
      '[stage runtime] problem: pyproject.toml (requires-python) is ">=3.12", which Python 3.11.2 (declared by stage base) does not meet; change the base image and python.version of stage base in .projenrc.ts, or the requirement',
    ]);
  });

  test('a backend that is not importable here: the [project] table is read, and its readme must be copied', () => {
    const root = pyprojectApp('no_such_backend.api', [Step.copy('pyproject.toml', '/app/')]);
    const out = run('python3', [join(root, 'package/linux/preflight.py')]).stdout;
    expect(lines(out, 'note')).toContain('[stage runtime] note: no_such_backend.api is not importable on this host: read the [project] table instead');
    expect(lines(out, 'problem')).toEqual([
      '[stage runtime] problem: pyproject.toml needs README.md (named by project.readme), which stage runtime does not copy; add README.md to the copy step of stage runtime in .projenrc.ts',
      '[stage runtime] problem: pyproject.toml (requires-python) is ">=3.12", which Python 3.11.2 (declared by stage base) does not meet; change the base image and python.version of stage base in .projenrc.ts, or the requirement',
    ]);
  });
});

describe('the package stage', () => {
  test('the PyInstaller variant of the fixture passes: entry script, data sources, own hidden imports, smoke check', () => {
    const result = check(synthFixture({ packager: 'pyinstaller' }).root);
    expect(result.status).toBe(0);
    expect(lines(result.stdout, 'ok')).toEqual(expect.arrayContaining([
      '[stage package] ok: the entry script src/readme_app/__main__.py exists',
      '[stage package] ok: 3 data source(s) of the package exist in the repository',
      '[stage package] ok: 3 module(s) of the application\'s own packages named by the packager exist',
      '[stage package] ok: a smoke check is declared: cd dist && ./readme-app/readme-app --name fixture (expects /^Hello from readme-app, fixture!$/)',
    ]));
    expect(lines(result.stdout, 'note')).toContain('[stage package] note: 2 source(s) in the image, checked at package time: /home/appuser/.local/share/readme-app/python, /usr/lib/x86_64-linux-gnu/libz.so.1');
  });

  test('a data source that matches nothing, a hook folder and an own hidden import that are missing, and no smoke check', () => {
    const { root } = synthFixture({
      packager: 'pyinstaller',
      pyinstaller: {
        ...FIXTURE_PYINSTALLER,
        datas: [{ source: { repository: 'src/readme_app/data/*.json' }, destination: 'readme_app/data' }],
        hookPaths: ['pyinstaller-hooks'],
        hiddenImports: ['readme_app.plugins.quiet', 'yaml'],
        smokeCheck: undefined,
      },
    });
    const result = check(root);
    expect(result.status).toBe(PREFLIGHT_EXIT_STATUS);
    expect(lines(result.stdout, 'problem')).toEqual([
      `[stage package] problem: the package takes 'src/readme_app/data/*.json', which matches nothing in ${root}; add it or change the packager in .projenrc.ts`,
      `[stage package] problem: the package takes 'pyinstaller-hooks', which is missing in ${root}; add it or change the packager in .projenrc.ts`,
      '[stage package] problem: the package names the module readme_app.plugins.quiet, but src/readme_app/plugins/quiet.py and src/readme_app/plugins/quiet/ are missing; fix the packager\'s hidden imports in .projenrc.ts',
      '[stage package] problem: no smoke check is declared for the package; add smokeCheck to the packager in .projenrc.ts',
    ]);
    expect(lines(result.stdout, 'note')).toContain('[stage package] note: 2 third-party module(s) named by the packager, checked at package time');
  });

  test('a missing entry script is one problem; the other inputs wait for the sources', () => {
    const { root } = synthFixture({ packager: 'pyinstaller' });
    rmSync(join(root, 'src'), { recursive: true });
    const out = check(root).stdout;
    expect(lines(out, 'problem')).toEqual([
      `[stage package] problem: the entry script src/readme_app/__main__.py is missing in ${root}; add it or change the packager's entryPoint in .projenrc.ts`,
    ]);
    expect(lines(out, 'note')).toContain('[stage package] note: the application\'s sources are absent: its data sources and modules are checked once they are there');
  });
});

describe('when the preflight runs', () => {
  test('--dry-run shows its problems as warnings and still exits 0 with the whole plan', () => {
    const { root } = synthFixture({ copyReadme: false });
    const result = run(join(root, 'bin/docker.sh'), ['--ci', '--dry-run', 'build']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`# preflight: ${README_PROBLEM.replace(' problem: ', ' warning: ')}`);
    expect(result.stdout.split('\n').filter((l) => l.startsWith('+ ') && l.includes(' build '))).toHaveLength(3);
  });

  test('build_<stage> checks only the stages up to that one', () => {
    const { root } = synthFixture({ copyReadme: false });
    const base = run(join(root, 'bin/docker.sh'), ['--dry-run', 'build_base']).stdout;
    expect(base).not.toContain('warning: setup.py needs README.md');
    expect(base).toMatch(/# preflight: 0 problem\(s\), 0 check\(s\) passed, stages base, in /);
    expect(run(join(root, 'bin/docker.sh'), ['--dry-run', 'build_runtime']).stdout).toContain('warning: setup.py needs README.md');
  });

  test('AiRunner\'s main dry run still exits 0 in this repository, where AiRunner\'s sources are absent', () => {
    const result = run(join(REPO_ROOT, 'src/airunner/bin/docker.sh'), ['--ci', '--dry-run', 'build']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`# preflight: [stage package] warning: the entry script src/airunner/main.py is missing in ${REPO_ROOT}`);
  });

  test('check needs no Docker: it runs with a docker client that does not exist', () => {
    const { root } = synthFixture();
    const result = spawnSync(join(root, 'bin/docker.sh'), ['check'], { encoding: 'utf8', env: { ...process.env, DOCKER: '/nonexistent/docker' } });
    expect(result.status).toBe(0);
  });

  test('the usage names the check command and the exit status', () => {
    const usage = run(join(REPO_ROOT, 'examples/desktop-app/bin/docker.sh'), ['--help']).stdout;
    expect(usage).toMatch(/^ {2}check {12}the preflight alone/m);
    expect(usage).toMatch(new RegExp(`^ {2}${PREFLIGHT_EXIT_STATUS} +the preflight found problems`, 'm'));
  });
});
