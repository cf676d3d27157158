import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { Project } from 'projen';
import { PackagingPipeline, PackagingPipelineProps, StageDefinition, Step, ZipappPackager } from '../src';
import { emptyProject, modelProblems } from './support/project';

/*
 * Issue 10, item 4 (a, b): what the model takes from the repository must be there at synthesis,
 * else one model error per mistake and nothing written: every copy source, and the dependency
 * manifest the copy steps bring (a local package folder is a copy source). A pipeline whose
 * sources live in another repository (sourcesElsewhere) is not checked: one warning says so.
 */

/** The stages of a small app: base, runtime (requirements file and a local package), package (sources). */
function stages(): StageDefinition[] {
  return [
    {
      name: 'base',
      description: 'Python',
      from: { image: 'debian:bookworm-slim' },
      images: { standard: 'example/app:base', ci: 'example/app:base_ci' },
      systemPackages: ['python3', 'python3-pip'],
      python: { version: '3.11.2' },
      user: { name: 'appuser' },
      workdir: '/app',
    },
    {
      name: 'runtime',
      description: 'Dependencies',
      from: { stage: 'base' },
      images: { standard: 'example/app:runtime', ci: 'example/app:runtime_ci' },
      pythonDependencies: { manifest: 'requirements.txt' },
      steps: [
        Step.copy('requirements.txt', '/app/'),
        Step.copy('libs/', '/app/libs/'),
        Step.run('python3 -m pip install --no-index -r requirements.txt'),
      ],
    },
    {
      name: 'package',
      description: 'Sources',
      from: { stage: 'runtime' },
      images: { standard: 'example/app:package', ci: 'example/app:package_ci' },
      steps: [Step.copy('src/', '/app/src/')],
    },
  ];
}

/** The files of a complete app, relative to the pipeline root. */
const APP_FILES = ['requirements.txt', 'libs/greetings/pyproject.toml', 'src/app/__init__.py', 'src/app/cli.py'];

/** The props, writable, so that a test can change one field. */
type EditableProps = { -readonly [K in keyof PackagingPipelineProps]: PackagingPipelineProps[K] } & { stages: StageDefinition[] };

function props(change: (p: EditableProps) => void = () => {}): PackagingPipelineProps {
  const p: EditableProps = { name: 'app', labelPrefix: 'org.example.build', stages: stages(), packager: new ZipappPackager({ main: 'app.cli:main' }) };
  change(p);
  return p;
}

/** A project whose repository holds FILES (relative to the project root), with TEXTS for some. */
function projectWith(files: readonly string[], texts: Record<string, string> = {}): Project {
  const project = emptyProject();
  for (const file of files) {
    mkdirSync(dirname(join(project.outdir, file)), { recursive: true });
    writeFileSync(join(project.outdir, file), texts[file] ?? '# text\n');
  }
  return project;
}

/** Synthesizes; returns the problems, and checks that nothing was written when there are some. */
function problemsOf(files: readonly string[], pipelineProps: PackagingPipelineProps, texts: Record<string, string> = {}): string[] {
  const project = projectWith(files, texts);
  new PackagingPipeline(project, 'App', pipelineProps);
  const problems = modelProblems(project);
  const written = existsSync(join(project.outdir, 'bin/docker.sh'));
  expect({ written, problems: problems.length > 0 }).toEqual({ written: problems.length === 0, problems: problems.length > 0 });
  if (problems.length > 0) {
    const roots = [...new Set(files.map((f) => f.split('/')[0]))].sort();
    expect(readdirSync(project.outdir).sort()).toEqual(roots);
  }
  return problems;
}

const ELSEWHERE = 'or set sourcesElsewhere: true on the pipeline when its sources live in another repository';

describe('a complete app synthesizes', () => {
  test('every copy source, the manifest and the entry module are there', () => {
    expect(problemsOf(APP_FILES, props())).toEqual([]);
  });
});

