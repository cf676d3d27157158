import { spawnSync } from 'child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { parse } from 'yaml';
import { REPO_ROOT } from './support/project';
import { checkRunners, jobOrder, jobToken, parseStepOutputs } from './support/rehearsal';
import { localActionFor, LOCAL_ACTIONS, RehearsalRefusal, StepFailure } from './support/rehearsal-actions';
import { tempFolder } from './support/temp';
import { evaluateCondition, evaluateExpression, ExpressionContext, substitute } from './support/workflow-expressions';
import { ACTIONS } from '../src/workflows/actions';

/*
 * The pieces of the workflow rehearsal (test/e2e/rehearsal.test.ts) that need no engine: the
 * expression evaluator, the order of the jobs, the table of local actions, and the gh stand-in.
 * Each refuses what it does not rehearse, so a workflow cannot slip past it unrehearsed.
 */

const github = { event_name: 'release', ref: 'refs/heads/main', event: { release: { tag_name: 'v1.0.0' } }, token: 't' };
const context = (succeeded = true): ExpressionContext => ({ contexts: { github, secrets: { GITHUB_TOKEN: 's' }, env: { A: 'x' } }, succeeded });

describe('the expression evaluator: the subset the workflows use, and nothing else', () => {
  test.each<[string, boolean, boolean]>([
    ["${{ github.event_name == 'release' }}", true, true],
    ["${{ github.event_name == 'RELEASE' }}", true, true], // strings compare ignoring case, as GitHub's do
    ["${{ github.ref == 'refs/heads/master' }}", true, false],
    ["${{ github.event_name == 'release' }}", false, false], // the implicit success()
    ['${{ always() }}', false, true],
    ['${{ failure() }}', false, true],
    ["${{ !(github.event_name != 'release') && env.A == 'x' }}", true, true],
  ])('%s (steps before succeeded: %s) is %s', (condition, succeeded, expected) => {
    expect(evaluateCondition(condition, context(succeeded))).toBe(expected);
  });

  test('no condition: the step runs only when everything before succeeded', () => {
    expect(evaluateCondition(undefined, context(true))).toBe(true);
    expect(evaluateCondition(undefined, context(false))).toBe(false);
  });

  test('with:/env: values are substituted, event data included', () => {
    expect(substitute('${{ github.event.release.tag_name }}-${{ secrets.GITHUB_TOKEN }}', context())).toBe('v1.0.0-s');
  });

  test('a step\'s outputs (GITHUB_OUTPUT name=value lines) are read back as steps.ID.outputs.NAME; another form is refused', () => {
    const outputs = parseStepOutputs('name=127.0.0.1:5000/x/app\ndigest=sha256:ab\n', 'step 3');
    expect(outputs).toEqual({ name: '127.0.0.1:5000/x/app', digest: 'sha256:ab' });
    const withSteps: ExpressionContext = { contexts: { ...context().contexts, steps: { digest_base: { outputs } } }, succeeded: true };
    expect(substitute('${{ steps.digest_base.outputs.name }}@${{ steps.digest_base.outputs.digest }}', withSteps)).toBe('127.0.0.1:5000/x/app@sha256:ab');
    expect(() => substitute('${{ steps.digest_base.outputs.size }}', withSteps)).toThrow(/steps.digest_base.outputs.size is not set by the rehearsal/);
    expect(() => parseStepOutputs('text<<EOF\nline\nEOF\n', 'step 3')).toThrow(/step 3 wrote "text<<EOF" to GITHUB_OUTPUT, which is not name=value/);
  });

  test.each([
    "contains(github.ref, 'main')", // a function outside the subset
    'vars.X', // a context the rehearsal does not set
    'github.head_ref', // a property it does not set
    "github.ref == 'a' ||", // not an expression
    "startsWith(github.ref, 'refs/tags/')",
  ])('refused: %s', (expression) => {
    expect(() => evaluateExpression(expression, context())).toThrow(/the rehearsal evaluates only the subset/);
  });
});

