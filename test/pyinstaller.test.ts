import { spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { FIXTURE_DEPENDENCIES, FIXTURE_PYINSTALLER, synthFixture } from './support/fixture-app';
import { emptyProject, modelProblems, REPO_ROOT } from './support/project';
import { PackagingPipeline, PyInstallerPackager, PyInstallerPackagerProps } from '../src';
import { AIRUNNER_STAGES } from '../presets/airunner';

/*
 * The PyInstaller packager: its spec, executed by the spec recorder (test/support/spec-recorder.py:
 * PyInstaller's API stood in by recorders, the spec's own code run for real), and its validation.
 */

const RECORDER = join(REPO_ROOT, 'test/support/spec-recorder.py');

interface Recorded {
  analysis: { scripts: string[]; pathex: string[]; hiddenimports: string[]; excludes: string[]; hookspath: string[]; datas: string[][]; binaries: string[][] };
  exe: { name: string; console: boolean; one_file: boolean };
  sources: Array<{ kind: string; where: string; path: string; destination: string; exists: boolean }>;
  hiddenimports: Array<{ module: string; own: boolean; exists: boolean | null }>;
  collections: Array<{ helper: string; package: string; options: Record<string, string>; own: boolean; files: string[] | null }>;
  beside: Array<{ source: string; folder: string; copied: boolean }>;
  problems: string[];
}

function record(spec: string, root?: string): { status: number | null; stdout: string; stderr: string; record: Recorded } {
  const out = join(mkdtempSync(join(tmpdir(), 'spec-record-')), 'record.json');
  const result = spawnSync('python3', ['-B', RECORDER, spec, '--json', out, ...(root ? ['--root', root] : [])], { encoding: 'utf8' });
  let recorded = {} as Recorded;
  try { recorded = JSON.parse(readFileSync(out, 'utf8')) as Recorded; } catch { /* the spec failed: no record */ }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, record: recorded };
}

