import { spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';
import { actionlint, Finding, formatFindings, lintDockerfile, shellcheck } from './support/linters';
import { REPO_ROOT, synthPresets } from './support/project';

/*
 * The real linters on what the model generates (the text synthPresets() produces, not the committed
 * copies, which could be stale), and on the hand-written shell the generated scripts are made of.
 * Each linter first proves it can fail, on a known-bad input.
 */

/** Passes when there is no finding; otherwise the message lists them, file:line:column: severity rule: message. */
function expectClean(findings: Finding[]): void {
  if (findings.length > 0) throw new Error(`${findings.length} finding(s):\n${formatFindings(findings)}`);
}

const files = synthPresets();
const paths = Object.keys(files).filter((path) => typeof files[path] === 'string').sort();

const DOCKERFILES = paths.filter((path) => /(^|\/)package\/linux\/Dockerfile\.[^/]+$/.test(path));
const SCRIPTS = paths.filter((path) => path.endsWith('.sh'));
const WORKFLOWS = paths.filter((path) => /(^|\/)\.github\/workflows\/[^/]+\.ya?ml$/.test(path));

/** The generated scripts, written to a temporary folder under their repository paths, for shellcheck. */
let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'lint-'));
  for (const path of SCRIPTS) {
    mkdirSync(dirname(join(scratch, path)), { recursive: true });
    writeFileSync(join(scratch, path), files[path]);
  }
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the linters can fail', () => {
  test('shellcheck reports an unquoted variable (SC2086) and style findings (SC2006)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lint-bad-'));
    try {
      const bad = join(dir, 'bad.sh');
      writeFileSync(bad, '#!/usr/bin/env bash\nset -euo pipefail\ntarget=$1\nrm -rf $target\nnow=`date`\necho "$now"\n');
      const findings = shellcheck(bad);
      expect(findings).toEqual(expect.arrayContaining([
        expect.objectContaining({ file: bad, line: 4, rule: 'SC2086' }),
        expect.objectContaining({ file: bad, line: 5, rule: 'SC2006', severity: 'style' }),
      ]));

      const good = join(dir, 'good.sh');
      writeFileSync(good, '#!/usr/bin/env bash\nset -euo pipefail\ntarget=$1\nrm -rf "$target"\n');
      expect(shellcheck(good)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('shellcheck throws when it cannot check (a missing file), instead of reporting clean', () => {
    expect(() => shellcheck(join(tmpdir(), 'no-such-dir-lint', 'missing.sh'))).toThrow(/shellcheck exited/);
  });

  test('dockerfile-utils reports an unknown instruction, an invalid flag and a relative WORKDIR', () => {
    const findings = lintDockerfile('FROM debian:bookworm-slim\nCOPY --chmown=appuser:appuser a /app/\nRUNN echo hi\nWORKDIR app\n', 'bad.Dockerfile');
    expect(findings).toEqual(expect.arrayContaining([
      expect.objectContaining({ file: 'bad.Dockerfile', line: 2, rule: 'UNKNOWN_COPY_FLAG', severity: 'error' }),
      expect.objectContaining({ line: 3, rule: 'UNKNOWN_INSTRUCTION', severity: 'error' }),
      expect.objectContaining({ line: 4, rule: 'WORKDIR_IS_NOT_ABSOLUTE', severity: 'warning' }),
    ]));
    expect(lintDockerfile('FROM debian:bookworm-slim\nCOPY --chown=appuser:appuser a /app/\nWORKDIR /app\n')).toEqual([]);
  });

  const BAD_WORKFLOW = [
    'name: bad',
    'on:',
    '  push:',
    '    branches: [master]',
    'jobs:',
    '  build:',
    '    runs-on: ubuntu-24.04',
    '    timeout-minute: 10',
    '    steps:',
    '      - run: echo "${{ github.event.head_commit.message }}"',
    '      - run: echo "${{ github.sha ) }}"',
    '',
  ].join('\n');

  test('actionlint reports an unknown key, untrusted event data in run: and a bad expression', () => {
    const findings = actionlint(BAD_WORKFLOW, 'bad.yml');
    expect(findings).toEqual(expect.arrayContaining([
      expect.objectContaining({ file: 'bad.yml', line: 8, rule: 'syntax-check', message: expect.stringContaining('timeout-minute') }),
      expect.objectContaining({ line: 10, rule: 'expression', message: expect.stringContaining('potentially untrusted') }),
      expect.objectContaining({ line: 11, rule: 'expression' }),
    ]));
  });

  const canUnshare = spawnSync('unshare', ['--net', 'true']).status === 0;
  (canUnshare ? test : test.skip)('actionlint runs without any network (in a namespace with no interface)', () => {
    expect(actionlint(BAD_WORKFLOW, 'bad.yml', { offline: true }).length).toBeGreaterThanOrEqual(3);
    expect(actionlint(files['.github/workflows/docker-release.yml'], 'docker-release.yml', { offline: true })).toEqual([]);
  });
});

