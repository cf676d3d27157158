import { spawnSync } from 'child_process';
import { readdirSync, readFileSync, rmSync } from 'fs';
import { join } from 'path';
import { packLibrary } from './support/pack';
import { REPO_ROOT } from './support/project';
import { tempFolder } from './support/temp';

/*
 * The npm package: `npm pack` compiles first (the prepack script) and the tarball holds the
 * compiled library with the files it reads at synthesis time; the API reference (docs/api/)
 * is what the docs:api task makes from the current sources.
 */

jest.setTimeout(300_000);

const SNIPPETS = readdirSync(join(REPO_ROOT, 'src/shell/snippets')).filter((f) => f.endsWith('.sh')).sort();

describe('npm pack', () => {
  test('with no lib/ at all, the tarball still holds the compiled library: prepack compiles it', () => {
    // The state of a fresh clone: nothing compiled.
    rmSync(join(REPO_ROOT, 'lib'), { recursive: true, force: true });
    const { files } = packLibrary(tempFolder('pack'));
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'lib/index.js', 'lib/index.d.ts', 'lib/projen/packaging-pipeline.js', 'lib/stages/index.js']));
    // What the library reads from disk at synthesis time: every shell snippet (once, not nested) and the preflight.
    expect(files.filter((f) => f.startsWith('lib/shell/snippets/'))).toEqual(SNIPPETS.map((f) => `lib/shell/snippets/${f}`));
    expect(files).toContain('lib/preflight/preflight.py');
  });

  test('the tarball holds only the library: no sources, tests, examples, presets or generated pipeline files', () => {
    const { files } = packLibrary(tempFolder('pack'));
    const outside = files.filter((f) => !f.startsWith('lib/') && !['package.json', 'README.md', 'LICENSE'].includes(f));
    expect(outside).toEqual([]);
    expect(files.filter((f) => f.startsWith('lib/') && !/\.(js|d\.ts|sh|py)$/.test(f))).toEqual([]);
  });

  test('the packed library loads in plain node and exports the constructs and the stage presets', () => {
    const { tarball } = packLibrary(tempFolder('pack'));
    const unpacked = tempFolder('unpacked');
    const untar = spawnSync('tar', ['-xzf', tarball, '-C', unpacked], { encoding: 'utf8' });
    expect(untar.status).toBe(0);
    // Its dependencies resolve from this repository's node_modules (NODE_PATH), as they would from the consumer's.
    const probe = spawnSync('node', ['-e', 'const l = require(process.argv[1]); console.log(["PackagingPipeline", "ZipappPackager", "synthOrExit", "debianPythonBase", "pipRequirementsRuntime", "sourcesPackageStage"].map((n) => `${n}:${typeof l[n]}`).join(" "))', join(unpacked, 'package')], {
      encoding: 'utf8',
      env: { ...process.env, NODE_PATH: join(REPO_ROOT, 'node_modules') },
    });
    expect(probe.stderr).toBe('');
    expect(probe.stdout.trim()).toBe('PackagingPipeline:function ZipappPackager:function synthOrExit:function debianPythonBase:function pipRequirementsRuntime:function sourcesPackageStage:function');
  });
});

describe('the API reference (docs/api/)', () => {
  test('is what the docs:api task makes from the current sources (run "npx projen docs:api" after changing an export)', () => {
    const out = tempFolder('api-docs');
    const run = spawnSync(join(REPO_ROOT, 'node_modules/.bin/typedoc'), ['--options', 'typedoc.json', '--out', out], { cwd: REPO_ROOT, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`typedoc failed\n${run.stdout}\n${run.stderr}`);
    const committed = join(REPO_ROOT, 'docs/api');
    const list = (dir: string) => (readdirSync(dir, { recursive: true }) as string[]).map(String).filter((f) => !f.endsWith('/')).sort();
    expect(list(committed)).toEqual(list(out));
    for (const file of list(out)) {
      expect({ file, text: readFileSync(join(committed, file), 'utf8') }).toEqual({ file, text: readFileSync(join(out, file), 'utf8') });
    }
  });

  test('documents the pipeline construct, its props with their defaults, and the stage presets', () => {
    const reference = readFileSync(join(REPO_ROOT, 'docs/api/README.md'), 'utf8');
    for (const name of ['PackagingPipeline', 'PackagingPipelineProps', 'StageDefinition', 'ZipappPackagerProps', 'debianPythonBase', 'pipRequirementsRuntime', 'sourcesPackageStage']) {
      expect(reference).toMatch(new RegExp(`^#+ ${name}(\\(\\))?$`, 'm'));
    }
    expect(reference).toMatch(/^#+ Default$/m);
  });
});