describe('the fixture\'s PyInstaller spec, executed by the spec recorder', () => {
  const { root } = synthFixture({ packager: 'pyinstaller' });
  const spec = join(root, 'package/linux/readme-app.spec');
  const result = record(spec);

  test('runs without a problem: every repository source exists, own hidden imports exist, the copy beside the bundle is made', () => {
    expect(result.stderr).toBe('');
    expect(result.record.problems).toEqual([]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/spec-recorder: summary: 1 repository source\(s\), 1 present; 2 image source\(s\); 1 hidden import\(s\); 3 collection call\(s\); 1 file\(s\) beside the bundle; 0 problem\(s\)/);
  });

  test('Analysis receives the entry script, import path, hook folder and excludes of the model, resolved in the repository', () => {
    const a = result.record.analysis;
    expect(a.scripts).toEqual([join(root, 'src/readme_app/__main__.py')]);
    expect(a.pathex).toEqual([join(root, 'src')]);
    expect(a.hookspath).toEqual([join(root, 'hooks')]);
    expect(a.excludes).toEqual(['tkinter']);
    expect(result.record.exe).toEqual({ name: 'readme-app', console: true, exclude_binaries: true, one_file: false });
  });

  test('data and binaries: repository globs and image paths with their folders in the bundle', () => {
    expect(result.record.sources.map(({ kind, where, path, destination }) => ({ kind, where, path, destination }))).toEqual([
      { kind: 'data', where: 'repository', path: 'src/readme_app/data/*.txt', destination: 'readme_app/data' },
      { kind: 'data', where: 'image', path: FIXTURE_DEPENDENCIES, destination: 'deps' },
      { kind: 'binary', where: 'image', path: '/usr/lib/x86_64-linux-gnu/libz.so.1', destination: '.' },
    ]);
  });

  test('the collection helpers are called for the model\'s packages; the application\'s own ones are resolved', () => {
    expect(result.record.collections.map((c) => [c.helper, c.package, c.own, c.files])).toEqual([
      ['collect_submodules', 'readme_app.plugins', true, ['src/readme_app/plugins/__init__.py', 'src/readme_app/plugins/loud.py']],
      ['collect_data_files', 'readme_app', true, ['src/readme_app/data/greeting.txt']],
      ['collect_data_files', 'certifi', false, null],
    ]);
    expect(result.record.hiddenimports).toEqual([{ module: 'readme_app.plugins.loud', own: true, exists: true }]);
    expect(result.record.beside).toEqual([{ source: 'README.md', folder: '.', copied: true }]);
  });

  test('one-file: EXE takes the binaries and datas, the executable goes into dist/<app>/, files beside it land there', () => {
    const oneFile = synthFixture({ packager: 'pyinstaller', pyinstaller: { ...FIXTURE_PYINSTALLER, mode: 'one-file', console: false } });
    const r = record(join(oneFile.root, 'package/linux/readme-app.spec'));
    expect(r.status).toBe(0);
    expect(r.record.exe).toEqual({ name: 'readme-app', console: false, exclude_binaries: false, one_file: true });
    expect(r.record.beside).toEqual([{ source: 'README.md', folder: '.', copied: true }]);
    const script = readFileSync(join(oneFile.root, 'package/linux/package.sh'), 'utf8');
    expect(script).toContain('python3 -m PyInstaller --noconfirm --clean --distpath dist/readme-app --workpath build/pyinstaller package/linux/readme-app.spec');
  });

  test('a missing data source and a missing own hidden import are problems the recorder names', () => {
    const broken = synthFixture({
      packager: 'pyinstaller',
      pyinstaller: {
        ...FIXTURE_PYINSTALLER,
        datas: [{ source: { repository: 'src/readme_app/data/missing.txt' }, destination: 'readme_app/data' }],
        hiddenImports: ['readme_app.plugins.quiet'],
      },
    });
    const r = record(join(broken.root, 'package/linux/readme-app.spec'));
    expect(r.status).toBe(1);
    expect(r.record.problems).toEqual([
      `data source src/readme_app/data/missing.txt (to readme_app/data) is missing in ${broken.root}`,
      `hidden import readme_app.plugins.quiet: ${join(broken.root, 'src/readme_app/plugins/quiet')}.py and ${join(broken.root, 'src/readme_app/plugins/quiet')}/ are missing`,
    ]);
  });

  // Repository paths may not hold quotes or backslashes (the model refuses them); a destination may.
  test('a path with spaces and non-ASCII characters, and a destination with quotes, reach PyInstaller unchanged (Python literals)', () => {
    const tricky = 'src/readme_app/data/a file, café ünïcode.txt';
    const variant = synthFixture({ packager: 'pyinstaller', pyinstaller: { ...FIXTURE_PYINSTALLER, datas: [{ source: { repository: tricky }, destination: 'odd "dir"' }] } });
    writeFileSync(join(variant.root, tricky), 'x');
    const r = record(join(variant.root, 'package/linux/readme-app.spec'));
    expect(r.status).toBe(0);
    expect(r.record.analysis.datas[0]).toEqual([join(variant.root, tricky), 'odd "dir"']);
  });
});

