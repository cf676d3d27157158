import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as fc from 'fast-check';
import { createsFolder } from '../src/model/python-dependencies';
import { asAndClause, scanShellCommand } from '../src/model/shell-syntax';
import { checkProperty, propertyTitle, SEED } from './support/property';

// Thousands of cases (or a batch through external tools) take longer than one ordinary test.
jest.setTimeout(600_000);

/*
 * The shell scanner that keeps each run command one clause of its RUN's && chain
 * (src/model/shell-syntax.ts): a table of commands it accepts and refuses, and a differential
 * property against /bin/sh itself.
 */

describe('commands that stay one && clause are accepted', () => {
  test.each([
    ['echo a#b', false], ['echo "#x"', false], ["echo '#'", false], ['echo $#', false], ['echo ${#x}', false], ['echo "a # b"', false],
    ['a | b', false], ['a && b', false], ['a 2>&1', false], ['a &>/dev/null', false], ['a >&2', false], ['! false', false],
    ['if a; then b; else c; fi', false], ['for x in 1 2; do echo $x; done', false], ['while true; do break; done', false],
    ['case $x in a) echo;; (b) echo;; esac', false], ['{ a; b; }', false], ['( a; b )', false], ['f() { echo; }', false],
    ['echo $(date) "$(date)" `date` $((1 + (2 * 3)))', false], ["echo ${x:-'a}'}", false], ["echo $'a\\'b'", false],
    ['echo a\\ b', false], ['echo } {a,b}', false], ['diff <(a) <(b)', false], ['test -f x || exit 1', true], ['(exit 0)', false],
    ['python3 -m nltk.downloader -d "$NLTK_DATA" punkt stopwords', false],
    ['a || b', true], ['a; b', true], ['a & b', true], ['x=1; echo $x', true],
  ])('%j (grouped: %j)', (command, grouped) => {
    expect(scanShellCommand(command)).toEqual({ problem: undefined, needsGrouping: grouped });
    expect(asAndClause(command)).toBe(grouped ? `{ ${command}; }` : command);
  });
});

describe('commands that would change the RUN around them are refused, saying why', () => {
  test.each([
    ['echo first # a note', /unquoted "#" at the start of a word: a comment/],
    ['echo $( echo # hi )', /unquoted "#"/],
    ['echo x\\', /ends with a backslash/],
    ['echo "a', /unclosed double quote/],
    ["echo 'a", /unclosed single quote/],
    ['echo `date', /unclosed backquote/],
    ['echo $(date', /unclosed "\$\("/],
    ['echo ${x', /unclosed "\$\{"/],
    ['( a', /unclosed "\("/],
    ['{ a; b', /unclosed "\{" \(no "\}"\)/],
    ['if a; then b', /unclosed "if" \(no "fi"\)/],
    ['case x in a) b;;', /unclosed "case"/],
    ['while a; do b', /unclosed loop \(no "done"\)/],
    ['fi', /unmatched "fi"/],
    ['a )', /unmatched "\)"/],
    ['cat <<EOF', /heredoc/],
    ['exit', /"exit" that does not fail/],
    ['exit 0', /"exit" that does not fail/],
    ['a && exit $?', /"exit" that does not fail/],
    ['if a; then exit 0; fi', /"exit" that does not fail/],
    // Found by the property below: the name the shell runs is "exit" in each of these.
    ['2>/dev/null exit', /"exit" that does not fail/],
    ['"$x"exit 0', /"exit" that does not fail/],
    ['$echo exit 0', /"exit" that does not fail/],
    ['`` exit', /"exit" that does not fail/],
    ['x=1 exit 0', /"exit" that does not fail/],
    ['e"x"it 0', /"exit" that does not fail/],
    ['\\exit', /"exit" that does not fail/],
    ['$(true)exit', /"exit" that does not fail/],
    ['a &&', /ends with the operator "&&"/],
    ['a ||', /ends with the operator "\|\|"/],
    ['a |', /ends with the operator "\|"/],
    ['a;', /ends with the operator ";"/],
    ['a &', /ends with the operator "&"/],
    ['&& a', /starts with the operator "&&"/],
    ['; a', /starts with the operator ";"/],
  ])('%j', (command, expected) => {
    expect(scanShellCommand(command).problem).toMatch(expected);
  });
});

/*
 * The differential property: for any command the scanner accepts, and that /bin/sh accepts on its
 * own, `printf a && <clause> && printf b` behaves exactly like `printf a && sh <file holding the
 * command> && printf b`, the command isolated in its own script. So the clause neither hides,
 * joins nor bypasses its neighbours. Commands are random sequences of harmless words and every
 * kind of shell punctuation (quotes, #, \, $, brackets, operators, compound keywords).
 */
const TOKENS = [
  'echo', 'echo x', 'printf %s', 'true', 'false', 'x', 'exit 1', 'exit 0', 'exit',
  ';', '&&', '||', '|', '!', '(', ')', '{', '}', '"', "'", '\\', '#', '$', '$(', '`', '${', '$((', '1', ')', '))', '}',
  'if', 'then', 'else', 'fi', 'case', 'in', 'a)', ';;', 'esac', 'for', 'i', 'do', 'done', 'while',
  '"#"', "'a b'", '"$x"', 'a#b', '2>/dev/null', '<<', 'EOF',
];
const command = fc.array(fc.tuple(fc.constantFrom(...TOKENS), fc.constantFrom('', ' ', ' ')), { minLength: 1, maxLength: 8 })
  .map((parts) => parts.map(([token, space]) => token + space).join('').trim())
  .filter((c) => c !== '');