describe('the jobs run in needs order', () => {
  test('each job after every job it needs', () => {
    expect(jobOrder({ release: { needs: 'package' }, package: { needs: ['gate'] }, gate: {} })).toEqual(['gate', 'package', 'release']);
  });

  test('a cycle or an unknown job is refused', () => {
    expect(() => jobOrder({ a: { needs: 'b' }, b: { needs: 'a' } })).toThrow(RehearsalRefusal);
    expect(() => jobOrder({ a: { needs: 'missing' } })).toThrow(/needs "missing", which is not a job/);
  });

  test('a job on a Windows, macOS or arm64 runner is refused before any job runs, naming it', () => {
    expect(() => checkRunners({ a: { 'runs-on': 'ubuntu-24.04' }, b: { 'runs-on': 'ubuntu-latest' } })).not.toThrow();
    expect(() => checkRunners({ 'a': { 'runs-on': 'ubuntu-24.04' }, 'package-windows-x64': { 'runs-on': 'windows-2025' }, 'arm': { 'runs-on': 'ubuntu-24.04-arm' } }))
      .toThrow(/not rehearsable on this Linux x64 machine: job package-windows-x64 \(runs-on windows-2025\), job arm \(runs-on ubuntu-24.04-arm\)/);
  });

  test('AiRunner\'s dispatch workflow (native Windows/macOS jobs) is refused as a whole; the example\'s is not', () => {
    const jobsOf = (path: string) => (parse(readFileSync(join(REPO_ROOT, path), 'utf8')) as { jobs: Record<string, Record<string, unknown>> }).jobs;
    expect(() => checkRunners(jobsOf('.github/workflows/linux-dispatch.yml'))).toThrow(/job package-windows-x64 \(runs-on windows-2025\), job package-macos-arm64 \(runs-on macos-15\)/);
    expect(() => checkRunners(jobsOf('examples/desktop-app/.github/workflows/linux-dispatch.yml'))).not.toThrow();
  });

  test('a job\'s token names the job and its permissions (the gh stand-in reads them)', () => {
    expect(jobToken('release', { contents: 'write' })).toBe('rehearsal-token:release:contents=write');
  });
});