describe('AiRunner\'s spec names what the original bundled', () => {
  // The original spec (package/pyinstaller/airunner.spec at 92dd44881): its hidden imports, verbatim.
  const ORIGINAL_HIDDEN_IMPORTS = [
    'airunner', 'airunner.data.models', 'airunner.utils', 'airunner.utils.db', 'airunner.utils.db.bootstrap', 'airunner.utils.db.column',
    'airunner.utils.db.engine', 'airunner.utils.db.table', 'airunner.utils.image', 'airunner.data.bootstrap.controlnet_bootstrap_data',
    'airunner.data.bootstrap.font_settings_bootstrap_data', 'airunner.data.bootstrap.imagefilter_bootstrap_data',
    'airunner.data.bootstrap.model_bootstrap_data', 'airunner.data.bootstrap.pipeline_bootstrap_data',
    'airunner.data.bootstrap.prompt_templates_bootstrap_data', 'diffusers', 'diffusers.loaders', 'diffusers.loaders.ip_adapter',
    'diffusers.pipelines.stable_diffusion.pipeline_stable_diffusion', 'huggingface_hub.utils', 'torch', 'torch.jit', 'torch.jit._script',
    'torch.jit.frontend', 'torch._sources', 'tiktoken', 'tiktoken.model', 'tiktoken.registry', 'tiktoken_ext', 'nvidia', 'nvidia.lib',
    'nvidia.lib.cudnn', 'llama_index', 'llama_index.core', 'llama_index.readers', 'llama_index.readers.file', 'llama_index.core.node_parser',
    'llama_index.core.chat_engine', 'llama_index.core.indices.keyword_table', 'llama_index.core.base.llms.types', 'logging', 'logging.config',
    'PySide6', 'scipy.special._cdflib', 'pysqlite2',
  ];
  // Executed in this repository, where AiRunner's sources are absent: the record lists every source
  // (the real tree is checked by hand with test/support/check-airunner-tree.sh).
  const r = record(join(REPO_ROOT, 'package/linux/airunner.spec'));

  test('here, without AiRunner\'s sources, the recorder still lists everything and names what is missing', () => {
    expect(r.status).toBe(2);
    expect(r.record.problems).toContain(`data source src/airunner/alembic.ini (to airunner) is missing in ${REPO_ROOT}`);
    expect(r.record.problems[r.record.problems.length - 1]).toMatch(/^the spec stopped: FileNotFoundError: .*setup\.py/);
  });

  test('the 45 hidden imports, tensorflow excluded, a console one-dir application from src/airunner/main.py', () => {
    expect(r.record.analysis.hiddenimports).toEqual(ORIGINAL_HIDDEN_IMPORTS);
    expect(r.record.analysis.excludes).toEqual(['tensorflow']);
    expect(r.record.exe).toEqual({ name: 'airunner', console: true, exclude_binaries: true, one_file: false });
    expect(r.record.analysis.scripts).toEqual([join(REPO_ROOT, 'src/airunner/main.py')]);
  });

  test('alembic.ini, alembic/, gui/images/, gui/styles/, data/ and NLTK punkt, at the paths the app reads them from', () => {
    const sources = r.record.sources.map((s) => [s.where, s.path, s.destination]);
    expect(sources).toEqual(expect.arrayContaining([
      ['repository', 'src/airunner/alembic.ini', 'airunner'],
      ['repository', 'src/airunner/alembic', 'airunner/alembic'],
      ['repository', 'src/airunner/gui/images', 'airunner/gui/images'],
      ['repository', 'src/airunner/gui/styles', 'airunner/gui/styles'],
      ['repository', 'src/airunner/data', 'airunner/data'],
      ['image', '/home/appuser/.local/share/airunner/nltk_data/tokenizers/punkt', 'llama_index/core/_static/nltk_cache/tokenizers/punkt'],
    ]));
  });

  test('the NLTK data comes from the folder the runtime stage downloads it to', () => {
    const runtime = AIRUNNER_STAGES.find((s) => s.name === 'runtime')!;
    const nltk = runtime.env!.NLTK_DATA;
    expect(runtime.steps!.some((s) => s.kind === 'run' && s.commands.some((c) => c === 'python3 -m nltk.downloader -d "$NLTK_DATA" punkt stopwords'))).toBe(true);
    expect(r.record.sources.filter((s) => s.path.startsWith(`${nltk}/`)).map((s) => s.path)).toEqual([`${nltk}/tokenizers/punkt`, `${nltk}/corpora/stopwords`]);
  });

  test('the runtime stage installs the pinned requirements once, PyInstaller from the same install, with no unpinned torch', () => {
    const dockerfile = readFileSync(join(REPO_ROOT, 'package/linux/Dockerfile.runtime'), 'utf8');
    expect(dockerfile).toContain('COPY --chown=appuser:appuser setup.py README.md /app/');
    const installs = dockerfile.split('\n').filter((l) => /pip install/.test(l));
    // pip's cache is a cache directory: emptied in this (plain) rendering, mounted in the BuildKit one.
    expect(installs).toEqual(["    && python3 -m pip install --user '.[all_dev]' \\"]);
    expect(dockerfile).toContain("'.[all_dev]' \\\n    && rm -rf /home/appuser/.cache/pip\n");
    expect(dockerfile).toContain('RUN mkdir -p src \\\n');
    expect(dockerfile).not.toMatch(/\btorch\b/);
  });
});