describe('a copy source that is not in the repository is one model error, and nothing is written', () => {
  test('a missing file (the requirements file)', () => {
    expect(problemsOf(APP_FILES.filter((f) => f !== 'requirements.txt'), props())).toEqual([
      `[App/runtime] steps[0].sources[0]: "requirements.txt" is not in the repository: nothing at requirements.txt; add it, fix the path, ${ELSEWHERE}`,
    ]);
  });

  test('a missing local package folder (libs/): only that, not the manifest that is still there', () => {
    expect(problemsOf(APP_FILES.filter((f) => !f.startsWith('libs/')), props())).toEqual([
      `[App/runtime] steps[1].sources[0]: "libs/" is not in the repository: nothing at libs; add it, fix the path, ${ELSEWHERE}`,
    ]);
  });

  test('a missing source folder of the package stage: the copy step only, not the entry module looked for in it', () => {
    expect(problemsOf(APP_FILES.filter((f) => !f.startsWith('src/')), props())).toEqual([
      `[App/package] steps[0].sources[0]: "src/" is not in the repository: nothing at src; add it, fix the path, ${ELSEWHERE}`,
    ]);
  });

  test('each missing source of a step with several is named, under the pipeline root', () => {
    const files = APP_FILES.map((f) => `apps/one/${f}`);
    const change = (p: EditableProps) => {
      p.root = 'apps/one';
      p.stages[2] = { ...p.stages[2], steps: [Step.copy(['src/', 'README.md', 'LICENSE'], '/app/')] };
    };
    expect(problemsOf(files, props(change))).toEqual([
      `[App/package] steps[0].sources[1]: "README.md" is not in the repository: nothing at apps/one/README.md; add it, fix the path, ${ELSEWHERE}`,
      `[App/package] steps[0].sources[2]: "LICENSE" is not in the repository: nothing at apps/one/LICENSE; add it, fix the path, ${ELSEWHERE}`,
    ]);
  });

  test('a source written as a folder ("x/") that is a file', () => {
    const change = (p: EditableProps) => {
      p.stages[1] = { ...p.stages[1], steps: [Step.copy('requirements.txt/', '/app/'), ...p.stages[1].steps!.slice(1)] };
    };
    expect(problemsOf(APP_FILES, props(change))).toEqual([
      '[App/runtime] steps[0].sources[0]: "requirements.txt/" ends with "/" (a folder), but requirements.txt is a file; remove the "/"',
    ]);
  });

  test('patterns are not copy sources: "*.txt" is refused as a pattern, once, not also as a missing path', () => {
    const change = (p: EditableProps) => {
      p.stages[1] = { ...p.stages[1], steps: [Step.copy('*.txt', '/app/'), ...p.stages[1].steps!.slice(1)] };
    };
    expect(problemsOf(APP_FILES, props(change))).toEqual([
      '[App/runtime] steps[0].sources[0]: "*.txt" must not contain "*" (a pattern character: name the file or folder itself)',
    ]);
  });
});

describe('the dependency manifest must come from the repository through a copy step', () => {
  test('a manifest no copy step brings into the working directory', () => {
    const change = (p: EditableProps) => {
      p.stages[1] = { ...p.stages[1], pythonDependencies: { manifest: 'requirements-gpu.txt' } };
    };
    expect(problemsOf([...APP_FILES, 'requirements-gpu.txt'], props(change))).toEqual([
      '[App/runtime] pythonDependencies.manifest: no copy step of stage "runtime" or of the stages it is built FROM puts "requirements-gpu.txt" in /app (at /app/requirements-gpu.txt); copy it from the repository with a copy step',
    ]);
  });

  test('a manifest in a copied folder that does not hold it (app/ is copied, app/setup.py is missing)', () => {
    const change = (p: EditableProps) => {
      p.stages[1] = { ...p.stages[1], pythonDependencies: { manifest: 'setup.py' }, steps: [Step.copy('app/', '/app/'), Step.run('python3 -m pip install .')] };
    };
    expect(problemsOf([...APP_FILES, 'app/README.md'], props(change))).toEqual([
      `[App/runtime] pythonDependencies.manifest: "setup.py" would come from app/setup.py (steps[0] of stage "runtime"), which is not a file in the project root; add it, fix the manifest path, ${ELSEWHERE}`,
    ]);
  });

  test('a manifest found through a folder copy, in a folder under the working directory, or copied by a parent stage', () => {
    const throughFolder = (p: EditableProps) => {
      p.stages[1] = { ...p.stages[1], pythonDependencies: { manifest: 'setup.py' }, steps: [Step.copy('app/', '/app/'), Step.run('python3 -m pip install .')] };
    };
    expect(problemsOf([...APP_FILES, 'app/setup.py'], props(throughFolder))).toEqual([]);
    const inFolder = (p: EditableProps) => {
      p.stages[1] = { ...p.stages[1], pythonDependencies: { manifest: 'deps/requirements.txt' }, steps: [Step.copy(['deps/requirements.txt'], '/app/deps/'), Step.copy('libs/', '/app/libs/')] };
    };
    expect(problemsOf([...APP_FILES, 'deps/requirements.txt'], props(inFolder))).toEqual([]);
    const byParent = (p: EditableProps) => {
      p.stages[0] = { ...p.stages[0], steps: [Step.copy('requirements.txt', '/app/requirements.txt')] };
      p.stages[1] = { ...p.stages[1], steps: p.stages[1].steps!.slice(1) };
    };
    expect(problemsOf(APP_FILES, props(byParent))).toEqual([]);
  });
});