describe('the one table of local actions', () => {
  test('every action of src/workflows/actions.ts has a local equivalent', () => {
    expect(Object.keys(LOCAL_ACTIONS).sort()).toEqual(Object.keys(ACTIONS).sort());
    for (const uses of Object.values(ACTIONS)) expect(localActionFor(uses).action).toBeDefined();
  });

  test.each(['actions/cache@v4', 'docker/build-push-action@v6', './local-action'])('%s is refused (no local equivalent)', (uses) => {
    expect(() => localActionFor(uses)).toThrow(/no local equivalent/);
  });

  test.each(['actions/checkout@v7', 'actions/checkout@v7.0.1', `actions/checkout@${'0'.repeat(40)}`])('%s is refused (not the table\'s SHA)', (uses) => {
    expect(() => localActionFor(uses)).toThrow(/is not actions\/checkout at the table's SHA \(3d3c42e5aac5ba805825da76410c181273ba90b1, v7.0.1\)/);
  });

  test('attest: refused without id-token and attestations write; records the sha256 of each subject file', () => {
    const workspace = tempFolder('rehearsal-attest');
    const attestations = join(tempFolder('rehearsal-attestations'), 'job');
    mkdirSync(join(workspace, 'dist'));
    writeFileSync(join(workspace, 'dist', 'app.tar.gz'), 'abc');
    const ctx = { workspace, source: '', artifacts: '', publishRegistry: 'r.example', localRegistry: '127.0.0.1:1', env: {}, attestations };
    const attest = LOCAL_ACTIONS.attest;
    expect(() => attest.run({ 'subject-path': 'dist/*.tar.gz' }, { ...ctx, permissions: { 'contents': 'write', 'id-token': 'write' } })).toThrow(/lacks permissions attestations: write/);
    const permissions = { 'id-token': 'write', 'attestations': 'write' };
    expect(() => attest.run({ 'subject-path': 'dist/*.zip' }, { ...ctx, permissions })).toThrow(/no subject found/);
    expect(attest.run({ 'subject-path': 'dist/*.tar.gz' }, { ...ctx, permissions })).toMatch(/dist\/app.tar.gz \(sha256:ba7816bf8f0/);
    expect(JSON.parse(readFileSync(join(attestations, '1.json'), 'utf8')).subjects).toEqual([
      { name: 'dist/app.tar.gz', digest: 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' },
    ]);
    expect(() => attest.run({}, { ...ctx, permissions })).toThrow(RehearsalRefusal);
    // An image attestation pushed to the registry needs the image there: the registry is asked (nothing answers on port 1).
    expect(() => attest.run({ 'subject-name': '127.0.0.1:1/x/app', 'subject-digest': `sha256:${'a'.repeat(64)}`, 'push-to-registry': 'true' }, { ...ctx, permissions })).toThrow(/the registry has no 127.0.0.1:1\/x\/app@sha256:a{64}/);
    expect(() => attest.run({ 'subject-name': 'ghcr.io/x/app', 'subject-digest': `sha256:${'a'.repeat(64)}`, 'push-to-registry': 'true' }, { ...ctx, permissions })).toThrow(/is not in the loopback registry 127.0.0.1:1/);
  });

  test('upload-artifact honours if-no-files-found; download-artifact copies back what was kept', () => {
    const workspace = tempFolder('rehearsal-ws');
    const artifacts = tempFolder('rehearsal-artifacts');
    const ctx = { workspace, source: '', artifacts, publishRegistry: 'r.example', localRegistry: '127.0.0.1:1', env: {}, permissions: {}, attestations: '' };
    const upload = LOCAL_ACTIONS.uploadArtifact;
    expect(() => upload.run({ 'name': 'a', 'path': 'dist/x.tar.gz', 'if-no-files-found': 'error' }, ctx)).toThrow(StepFailure);
    expect(upload.run({ 'name': 'a', 'path': 'dist/x.tar.gz', 'if-no-files-found': 'warn' }, ctx)).toMatch(/^warning: no files found/);
    expect(upload.run({ 'name': 'a', 'path': 'build/*.log', 'if-no-files-found': 'ignore' }, ctx)).toMatch(/nothing uploaded/);
    mkdirSync(join(workspace, 'dist'));
    writeFileSync(join(workspace, 'dist', 'x.tar.gz'), 'package');
    writeFileSync(join(workspace, 'dist', 'x.tar.gz.sha256'), 'sum');
    expect(upload.run({ 'name': 'a', 'path': 'dist/x.tar.gz\ndist/x.tar.gz.sha256', 'if-no-files-found': 'error' }, ctx)).toMatch(/2 file\(s\) kept as artifact a: x.tar.gz, x.tar.gz.sha256/);
    const other = tempFolder('rehearsal-ws2');
    expect(LOCAL_ACTIONS.downloadArtifact.run({ name: 'a', path: 'dist' }, { ...ctx, workspace: other })).toMatch(/copied to dist: x.tar.gz, x.tar.gz.sha256/);
    expect(() => LOCAL_ACTIONS.downloadArtifact.run({ name: 'missing', path: 'dist' }, ctx)).toThrow(/no artifact named "missing"/);
  });

  test('a login must name the registry the workflow publishes to', () => {
    const ctx = { workspace: '', source: '', artifacts: '', publishRegistry: 'ghcr.io/owner', localRegistry: '127.0.0.1:1', env: {}, permissions: {}, attestations: '' };
    expect(() => LOCAL_ACTIONS.dockerLogin.run({ registry: 'docker.io', username: 'u', password: 'p' }, ctx)).toThrow(/but the workflow publishes to ghcr.io\/owner/);
  });
});

describe('the gh stand-in checks what GitHub would need', () => {
  function upload(files: Record<string, string>, args: string[], token = 'rehearsal-token:release:contents=write', sums: string[] = []) {
    const dir = tempFolder('rehearsal-gh');
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const sum = (name: string) => spawnSync('sha256sum', [name], { cwd: dir, encoding: 'utf8' }).stdout;
    if ('pkg.tar.gz' in files && !('pkg.tar.gz.sha256' in files)) writeFileSync(join(dir, 'pkg.tar.gz.sha256'), sum('pkg.tar.gz'));
    if (sums.length > 0) writeFileSync(join(dir, 'SHA256SUMS'), sums.map(sum).join(''));
    const record = join(dir, 'record');
    return spawnSync('bash', [join(REPO_ROOT, 'test/support/gh-standin.sh'), 'release', 'upload', ...args], {
      cwd: dir, encoding: 'utf8',
      env: { PATH: process.env.PATH, GH_TOKEN: token, REHEARSAL_GH_RECORD: record, REHEARSAL_RELEASE_TAG: 'v1', REHEARSAL_REPOSITORY: 'o/r' },
    });
  }
  const good = ['v1', 'pkg.tar.gz', 'pkg.tar.gz.sha256', '--clobber', '--repo', 'o/r'];

  test('a good upload is recorded', () => {
    const run = upload({ 'pkg.tar.gz': 'package' }, good);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/uploaded pkg.tar.gz pkg.tar.gz.sha256 to release v1 of o\/r/);
  });

  test('a SHA256SUMS covers the files it names', () => {
    const run = upload({ 'pkg.tar.gz': 'package', 'other.zip': 'x', 'SHA256SUMS': '' }, ['v1', 'pkg.tar.gz', 'other.zip', 'pkg.tar.gz.sha256', 'SHA256SUMS', '--repo', 'o/r'], 'rehearsal-token:release:contents=write', ['pkg.tar.gz', 'other.zip']);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/uploaded pkg.tar.gz other.zip pkg.tar.gz.sha256 SHA256SUMS to release v1/);
  });

  test.each<[string, Record<string, string>, string[], string | undefined, RegExp]>([
    ['a checksum that does not match', { 'pkg.tar.gz': 'package', 'pkg.tar.gz.sha256': `${'0'.repeat(64)}  pkg.tar.gz\n` }, good, undefined, /does not match/],
    ['another tag', { 'pkg.tar.gz': 'package' }, ['v2', ...good.slice(1)], undefined, /is not the release's tag/],
    ['a missing file', { 'pkg.tar.gz': 'package' }, ['v1', 'pkg.tar.gz', 'pkg.tar.gz.sha256', 'notes.txt', '--repo', 'o/r'], undefined, /notes.txt is missing or empty/],
    ['a token that may not write contents', { 'pkg.tar.gz': 'package' }, good, 'rehearsal-token:package:contents=read,packages=write', /may not write contents/],
    ['a file without a checksum', { 'pkg.tar.gz': 'package', 'other.bin': 'x' }, ['v1', 'pkg.tar.gz', 'pkg.tar.gz.sha256', 'other.bin', '--repo', 'o/r'], undefined, /other.bin is uploaded without a checksum file/],
    ['a SHA256SUMS that does not match', { 'pkg.tar.gz': 'package', 'SHA256SUMS': `${'0'.repeat(64)}  pkg.tar.gz\n` }, ['v1', 'pkg.tar.gz', 'SHA256SUMS', '--repo', 'o/r'], undefined, /SHA256SUMS does not match/],
  ])('refused: %s', (_what, files, args, token, message) => {
    const run = upload(files, args, token);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(message);
  });
});
