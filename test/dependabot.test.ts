import { spawnSync } from 'child_process';
import { existsSync, readFileSync } from 'fs';
import { join, posix } from 'path';
import { Testing } from 'projen/lib/testing';
import { parse } from 'yaml';
import { emptyProject, modelProblems, presetProject, REPO_ROOT } from './support/project';
import { DEPENDABOT_PATH, DependabotUpdates, DependabotUpdatesOptions } from '../src';

/*
 * .github/dependabot.yml (src/projen/dependabot.ts): parsed, and checked against the ecosystems the
 * repository uses, found independently of the generator (git ls-files): every folder of workflows,
 * every folder of Dockerfiles, the example's pip manifest, npm for this project; a cooldown and
 * grouped minor/patch updates in each entry.
 */

interface Update {
  'package-ecosystem': string;
  'directories': string[];
  'schedule': { interval: string };
  'cooldown': { 'default-days': number };
  'groups': Record<string, { 'patterns': string[]; 'update-types': string[] }>;
}

const committed = parse(readFileSync(join(REPO_ROOT, DEPENDABOT_PATH), 'utf8')) as { version: number; updates: Update[] };
const tracked = spawnSync('git', ['ls-files'], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout.split('\n').filter((f) => f !== '');
const folder = (file: string) => `/${posix.dirname(file)}`.replace(/^\/\.$/, '/');
const directoriesOf = (ecosystem: string) => committed.updates.find((u) => u['package-ecosystem'] === ecosystem)?.directories ?? [];

describe('the committed .github/dependabot.yml', () => {
  test('version 2, one entry per ecosystem the repository uses, in a fixed order', () => {
    expect(committed.version).toBe(2);
    expect(committed.updates.map((u) => u['package-ecosystem'])).toEqual(['github-actions', 'docker', 'pip', 'npm']);
  });

  test('github-actions: every folder that holds workflows (the repository\'s and the example\'s)', () => {
    const folders = [...new Set(tracked.filter((f) => /(^|\/)\.github\/workflows\/[^/]+\.yml$/.test(f)).map(folder))].sort();
    expect(folders).toEqual(['/.github/workflows', '/examples/desktop-app/.github/workflows']);
    expect(directoriesOf('github-actions')).toEqual(folders);
  });

  test('docker: every folder of the pipelines\' Dockerfiles', () => {
    const folders = [...new Set(tracked.filter((f) => /^Dockerfile/.test(posix.basename(f)) && !f.startsWith('test/')).map(folder))].sort();
    expect(folders.length).toBeGreaterThanOrEqual(2);
    expect(directoriesOf('docker')).toEqual(folders);
  });

  test('pip: the folders of the example\'s and the benchmark fixture\'s requirements.txt (AiRunner\'s setup.py and the naive fixture\'s copies are not in the repository: no entry)', () => {
    expect(directoriesOf('pip')).toEqual(['/bench/fixtures/heavy', '/examples/desktop-app']);
    for (const dir of directoriesOf('pip')) expect(existsSync(join(REPO_ROOT, dir, 'requirements.txt'))).toBe(true);
  });

  test('npm: this project (package.json at the root)', () => {
    expect(directoriesOf('npm')).toEqual(['/']);
    expect(existsSync(join(REPO_ROOT, 'package.json'))).toBe(true);
  });

  test.each(['github-actions', 'docker', 'pip', 'npm'])('%s: weekly, a 7-day cooldown, minor and patch updates grouped', (ecosystem) => {
    const update = committed.updates.find((u) => u['package-ecosystem'] === ecosystem)!;
    expect(update.schedule).toEqual({ interval: 'weekly' });
    expect(update.cooldown).toEqual({ 'default-days': 7 });
    expect(Object.values(update.groups)).toEqual([{ 'patterns': ['*'], 'update-types': ['minor', 'patch'] }]);
  });
});

describe('the DependabotUpdates construct', () => {
  test('with the presets, it writes what is committed (the entries follow the model)', () => {
    const project = presetProject();
    new DependabotUpdates(project);
    const files = Testing.synth(project) as Record<string, string>;
    const synthesized = parse(files[DEPENDABOT_PATH]) as { updates: Update[] };
    // The preset project is no Node project and has no projen build.yml: no npm entry, the pipelines' workflows only.
    expect(synthesized.updates.map((u) => [u['package-ecosystem'], u.directories])).toEqual([
      ['github-actions', ['/.github/workflows', '/examples/desktop-app/.github/workflows']],
      // The benchmark's fixture pipelines are defined in .projenrc.ts, not by the presets.
      ['docker', directoriesOf('docker').filter((dir) => !dir.startsWith('/bench/'))],
      // The temporary project has the example's requirements.txt (presetProject copies it); AiRunner's manifest is elsewhere.
      ['pip', ['/examples/desktop-app']],
    ]);
  });

  test('a project without workflows, Dockerfiles or manifests gets an empty list of updates', () => {
    const project = emptyProject();
    new DependabotUpdates(project);
    expect(parse((Testing.synth(project) as Record<string, string>)[DEPENDABOT_PATH])).toEqual({ version: 2, updates: [] });
  });

  test.each<[string, DependabotUpdatesOptions, string]>([
    ['a cooldown of 0 days', { cooldownDays: 0 }, '[DependabotUpdates] cooldownDays: 0 must be a whole number of days between 1 and 90'],
    ['a fractional cooldown', { cooldownDays: 1.5 }, '[DependabotUpdates] cooldownDays: 1.5 must be a whole number'],
    ['an unknown interval', { interval: 'hourly' as 'daily' }, '[DependabotUpdates] interval: "hourly" must be one of daily, weekly, monthly'],
  ])('%s is refused, and nothing is written', (_, options, message) => {
    const project = emptyProject();
    new DependabotUpdates(project, options);
    const problems = modelProblems(project);
    expect(problems.join('\n')).toContain(message);
    expect(existsSync(join(project.outdir, DEPENDABOT_PATH))).toBe(false);
  });
});
