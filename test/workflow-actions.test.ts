import { readFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { REPO_ROOT, synthPresets } from './support/project';
import { ACTION_TABLE, ACTIONS, majorOf, PinnedAction, renderWorkflowYaml, usesOf } from '../src';

/*
 * The one table of actions (src/workflows/actions.ts): every `uses:` of every generated workflow is
 * an action of the table, pinned by its full commit SHA with the version as a comment; a change of
 * one entry changes exactly the `uses:` lines of that action in every workflow; projen's own build
 * workflow takes the table's SHAs too.
 */

const files = synthPresets();
const GENERATED_WORKFLOWS = Object.keys(files).filter((p) => /(^|\/)\.github\/workflows\/[^/]+\.yml$/.test(p)).sort();
/** `uses: owner/name@<ref> # <comment>` as written in a workflow file. */
const USES_LINE = /^\s*(?:-\s+)?uses:\s*(\S+?)@(\S+)(?:\s+#\s*(\S+))?\s*$/;

function usesLines(text: string): Array<{ repository: string; ref: string; comment?: string }> {
  return text.split('\n').map((line) => USES_LINE.exec(line)).filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ repository: m[1], ref: m[2], comment: m[3] }));
}

/** The majors current as of the anchors note (2026); an older major here is a table left behind. */
const CURRENT_MAJORS: Record<string, string> = {
  'actions/checkout': 'v7',
  'actions/setup-node': 'v7',
  'actions/setup-python': 'v7',
  'actions/upload-artifact': 'v7',
  'actions/download-artifact': 'v8',
  'docker/login-action': 'v4',
  'actions/attest': 'v4',
};

