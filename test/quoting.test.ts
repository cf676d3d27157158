import { spawnSync } from 'child_process';
import { DockerfileParser } from 'dockerfile-ast';
import { execForm, quoteValue, renderDockerfile, shellArray, shellQuote } from '../src';

const TRICKY = ['plain', 'with space', "it's", 'say "hi"', 'back\\slash', '$HOME and ${PATH}', '`date`', '*', 'a;b&&c|d', '', "'\"'\"'"];

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
      stages: [
        { name: 'base', description: 'b', from: { image: 'debian:bookworm-slim' }, images: { standard: 'x/app:b', ci: 'x/app:b_ci' }, user: { name: 'u', home: '/home/the user' }, workdir: '/my app' },
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