const CASES = Number(process.env.SHELL_CASES ?? 400);

describe('the scanner against /bin/sh', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'shell-syntax-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const sh = (script: string) => {
    const result = spawnSync('sh', ['-c', script], { cwd: dir, encoding: 'utf8', timeout: 5_000 });
    return { status: result.status, stdout: result.stdout };
  };

  test(propertyTitle('an accepted command is one clause: it runs as if it were alone', CASES), () => {
    let accepted = 0;
    checkProperty('an accepted command is one clause: it runs as if it were alone', CASES, fc.property(command, (c) => {
      if (scanShellCommand(c).problem) return;
      if (/\$[$!]/.test(c)) return; // $$ and $! differ between any two runs
      const alone = join(dir, 'alone.sh');
      writeFileSync(alone, `${c}\n`);
      if (spawnSync('sh', ['-n', alone]).status !== 0) return; // a syntax error of its own fails the build loudly
      accepted++;
      const composed = sh(`printf a && ${asAndClause(c)} && printf b`);
      const isolated = sh(`printf a && sh ${alone} && printf b`);
      expect({ command: c, ...composed }).toEqual({ command: c, ...isolated });
    }));
    // The generator must reach the interesting part: commands that are accepted.
    expect(accepted).toBeGreaterThan(CASES / 20);
  });

  test('the property can fail: without grouping, "x || true" bypasses the && before it', () => {
    const c = 'false || echo x';
    expect(sh(`false && ${c} && printf b`)).not.toEqual(sh(`false && sh -c '${c}' && printf b`));
    expect(sh(`false && ${asAndClause(c)} && printf b`)).toEqual(sh(`false && sh -c '${c}' && printf b`));
  });
});

/*
 * The reading of a run step that says it creates a folder (createsFolder, for
 * pythonDependencies.emptyFolders), against /bin/sh: whenever it says a command line creates
 * "src", running the line in a fresh folder either fails (and so would the build) or leaves a
 * folder "src" there. Lines are random sequences of mkdir forms, paths, cd, conditionals, groups
 * and operators; ONE bash process runs them all, each in its own folder (with a folder "sub").
 */
const FOLDER_TOKENS = [
  'mkdir', 'mkdir -p', 'mkdir -pv', 'mkdir -vp', 'mkdir --parents', 'mkdir -m 755', 'mkdir -m', 'mkdir -mp', '-p', '--', '-v',
  'src', './src', "'src'", '"src"', 'src/', 'sub/src', '"$X"', '$X', 'src$X', '$(echo src)', 'cd sub', 'cd ..', 'true', 'false', 'echo',
  ';', '&&', '||', '|', '&', '(', ')', '{', '}', 'if', 'then', 'else', 'fi', 'for i in 1;', 'do', 'done', 'case x in', 'x)', '*)', ';;', 'esac',
  '!', '2>&1', '>/dev/null', '#',
];
const MKDIRS = FOLDER_TOKENS.filter((t) => t.startsWith('mkdir'));
const TARGETS = ['src', './src', "'src'", '"src"', 'src/', 'sub/src', '"$X"', 'src$X', '-p src', '-- src', 'a src', '-m 700 src'];
const someTokens = fc.array(fc.constantFrom(...FOLDER_TOKENS), { maxLength: 4 });
// Random tokens around a mkdir of some target, so that many lines are said to create "src".
const folderLine = fc.tuple(someTokens, fc.constantFrom(...MKDIRS), fc.constantFrom(...TARGETS), someTokens)
  .map(([before, mkdir, target, after]) => [...before, mkdir, target, ...after].join(' '));
const FOLDER_CASES = Number(process.env.FOLDER_CASES ?? 600);

test(propertyTitle('a run step said to create a folder creates it, or fails', FOLDER_CASES), () => {
  const dir = mkdtempSync(join(tmpdir(), 'creates-folder-'));
  try {
    console.log(`${propertyTitle('a run step said to create a folder creates it, or fails', FOLDER_CASES)} (batched; replay: STAGED_BUILD_SEED=${SEED})`);
    const lines = fc.sample(folderLine, { seed: SEED, numRuns: FOLDER_CASES }).filter((line) => createsFolder(line, 'src'));
    // The generator must reach the interesting part: lines said to create the folder.
    expect(lines.length).toBeGreaterThan(FOLDER_CASES / 20);
    writeFileSync(join(dir, 'lines'), lines.map((l) => `${l}\0`).join(''));
    const script = [
      'k=0',
      'while IFS= read -r -d "" line; do',
      '  mkdir -p "case-$k/sub"',
      '  status=0',
      '  if sh -n -c "$line" 2>/dev/null; then (cd "case-$k" && X= sh -c "$line" </dev/null >/dev/null 2>&1) || status=$?; else status=syntax; fi',
      '  if [ -d "case-$k/src" ]; then made=yes; else made=no; fi',
      '  printf "%s %s\\n" "$status" "$made"',
      '  k=$((k + 1))',
      'done <lines',
    ].join('\n');
    const result = spawnSync('bash', ['-c', script], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    expect(result.status).toBe(0);
    const outcomes = result.stdout.trim().split('\n');
    expect(outcomes).toHaveLength(lines.length);
    const wrong = lines.filter((_line, k) => outcomes[k] === '0 no');
    expect(wrong).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the folder property can fail: "true || mkdir -p src" succeeds without making it, and is not counted', () => {
  expect(createsFolder('true || mkdir -p src', 'src')).toBe(false);
  expect(createsFolder('false || mkdir -p src', 'src')).toBe(false);
  expect(createsFolder('true && mkdir -p src', 'src')).toBe(true);
});