describe('the table of actions', () => {
  test.each(Object.entries(ACTION_TABLE))('%s: owner/name, an exact vX.Y.Z tag of the current major, a full 40-hex commit SHA', (_, action: PinnedAction) => {
    expect(action.repository).toMatch(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/);
    expect(action.version).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(action.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(majorOf(action)).toBe(CURRENT_MAJORS[action.repository]);
    expect(ACTIONS[_ as keyof typeof ACTIONS]).toBe(`${action.repository}@${action.sha}`);
  });

  test('one entry per action repository, and no two entries share a SHA', () => {
    const actions = Object.values(ACTION_TABLE) as PinnedAction[];
    expect(new Set(actions.map((a) => a.repository)).size).toBe(actions.length);
    expect(new Set(actions.map((a) => a.sha)).size).toBe(actions.length);
  });
});

describe('every uses: of the generated workflows comes from the table', () => {
  test('there are generated workflows to check', () => {
    expect(GENERATED_WORKFLOWS).toEqual(expect.arrayContaining(['.github/workflows/linux-dispatch.yml', 'examples/desktop-app/.github/workflows/linux-dispatch.yml']));
  });

  test.each(GENERATED_WORKFLOWS)('%s: each uses: is owner/name@<40-hex SHA> # <version>, exactly as the table has it', (path) => {
    const lines = usesLines(files[path]);
    expect(lines.length).toBeGreaterThan(0);
    const table = (Object.values(ACTION_TABLE) as PinnedAction[]).map((a) => ({ repository: a.repository, ref: a.sha, comment: a.version }));
    for (const line of lines) {
      expect(line.ref).toMatch(/^[0-9a-f]{40}$/);
      expect(table).toContainEqual(line);
    }
    // The parsed workflow agrees with the text (no uses: hidden from the line scan).
    const parsed = parse(files[path]) as { jobs: Record<string, { steps: Array<{ uses?: string }> }> };
    const uses = Object.values(parsed.jobs).flatMap((j) => j.steps.map((s) => s.uses).filter((u): u is string => u !== undefined));
    expect(uses).toEqual(lines.map((l) => `${l.repository}@${l.ref}`));
  });

  test('a uses: outside the table is refused when a workflow is rendered', () => {
    const workflow = { jobs: { a: { steps: [{ uses: 'actions/checkout@v7' }] } } };
    expect(() => renderWorkflowYaml(workflow)).toThrow(/uses: actions\/checkout@v7 is not an action of the table/);
    const pinned = { jobs: { a: { steps: [{ uses: usesOf(ACTION_TABLE.checkout) }] } } };
    expect(renderWorkflowYaml(pinned)).toContain(`uses: actions/checkout@${ACTION_TABLE.checkout.sha} # ${ACTION_TABLE.checkout.version}`);
  });

  test('a change of one entry of the table changes that action\'s uses: line in every workflow that uses it, and nothing else', () => {
    const changed = { ...ACTION_TABLE.checkout, version: 'v7.9.9', sha: 'f'.repeat(40) };
    let after: Record<string, string> = {};
    jest.isolateModules(() => {
      jest.doMock('../src/workflows/actions', () => {
        const actual = jest.requireActual('../src/workflows/actions');
        const table = { ...actual.ACTION_TABLE, checkout: changed };
        return {
          ...actual,
          ACTION_TABLE: table,
          ACTIONS: actual.actionsOf(table),
          pinnedActionOf: (uses: string) => Object.values(table).find((a) => actual.usesOf(a) === uses),
        };
      });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      after = (require('./support/project') as typeof import('./support/project')).synthPresets();
    });
    jest.dontMock('../src/workflows/actions');
    // projen's own bookkeeping (.projen/) names the temporary folder of each synthesis.
    const changedFiles = Object.keys(files).filter((p) => !p.startsWith('.projen/') && files[p] !== after[p]).sort();
    expect(Object.keys(after).sort()).toEqual(Object.keys(files).sort());
    const usingCheckout = GENERATED_WORKFLOWS.filter((p) => usesLines(files[p]).some((l) => l.repository === 'actions/checkout'));
    expect(usingCheckout.length).toBeGreaterThanOrEqual(4);
    // The build docs list the table of pinned actions: their row of that action changes too, and only it.
    const docs = Object.keys(files).filter((p) => p.endsWith('docs/BUILD.md'));
    expect(changedFiles).toEqual([...usingCheckout, ...docs].sort());
    for (const path of docs) {
      const differing = files[path].split('\n').map((line, i) => [line, after[path].split('\n')[i]]).filter(([a, b]) => a !== b);
      expect(differing).toEqual([[`| \`actions/checkout\` | ${ACTION_TABLE.checkout.version} | \`${ACTION_TABLE.checkout.sha}\` |`, `| \`actions/checkout\` | v7.9.9 | \`${'f'.repeat(40)}\` |`]]);
    }
    for (const path of usingCheckout) {
      const before = files[path].split('\n');
      const now = after[path].split('\n');
      expect(now.length).toBe(before.length);
      const differing = before.map((line, i) => [line, now[i]]).filter(([a, b]) => a !== b);
      expect(differing.length).toBe(usesLines(files[path]).filter((l) => l.repository === 'actions/checkout').length);
      for (const [was, is] of differing) {
        expect(was).toContain(`actions/checkout@${ACTION_TABLE.checkout.sha} # ${ACTION_TABLE.checkout.version}`);
        expect(is).toContain(`actions/checkout@${'f'.repeat(40)} # v7.9.9`);
      }
    }
  });
});

describe('this project\'s own workflows (projen\'s build.yml) go through the table', () => {
  test('every uses: is pinned by a 40-hex SHA, and each action of the table is at the table\'s SHA', () => {
    const lines = usesLines(readFileSync(join(REPO_ROOT, '.github/workflows/build.yml'), 'utf8'));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line.ref).toMatch(/^[0-9a-f]{40}$/);
      const entry = (Object.values(ACTION_TABLE) as PinnedAction[]).find((a) => a.repository === line.repository);
      if (entry) expect(line.ref).toBe(entry.sha);
    }
    expect(lines.map((l) => l.repository)).toEqual(expect.arrayContaining(['actions/checkout', 'actions/setup-node', 'actions/upload-artifact']));
  });
});