describe('the local paths a requirements file installs must be copied from the repository', () => {
  const REQUIREMENTS = '# local packages\n./libs/greetings\nrequests>=2 # from the index\n-e ./libs/tools\n';

  test('local paths inside a copied folder that holds them, and names from the index, pass', () => {
    const files = [...APP_FILES, 'libs/tools/pyproject.toml'];
    expect(problemsOf(files, props(), { 'requirements.txt': REQUIREMENTS })).toEqual([]);
  });

  test('a local package missing in the copied folder: the line, and where it would come from', () => {
    expect(problemsOf(APP_FILES, props(), { 'requirements.txt': REQUIREMENTS })).toEqual([
      `[App/runtime] pythonDependencies.manifest: line 4 of requirements.txt installs the local path "-e ./libs/tools", which would come from libs/tools (steps[1] of stage "runtime"), missing in the project root; add it, fix the line, ${ELSEWHERE}`,
    ]);
  });

  test('a local path that no copy step brings (a wheel in wheels/, never copied)', () => {
    const text = './libs/greetings\\\n  # continued\nfile:wheels/tool-1.0-py3-none-any.whl\n';
    expect(problemsOf([...APP_FILES, 'wheels/tool-1.0-py3-none-any.whl'], props(), { 'requirements.txt': text })).toEqual([
      '[App/runtime] pythonDependencies.manifest: line 3 of requirements.txt installs the local path "file:wheels/tool-1.0-py3-none-any.whl", but no copy step of stage "runtime" or of the stages it is built FROM puts anything at /app/wheels/tool-1.0-py3-none-any.whl; copy it with a copy step, or fix the line',
    ]);
  });

  test('a local package folder copied on its own (libs/greetings to /app/libs/greetings/) is found; when it is missing, only the copy step is named', () => {
    const change = (p: EditableProps) => {
      p.stages[1] = { ...p.stages[1], steps: [Step.copy('requirements.txt', '/app/'), Step.copy('libs/greetings', '/app/libs/greetings/')] };
    };
    expect(problemsOf(APP_FILES, props(change), { 'requirements.txt': './libs/greetings\n' })).toEqual([]);
    expect(problemsOf(APP_FILES.filter((f) => !f.startsWith('libs/')), props(change), { 'requirements.txt': './libs/greetings\n' })).toEqual([
      `[App/runtime] steps[1].sources[0]: "libs/greetings" is not in the repository: nothing at libs/greetings; add it, fix the path, ${ELSEWHERE}`,
    ]);
  });
});

describe('sourcesElsewhere: the repository is not checked, and one warning says so', () => {
  test('an empty project synthesizes with a warning naming what is not checked', () => {
    const project = emptyProject();
    const warnings: string[] = [];
    project.logger.warn = (...text: unknown[]) => { warnings.push(text.join(' ')); };
    new PackagingPipeline(project, 'App', props((p) => { p.sourcesElsewhere = true; }));
    expect(modelProblems(project)).toEqual([]);
    expect(warnings).toEqual([
      '[App] sourcesElsewhere: the sources are in another repository, so the copy sources, the dependency manifest and the packager\'s entry are not checked at synthesis; the preflight checks them before every build',
    ]);
    expect(existsSync(join(project.outdir, 'bin/docker.sh'))).toBe(true);
  });
});