describe('validation: values that would change the spec\'s meaning are refused', () => {
  function problems(props: Partial<PyInstallerPackagerProps>): string[] {
    const project = emptyProject();
    new PackagingPipeline(project, 'App', {
      name: 'app', labelPrefix: 'org.example', stages: AIRUNNER_STAGES,
      packager: new PyInstallerPackager({ ...FIXTURE_PYINSTALLER, ...props }),
      sourcesElsewhere: true, // no application sources in this test's project
    });
    return modelProblems(project);
  }

  test.each<[string, Partial<PyInstallerPackagerProps>, string]>([
    ['a character class in a repository source', { datas: [{ source: { repository: 'src/[ab].txt' }, destination: '.' }] },
      '[App/packager] datas[0].source.repository: "src/[ab].txt" holds "[" or "]", which PyInstaller reads as a character class; rename the file'],
    ['a relative image source', { datas: [{ source: { image: 'usr/share/x' }, destination: '.' }] },
      '[App/packager] datas[0].source.image: "usr/share/x" must be an absolute path inside the image'],
    ['a wildcard in an image source', { binaries: [{ source: { image: '/usr/lib/*.so' }, destination: '.' }] },
      '[App/packager] binaries[0].source.image: "/usr/lib/*.so" holds a wildcard; an image source is a fixed path in the image'],
    ['both sources', { datas: [{ source: { repository: 'a', image: '/a' } as never, destination: '.' }] },
      '[App/packager] datas[0].source: must be { repository: "path" } or { image: "/absolute/path" }'],
    ['a destination outside the bundle', { datas: [{ source: { repository: 'a' }, destination: '../etc' }] },
      '[App/packager] datas[0].destination: "../etc" escapes the bundle ("..")'],
    ['an absolute destination', { datas: [{ source: { repository: 'a' }, destination: '/etc' }] },
      '[App/packager] datas[0].destination: "/etc" must be relative to the top of the bundle ("." for the top)'],
    ['a line break in a destination', { datas: [{ source: { repository: 'a' }, destination: 'a\nb' }] },
      '[App/packager] datas[0].destination: must be a single line of printable text (found a line break, U+000A, in "a\\nb")'],
    ['a wildcard beside the bundle', { besideBundle: [{ source: { repository: 'docs/*.md' }, destination: '.' }] },
      '[App/packager] besideBundle[0].source.repository: "docs/*.md" holds a wildcard; files beside the bundle are named one by one'],
    ['a hidden import that is no module name', { hiddenImports: ['os; import shutil'] },
      '[App/packager] hiddenImports[0]: "os; import shutil" is not a Python module name (dotted identifiers)'],
    ['an exclude that is no module name', { excludes: ['tensor-flow'] },
      '[App/packager] excludes[0]: "tensor-flow" is not a Python module name (dotted identifiers)'],
    ['a collected package without a helper', { collect: [{ package: 'torch' }] },
      '[App/packager] collect[0]: asks for no collection helper: set dataFiles, submodules or dynamicLibs'],
    ['includePyFiles without dataFiles', { collect: [{ package: 'torch', submodules: true, includePyFiles: true }] },
      '[App/packager] collect[0].includePyFiles: only applies with dataFiles: true'],
    ['a hook folder outside the repository', { hookPaths: ['../hooks'] },
      '[App/packager] hookPaths[0]: "../hooks" escapes the repository ("..")'],
    ['an unknown mode', { mode: 'two-dir' as never },
      '[App/packager] mode: "two-dir" must be one of one-dir, one-file'],
    ['a smoke check whose pattern is no regular expression', { smokeCheck: { expectedOutput: '(', description: 'x' } },
      '[App/packager] smokeCheck.expectedOutput: "(" is not a regular expression (Invalid regular expression: /(/m: Unterminated group)'],
  ])('%s', (_what, props, message) => {
    expect(problems(props)).toEqual([message]);
  });

  test('the full fixture variant is valid', () => {
    expect(problems({})).toEqual([]);
  });
});

describe('the spec recorder can fail', () => {
  test('a spec that raises is reported with its traceback, exit status 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spec-'));
    mkdirSync(join(dir, 'x'));
    writeFileSync(join(dir, 'x/bad.spec'), 'a = Analysis([])\nraise RuntimeError("broken spec")\n');
    const r = record(join(dir, 'x/bad.spec'));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('RuntimeError: broken spec');
  });
});
