import { writeFileSync } from 'fs';
import { spawnSync } from 'child_process';
import { DockerfileParser } from 'dockerfile-ast';
import { execForm, quoteValue, renderDockerfile, shellArray, shellQuote } from '../src';
import { shellcheck } from './support/linters';
import { tempFolder } from './support/temp';

const TRICKY = ['plain', 'with space', "it's", 'say "hi"', 'back\\slash', '$HOME and ${PATH}', '`date`', '*', 'a;b&&c|d', '', "'\"'\"'", 'a=b', 'do', '#x', '~'];

/** What bash makes of a word. */
function bashEcho(word: string): string {
  const result = spawnSync('bash', ['-c', `printf '%s' ${word}`], { encoding: 'utf8' });
  expect(result.status).toBe(0);
  return result.stdout;
}

describe('shell quoting', () => {
  test.each(TRICKY)('bash reads %j back unchanged', (value) => {
    expect(bashEcho(shellQuote(value))).toBe(value);
  });

  test('plain words stay unquoted, others are single-quoted', () => {
    expect(shellQuote('ghcr.io/org/app:linux_ci')).toBe('ghcr.io/org/app:linux_ci');
    expect(shellQuote('two words')).toBe("'two words'");
  });

  test('a bash array keeps each element whole', () => {
    const result = spawnSync('bash', ['-c', `a=${shellArray(TRICKY)}; printf '%s\\n' "\${#a[@]}"; printf '[%s]' "\${a[@]}"`], { encoding: 'utf8' });
    expect(result.stdout.split('\n')[0]).toBe(String(TRICKY.length));
    expect(result.stdout.split('\n')[1]).toBe(TRICKY.map((t) => `[${t}]`).join(''));
  });

  test('an array element with a comma is quoted, which shellcheck requires (SC2054: "use spaces, not commas")', () => {
    expect(shellArray(['a,b', 'c'])).toBe("('a,b' c)");
    const file = `${tempFolder('quoting')}/array.sh`;
    writeFileSync(file, `#!/usr/bin/env bash\na=${shellArray(['--name', 'x,y', ','])}\nprintf '%s\\n' "\${a[@]}"\n`);
    expect(shellcheck(file)).toEqual([]);
  });
});

describe('Dockerfile quoting', () => {
  test('ENV and LABEL values are double-quoted with ", \\ and $ escaped', () => {
    expect(quoteValue('say "hi" to $USER\\')).toBe('"say \\"hi\\" to \\$USER\\\\"');
  });

  test('dockerfile-ast reads ENV and LABEL values back unchanged', () => {
    const values = TRICKY.filter((v) => v !== '');
    const text = renderDockerfile({
      header: ['test'],
      instructions: [
        { kind: 'from', image: 'debian:bookworm-slim' },
        { kind: 'env', vars: values.map((v, i) => [`V${i}`, v] as const) },
        { kind: 'label', labels: values.map((v, i) => [`l${i}`, v] as const) },
      ],
    });
    const dockerfile = DockerfileParser.parse(text);
    // dockerfile-ast removes the quotes and the \" and \\ escapes; "\$" stays escaped until variable
    // expansion, where Docker turns it into a literal "$". So the parsed value is the original with "$" escaped.
    const expected = values.map((v) => v.replace(/\$/g, '\\$'));
    const env = dockerfile.getENVs()[0].getProperties().map((p) => p.getValue());
    const label = dockerfile.getInstructions().find((i) => i.getKeyword() === 'LABEL') as unknown as { getProperties(): Array<{ getValue(): string }> };
    expect(env).toEqual(expected);
    expect(label.getProperties().map((p) => p.getValue())).toEqual(expected);
  });

  test('exec form is a JSON array', () => {
    expect(JSON.parse(execForm(['bash', '-c', 'echo "$1"']))).toEqual(['bash', '-c', 'echo "$1"']);
  });

  test('a COPY path with a space uses the JSON form', () => {
    const text = renderDockerfile({ header: [], instructions: [{ kind: 'copy', sources: ['my file'], destination: '/app/', chown: 'u:u' }] });
    expect(text.trim()).toBe('COPY --chown=u:u ["my file", "/app/"]');
  });

  test('RUN commands are joined with && on continuation lines; word lists go one per line', () => {
    const text = renderDockerfile({ header: [], instructions: [{ kind: 'run', commands: ['apt-get update', ['apt-get install -y', 'a', 'b']] }] });
    expect(text.trim().split('\n')).toEqual([
      'RUN apt-get update \\',
      '    && apt-get install -y \\',
      '        a \\',
      '        b',
    ]);
  });
});

