import { chmodSync, mkdirSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { BashRun, runSnippets } from './support/bash';
import { tempFolder } from './support/temp';
import { imageUnderRegistry } from '../src/workflows/workflow-options';

/*
 * Bash unit tests of the publishing snippets, each sourced alone (no engine): image names under
 * --registry (image-name.sh), the input tag's hash (driver-input-tag.sh), how a failed pull is
 * told apart (driver-publish.sh), and the smoke check's output matching (smoke-output.sh).
 */

function bash(snippets: string[], script: string, cwd = tempFolder('publish-snippet'), vars: Record<string, string> = {}): BashRun {
  return runSnippets(snippets, script, { cwd, vars });
}

function out(snippets: string[], script: string, cwd?: string, vars?: Record<string, string>): string {
  const run = bash(snippets, script, cwd, vars);
  if (run.status !== 0) throw new Error(`exit ${run.status}: ${run.stderr}`);
  return run.stdout;
}

describe('with_registry: --registry replaces the registry host of an image name, or goes in front of a name without one', () => {
  const cases: Array<[string, string, string]> = [
    ['', 'ghcr.io/owner/app:linux_ci', 'ghcr.io/owner/app:linux_ci'],
    ['127.0.0.1:5000', 'ghcr.io/owner/app:linux_ci', '127.0.0.1:5000/owner/app:linux_ci'],
    ['127.0.0.1:5000/ci-7', 'ghcr.io/owner/app:linux_ci', '127.0.0.1:5000/ci-7/owner/app:linux_ci'],
    ['127.0.0.1:5000', 'local/desktop-app:base_ci', '127.0.0.1:5000/local/desktop-app:base_ci'],
    ['registry.example.test', 'localhost/app:x', 'registry.example.test/app:x'],
    ['registry.example.test', 'localhost:5000/app:x', 'registry.example.test/app:x'],
    ['registry.example.test', 'app:x', 'registry.example.test/app:x'],
  ];
  test.each(cases)('REGISTRY=%j: %s -> %s', (registry, name, expected) => {
    expect(out(['image-name'], `REGISTRY=${JSON.stringify(registry)}; with_registry ${JSON.stringify(name)}`)).toBe(`${expected}\n`);
  });

  // The generated docs name images as the driver pushes them (imageUnderRegistry): the same rule as the bash.
  test.each(cases.filter(([registry]) => registry !== ''))('imageUnderRegistry agrees: %j, %s', (registry, name, expected) => {
    expect(imageUnderRegistry(name, registry)).toBe(expected);
  });

  test('registry_problem accepts HOST[:PORT][/PATH] in lowercase and says why anything else is not one', () => {
    for (const good of ['ghcr.io', 'ghcr.io/owner', '127.0.0.1:5000', '127.0.0.1:5000/staged-build-e2e-1', 'localhost:5000/a/b']) {
      expect(out(['image-name'], `registry_problem ${JSON.stringify(good)}`)).toBe('');
    }
    expect(out(['image-name'], 'registry_problem ""')).toBe('is empty');
    for (const bad of ['GHCR.io', 'http://ghcr.io', 'ghcr.io/', 'ghcr.io:port', '-x.io', 'a b']) {
      expect(out(['image-name'], `registry_problem ${JSON.stringify(bad)}`)).toMatch(/^is not HOST\[:PORT\]\[\/PATH\] in lowercase/);
    }
  });

  test('registry_host: the first component only when Docker would take it for a registry', () => {
    expect(out(['image-name'], 'registry_host ghcr.io/owner/app:x')).toBe('ghcr.io\n');
    expect(out(['image-name'], 'registry_host localhost/app:x')).toBe('localhost\n');
    expect(out(['image-name'], 'registry_host 127.0.0.1:5000/app:x')).toBe('127.0.0.1:5000\n');
    expect(bash(['image-name'], 'registry_host local/desktop-app:base').status).toBe(1);
    expect(bash(['image-name'], 'registry_host app:x').status).toBe(1);
  });
});

describe('pull_error_is_absent: only the registry saying it has no such image counts as absent', () => {
  const absent = [
    'Error response from daemon: manifest for 127.0.0.1:5000/x/app:base_ci-0123456789ab not found: manifest unknown: manifest unknown',
    'Error response from daemon: repository 127.0.0.1:5000/x/app not found: name unknown: repository name not known to registry',
    'error: MANIFEST_UNKNOWN',
  ];
  const other = [
    'Error response from daemon: Get "http://127.0.0.1:9/v2/": dial tcp 127.0.0.1:9: connect: connection refused',
    'Error response from daemon: pull access denied for app, repository does not exist or may require \'docker login\': denied: requested access to the resource is denied',
    'Error response from daemon: Head "https://ghcr.io/v2/o/a/manifests/x": unauthorized',
    'Error response from daemon: Get "https://registry.example.test/v2/": context deadline exceeded',
    '',
  ];
  test.each(absent)('absent: %s', (text) => {
    expect(bash(['driver-publish'], `pull_error_is_absent ${JSON.stringify(text)}`).status).toBe(0);
  });
  test.each(other)('not absent: %j', (text) => {
    expect(bash(['driver-publish'], `pull_error_is_absent ${JSON.stringify(text)}`).status).toBe(1);
  });
});

describe('input_hash: the hash of what a stage is built from', () => {
  /** A two-stage model as bash data: base (creates its user, copies conf) and child (FROM base, copies src/ and req.txt). */
  const MODEL_FUNCTIONS = `
INPUT_HASH_LENGTH=12
IMAGE_UID=\${IMAGE_UID:-1000}
IMAGE_GID=\${IMAGE_GID:-1000}
stage_dockerfile() { printf 'Dockerfile.%s\\n' "$1"; }
stage_parent() { [[ "$1" == child ]] && echo base; }
stage_takes_user_ids() { [[ "$1" == base ]] && echo yes; }
stage_inputs() { case "$1" in base) echo conf ;; child) printf '%s\\n' src/ ./req.txt ;; esac; }
`;

  function checkout(): string {
    const dir = tempFolder('input-hash');
    const files: Record<string, string> = {
      'Dockerfile.base': 'FROM debian\n', 'Dockerfile.child': 'ARG BASE\nFROM $BASE\n', conf: 'a=1\n',
      'src/app/main.py': 'print(1)\n', 'src/app/util.py': 'X = 1\n', 'req.txt': 'greetings\n', '.dockerignore': '**/__pycache__\n*.log\n',
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    return dir;
  }

  function hashes(dir: string, extra = ''): { base: string; child: string } {
    const [base, child] = out(['driver-input-tag'], `${MODEL_FUNCTIONS}${extra}\ninput_hash base; input_hash child`, dir).trim().split('\n');
    return { base, child };
  }

  test('12 hex digits, the same on every run', () => {
    const dir = checkout();
    const first = hashes(dir);
    expect(first.base).toMatch(/^[0-9a-f]{12}$/);
    expect(first.child).toMatch(/^[0-9a-f]{12}$/);
    expect(first.child).not.toBe(first.base);
    expect(hashes(dir)).toEqual(first);
  });

  test('input_tag is the image name, "-", and the hash', () => {
    const dir = checkout();
    const { child } = hashes(dir);
    expect(out(['driver-input-tag'], `${MODEL_FUNCTIONS}\nimage_of() { echo "127.0.0.1:5000/x/app:$1_ci"; }\ninput_tag child`, dir)).toBe(`127.0.0.1:5000/x/app:child_ci-${child}\n`);
  });

  const changes: Array<[string, (dir: string) => void, 'base' | 'child']> = [
    ['a copied file\'s content (child)', (d) => writeFileSync(join(d, 'src/app/util.py'), 'X = 2\n'), 'child'],
    ['a new file in a copied folder (child)', (d) => writeFileSync(join(d, 'src/app/new.py'), ''), 'child'],
    ['a copied file made executable (child)', (d) => chmodSync(join(d, 'src/app/main.py'), 0o755), 'child'],
    ['the stage\'s Dockerfile (child)', (d) => writeFileSync(join(d, 'Dockerfile.child'), 'ARG BASE\nFROM $BASE\nRUN true\n'), 'child'],
    ['the parent\'s input (base, and so child)', (d) => writeFileSync(join(d, 'conf'), 'a=2\n'), 'base'],
  ];
  test.each(changes)('changes with %s', (_what, change, changed) => {
    const dir = checkout();
    const before = hashes(dir);
    change(dir);
    const after = hashes(dir);
    expect(after.child).not.toBe(before.child);
    if (changed === 'base') expect(after.base).not.toBe(before.base);
    else expect(after.base).toBe(before.base);
  });

  test('changes with the user IDs of the stage that creates its user, and of its children', () => {
    const dir = checkout();
    const before = hashes(dir);
    const after = hashes(dir, 'IMAGE_UID=1001');
    expect(after.base).not.toBe(before.base);
    expect(after.child).not.toBe(before.child);
  });

  test('does not change with what .dockerignore leaves out of the build context, nor with files no stage copies', () => {
    const dir = checkout();
    const before = hashes(dir);
    mkdirSync(join(dir, 'src/app/__pycache__'));
    writeFileSync(join(dir, 'src/app/__pycache__/main.cpython-311.pyc'), 'bytes');
    writeFileSync(join(dir, 'README.md'), 'not an input\n');
    writeFileSync(join(dir, 'build.log'), 'ignored at the top\n');
    expect(hashes(dir)).toEqual(before);
  });

  test('a "!" exception in .dockerignore turns the ignore patterns off (more files hashed, never fewer)', () => {
    const dir = checkout();
    mkdirSync(join(dir, 'src/app/__pycache__'));
    writeFileSync(join(dir, 'src/app/__pycache__/x.pyc'), 'one');
    writeFileSync(join(dir, '.dockerignore'), '**/__pycache__\n!src/app/__pycache__/keep.pyc\n');
    const before = hashes(dir);
    writeFileSync(join(dir, 'src/app/__pycache__/x.pyc'), 'two');
    expect(hashes(dir).child).not.toBe(before.child);
  });
});

describe('smoke-output.sh', () => {
  test('smoke_output_matches: Python\'s re, multi-line (^ and $ at each line)', () => {
    const dir = tempFolder('smoke-output');
    writeFileSync(join(dir, 'out'), 'starting\nHello, smoke check!\ndesktop-app 1.0.0\n');
    expect(bash(['smoke-output'], 'smoke_output_matches "^Hello, smoke check!$" out', dir).status).toBe(0);
    expect(bash(['smoke-output'], 'smoke_output_matches "^desktop-app \\d+\\.\\d+" out', dir).status).toBe(0);
    expect(bash(['smoke-output'], 'smoke_output_matches "^Hello, world!$" out', dir).status).toBe(1);
    expect(bash(['smoke-output'], 'smoke_output_matches "^smoke check!" out', dir).status).toBe(1);
  });

  test('output_tail: the last non-blank line, control characters removed, at most 200 characters', () => {
    const dir = tempFolder('smoke-output');
    writeFileSync(join(dir, 'a'), 'first\nTraceback\nModuleNotFoundError: No module named \'x\'\n\n  \n');
    writeFileSync(join(dir, 'b'), `\u001b[31mred\u001b[0m ${'y'.repeat(300)}\n`);
    writeFileSync(join(dir, 'c'), '');
    expect(out(['smoke-output'], 'output_tail a', dir)).toBe('ModuleNotFoundError: No module named \'x\'');
    const b = out(['smoke-output'], 'output_tail b', dir);
    expect(b).not.toContain('\u001b');
    expect(b).toHaveLength(203);
    expect(b.endsWith('...')).toBe(true);
    expect(out(['smoke-output'], 'output_tail c', dir)).toBe('(no output)');
  });
});