describe('generated Dockerfiles: no dockerfile-utils error or warning', () => {
  test('both pipelines generate three Dockerfiles each, and the BuildKit renderings (cache mounts) of base and runtime', () => {
    expect(DOCKERFILES).toEqual([
      'examples/desktop-app/package/linux/Dockerfile.base',
      'examples/desktop-app/package/linux/Dockerfile.base.buildkit',
      'examples/desktop-app/package/linux/Dockerfile.package',
      'examples/desktop-app/package/linux/Dockerfile.runtime',
      'examples/desktop-app/package/linux/Dockerfile.runtime.buildkit',
      'package/linux/Dockerfile.base',
      'package/linux/Dockerfile.base.buildkit',
      'package/linux/Dockerfile.package',
      'package/linux/Dockerfile.runtime',
      'package/linux/Dockerfile.runtime.buildkit',
    ]);
  });

  test.each(DOCKERFILES)('%s', (path) => {
    expectClean(lintDockerfile(files[path], path));
  });
});

describe('generated scripts: shellcheck finds nothing', () => {
  test('the driver, the package script and the validation script of both pipelines are generated', () => {
    expect(SCRIPTS).toEqual([
      'examples/desktop-app/bin/docker.sh',
      'examples/desktop-app/package/linux/package.sh',
      'examples/desktop-app/test_ci_mode.sh',
      'package/linux/package.sh',
      'src/airunner/bin/docker.sh',
      'test_ci_mode.sh',
    ]);
  });

  test.each(SCRIPTS)('%s', (path) => {
    // Reported under the repository path, not the temporary one.
    expectClean(shellcheck(join(scratch, path)).map((f) => ({ ...f, file: path })));
  });
});

describe('hand-written shell: shellcheck finds nothing', () => {
  const handWritten = [
    ...readdirSync(join(REPO_ROOT, 'src/shell/snippets')).filter((f) => f.endsWith('.sh')).map((f) => `src/shell/snippets/${f}`),
    ...readdirSync(join(REPO_ROOT, 'scripts')).filter((f) => f.endsWith('.sh')).map((f) => `scripts/${f}`),
  ].sort();

  test('the snippets and the scripts are found', () => {
    expect(handWritten).toEqual(expect.arrayContaining([
      'src/shell/snippets/driver-cli.sh',
      'src/shell/snippets/package.sh',
      'src/shell/snippets/validate.sh',
      'scripts/docker-engine.sh',
    ]));
  });

  test.each(handWritten)('%s', (path) => {
    expectClean(shellcheck(join(REPO_ROOT, path)).map((f) => ({ ...f, file: path })));
  });
});

describe('generated workflows: actionlint finds nothing', () => {
  test('both workflows of both pipelines are generated', () => {
    expect(WORKFLOWS).toEqual([
      '.github/workflows/docker-release.yml', '.github/workflows/linux-dispatch.yml',
      'examples/desktop-app/.github/workflows/docker-release.yml', 'examples/desktop-app/.github/workflows/linux-dispatch.yml',
    ]);
  });

  test.each(WORKFLOWS)('%s', (path) => {
    expectClean(actionlint(files[path], path));
  });
});