describe('paths in the generated user-creation step', () => {
  test('a workdir and home with spaces are quoted as shell words', () => {
    const { Testing } = require('projen/lib/testing') as typeof import('projen/lib/testing');
    const { PackagingPipeline, ZipappPackager } = require('../src') as typeof import('../src');
    const { emptyProject } = require('./support/project') as typeof import('./support/project');
    const project = emptyProject();
    new PackagingPipeline(project, 'App', {
      name: 'app',
      labelPrefix: 'org.example',
      packager: new ZipappPackager({ main: 'app.cli:main' }),
      sourcesElsewhere: true, // no application sources in this test's project
      stages: [
        { name: 'base', description: 'b', from: { image: 'debian:bookworm-slim' }, images: { standard: 'x/app:b', ci: 'x/app:b_ci' }, systemPackages: ['python3'], user: { name: 'u', home: '/home/the user' }, workdir: '/my app' },
        { name: 'package', description: 'p', from: { stage: 'base' }, images: { standard: 'x/app:p', ci: 'x/app:p_ci' } },
      ],
    });
    const text = (Testing.synth(project) as Record<string, string>)['package/linux/Dockerfile.base'];
    const run = DockerfileParser.parse(text).getInstructions().filter((i) => i.getKeyword() === 'RUN').pop()!;
    const command = run.getTextContent().replace(/^RUN /, '').replace(/\\\n\s*/g, '');
    expect(command).toContain("--home-dir '/home/the user'");
    expect(command).toContain("mkdir -p '/my app'");
    expect(command).toContain("chown \"${HOST_UID}:${HOST_GID}\" '/my app'");
    // bash reads the whole command without a syntax error.
    expect(spawnSync('bash', ['-n', '-c', command]).status).toBe(0);
  });
});

describe('workflow run: lines (issue 7: workflow text not quoted)', () => {
  const { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } = require('fs') as typeof import('fs');
  const { tmpdir } = require('os') as typeof import('os');
  const { join, dirname } = require('path') as typeof import('path');
  const { parse } = require('yaml') as typeof import('yaml');
  const { Testing } = require('projen/lib/testing') as typeof import('projen/lib/testing');
  const { DispatchWorkflow, ModelError, PackagingPipeline, ReleaseWorkflow, ZipappPackager } = require('../src') as typeof import('../src');
  const { emptyProject } = require('./support/project') as typeof import('./support/project');
  const { runBlocks, shellcheckRunBlocks, formatFindings } = require('./support/linters') as typeof import('./support/linters');

  type Change = { root?: string; driver?: string; runner?: string; branch?: string };

  function project(change: Change) {
    const p = emptyProject();
    const image = (tag: string) => ({ standard: `ghcr.io/example/app:${tag}`, ci: `ghcr.io/example/app:${tag}_ci` });
    const pipeline = new PackagingPipeline(p, 'App', {
      name: 'app',
      labelPrefix: 'org.example',
      root: change.root,
      paths: change.driver ? { driver: change.driver } : undefined,
      packager: new ZipappPackager({ main: 'app.cli:main' }),
      sourcesElsewhere: true, // no application sources in this test's project
      stages: [
        { name: 'base', description: 'b', from: { image: 'debian:bookworm-slim' }, images: image('base'), systemPackages: ['python3'], user: { name: 'u' }, workdir: '/app', publish: 'branch' },
        { name: 'runtime', description: 'r', from: { stage: 'base' }, images: image('runtime'), publish: 'release' },
        { name: 'package', description: 'p', from: { stage: 'runtime' }, images: image('package') },
      ],
    });
    new ReleaseWorkflow(p, 'Release', { pipeline, fileName: 'release', runner: change.runner, branch: change.branch });
    new DispatchWorkflow(p, 'Dispatch', { pipeline, fileName: 'dispatch', runner: change.runner });
    return p;
  }

  /**
   * Runs every run: block of both workflows with bash -e (as GitHub does) in a folder where the
   * driver, the validation script, docker, gh, npm, npx and sha256sum are recorders, and returns
   * what each was called with, one line per word.
   */
  function runWorkflows(change: Change): { calls: string[][]; injected: boolean } {
    const files = Testing.synth(project(change)) as Record<string, string>;
    const dir = mkdtempSync(join(tmpdir(), 'staged-build-wf-'));
    const bin = join(dir, '.bin');
    mkdirSync(bin);
    const log = join(dir, 'calls.log');
    const recorder = (name: string) => `#!/usr/bin/env bash\n{ printf '%s' ${JSON.stringify(name)}; for word in "$@"; do printf '\\t%s' "$word"; done; printf '\\n'; } >>${JSON.stringify(log)}\n`;
    const root = join(dir, change.root ?? '.');
    const driver = join(root, change.driver ?? 'bin/docker.sh');
    mkdirSync(dirname(driver), { recursive: true });
    const recorders: Array<[string, string]> = [[driver, 'driver'], [join(root, 'test_ci_mode.sh'), 'validation'],
      ...['docker', 'gh', 'npm', 'npx', 'sha256sum'].map((name): [string, string] => [join(bin, name), name])];
    for (const [file, name] of recorders) {
      writeFileSync(file, recorder(name));
      chmodSync(file, 0o755);
    }
    mkdirSync(join(dir, 'dist'));
    for (const path of ['.github/workflows/release.yml', '.github/workflows/dispatch.yml']) {
      const workflow = parse(files[path]) as { jobs: Record<string, { steps: Array<{ 'run'?: string; 'working-directory'?: string }> }> };
      for (const [job, { steps }] of Object.entries(workflow.jobs)) {
        steps.forEach((step, i) => {
          if (step.run === undefined) return;
          // As GitHub runs a run: block (shell: bash): bash --noprofile --norc -eo pipefail <file>.
          const script = join(dir, '.step.sh');
          writeFileSync(script, step.run);
          const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
            cwd: join(dir, step['working-directory'] ?? '.'), encoding: 'utf8',
            env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, TAG: 'v1', REPOSITORY: 'o/r', GH_TOKEN: 't' },
          });
          const where = `${path}#${job}.steps[${i}]`;
          expect({ where, status: result.status, stderr: result.stderr }).toEqual({ where, status: 0, stderr: '' });
        });
      }
    }
    const calls = readFileSync(log, 'utf8').trimEnd().split('\n').map((line) => line.split('\t'));
    return { calls, injected: existsSync(join(dir, 'injected')) };
  }

  const GATE_CALLS = [['npm', 'ci'], ['npx', 'projen', 'test']];
  const EXPECTED_CALLS = [
    ...GATE_CALLS,
    ['driver', '--ci', 'build_base'],
    ['driver', '--ci', 'push', 'base'],
    ['driver', '--ci', 'promote', 'base'],
    ...GATE_CALLS,
    ['driver', '--ci', 'pull_or_build', 'base'],
    ['driver', '--ci', 'build_runtime'],
    ['driver', '--ci', 'build_package'],
    ['driver', '--ci', 'smoke'],
    ['validation'],
    ['driver', '--ci', 'push', 'runtime'],
    ['driver', '--ci', 'promote', 'runtime'],
    ['sha256sum', '--check', 'app-linux.tar.gz.sha256'],
    ['sha256sum', '--', 'app-linux.tar.gz'], // > SHA256SUMS
    ['gh', 'release', 'upload', 'v1', 'dist/app-linux.tar.gz', 'dist/app-linux.tar.gz.sha256', 'dist/SHA256SUMS', '--clobber', '--repo', 'o/r'],
  ];

  test('a plain root: the driver, the validation script, npm, npx, sha256sum and gh get exactly their words; docker is never called', () => {
    expect(runWorkflows({})).toEqual({ calls: EXPECTED_CALLS, injected: false });
  });

  test.each<Change>([
    { root: 'my app' },
    { root: 'a;touch injected;b' },
    { root: 'a&&touch injected&&b', driver: 'tools/the driver.sh' },
    { root: 'x|touch injected', driver: 'bin/(d).sh' },
  ])('root %j: still one word for bash, nothing injected', (change) => {
    expect(runWorkflows(change)).toEqual({ calls: EXPECTED_CALLS, injected: false });
  });

  test('shellcheck finds nothing in the run: blocks of a pipeline with an awkward root', () => {
    const files = Testing.synth(project({ root: 'my app;x', driver: 'bin/the driver.sh' })) as Record<string, string>;
    const blocks = ['.github/workflows/release.yml', '.github/workflows/dispatch.yml'].flatMap((path) => runBlocks(files[path], path));
    const findings = shellcheckRunBlocks(blocks);
    if (findings.length > 0) throw new Error(formatFindings(findings));
    // The words stay quoted in the YAML text too: the parsed run: is what bash gets.
    const steps = (parse(files['.github/workflows/release.yml']) as { jobs: Record<string, { steps: Array<{ run?: string }> }> }).jobs['publish-base'].steps;
    expect(steps.map((s) => s.run).filter(Boolean)).toEqual([
      "'./my app;x/bin/the driver.sh' --ci build_base", "'./my app;x/bin/the driver.sh' --ci push base", "'./my app;x/bin/the driver.sh' --ci promote base",
    ]);
  });

  function refused(change: Change): string {
    const p = project(change);
    try {
      p.synth();
    } catch (error) {
      if (error instanceof ModelError) {
        expect(readdirOf(p.outdir)).toEqual([]);
        return error.message;
      }
      throw error;
    }
    throw new Error('synthesis succeeded, but it should have refused the model');
  }
  const readdirOf = (dir: string) => (require('fs') as typeof import('fs')).readdirSync(dir);

  test.each<[Change, RegExp]>([
    [{ root: 'a${{ github.token }}' }, /\[App\] root: "a\$\{\{ github\.token \}\}" must not contain "\$"/],
    [{ driver: 'bin/${{ secrets.X }}.sh' }, /\[App\] paths\.driver: .* must not contain "\$"/],
    [{ runner: 'ubuntu-24.04; curl evil' }, /\[Release\] runner: "ubuntu-24\.04; curl evil" is not a runner label/],
    [{ runner: '${{ github.event.issue.title }}' }, /\[Dispatch\] runner: .* is not a runner label/],
    [{ branch: 'main;x' }, /\[Release\] branch: "main;x" is not a valid branch name/],
    [{ branch: '${{x}}' }, /\[Release\] branch: "\$\{\{x\}\}" is not a valid branch name/],
    [{ branch: 'release/*' }, /\[Release\] branch: "release\/\*" is not a valid branch name/],
    [{ branch: 'a..b' }, /\[Release\] branch: "a\.\.b" is not a valid branch name \(it contains "\.\."\)/],
    [{ branch: 'feature/.hidden' }, /\[Release\] branch: "feature\/\.hidden" is not a valid branch name/],
  ])('%j is refused', (change, expected) => {
    expect(refused(change)).toMatch(expected);
  });
});

describe('shell words that look like syntax', () => {
  test('reserved words and words with "=" are quoted (never read as syntax or an assignment)', () => {
    expect(['do', 'fi', 'a=b', 'plain-word'].map(shellQuote)).toEqual(["'do'", "'fi'", "'a=b'", 'plain-word']);
    const result = spawnSync('bash', ['-c', `${shellQuote('a=b')} 2>/dev/null; echo "status $? a=\${a-unset}"`], { encoding: 'utf8' });
    expect(result.stdout.trim()).toBe('status 127 a=unset');
  });

  test('literal text with $, backquotes or backslashes gets a shellcheck directive saying so, and only then', () => {
    const { caseFunction } = require('../src/shell/shell-quote') as typeof import('../src/shell/shell-quote');
    expect(caseFunction('f', 'c', [['k', 'plain']])[1]).toBe('f() {');
    expect(caseFunction('f', 'c', [['k', '$HOME']])[1]).toBe('# shellcheck disable=SC2016 # single-quoted on purpose: literal text from the model');
    expect(caseFunction('f', 'c', [['k', 'a\\b `x`']])[1]).toBe('# shellcheck disable=SC2016,SC1003 # single-quoted on purpose: literal text from the model');
  });

  test('literal text that starts with "~" (a description "~/;#Y", found by the property suite) passes shellcheck', () => {
    const { caseFunction } = require('../src/shell/shell-quote') as typeof import('../src/shell/shell-quote');
    const script = ['#!/usr/bin/env bash', ...caseFunction('stage_description', 'c', [['base', '~/;#Y'], ['other', '~']]), 'stage_description base', ''].join('\n');
    const { shellcheck } = require('./support/linters') as typeof import('./support/linters');
    const file = `${tempFolder('tilde')}/data.sh`;
    (require('fs') as typeof import('fs')).writeFileSync(file, script);
    expect(shellcheck(file)).toEqual([]);
  });
});
