import { parse } from 'yaml';
import { synthPresets } from './support/project';
import { ACTION_TABLE, PinnedAction } from '../src';

/*
 * docs/BUILD.md (generated) on platforms, verification and updates: the rows of its tables are
 * read back and compared with the model (the native targets of AiRunner's dispatch workflow, the
 * table of actions), and the verification commands name the release's own files.
 */

const files = synthPresets();

/** The rows of the markdown table that follows `heading` (cells trimmed, header and rule left out). */
function tableAfter(doc: string, heading: string): string[][] {
  const lines = doc.split('\n');
  const start = lines.indexOf(heading);
  expect(start).toBeGreaterThanOrEqual(0);
  const table: string[][] = [];
  let inTable = false;
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('|')) inTable = true;
    else if (inTable) break;
    if (inTable) table.push(line.split('|').slice(1, -1).map((c) => c.trim()));
  }
  expect(table.length).toBeGreaterThan(2);
  return table.slice(2);
}

describe('docs/BUILD.md: platforms, verification, updates', () => {
  const airunner = files['docs/BUILD.md'];
  const example = files['examples/desktop-app/docs/BUILD.md'];

  test('AiRunner: one row per platform, with where it is built and its package', () => {
    expect(tableAfter(airunner, '### Platforms').map((r) => [r[0], r[3]])).toEqual([
      ['linux-x64', '`airunner-linux.tar.gz`'],
      ['windows-x64', '`airunner-windows-x64.zip`'],
      ['macos-arm64', '`airunner-macos-arm64.tar.gz`'],
    ]);
    expect(tableAfter(airunner, '### Platforms').map((r) => r[1])).toEqual([
      expect.stringContaining('Ubuntu'), 'GitHub-hosted `windows-2025` runner', 'GitHub-hosted `macos-15` runner',
    ]);
    expect(airunner).toContain('glibc is at least that of the base image (`ubuntu:22.04`)');
  });

  test('image platforms: each row names the runner its release job runs on (AiRunner: amd64 and arm64; the example: amd64 only)', () => {
    const runners = (path: string) => Object.values((parse(files[path]) as { jobs: Record<string, { 'runs-on': string; 'env'?: Record<string, string> }> }).jobs)
      .filter((job) => job.env?.BUILD_PLATFORM !== undefined).map((job) => [job.env!.BUILD_PLATFORM, `GitHub-hosted \`${job['runs-on']}\` runner, natively`]);
    expect(tableAfter(airunner, '### Image platforms').map((r) => [r[0], r[1]])).toEqual(runners('.github/workflows/docker-release.yml'));
    expect(runners('.github/workflows/docker-release.yml').map((r) => r[0])).toEqual(['linux/amd64', 'linux/arm64']);
    // The package workflow builds its runtime on the same platforms and runners (its images are FROM the base's).
    expect(runners('.github/workflows/linux-dispatch.yml')).toEqual(runners('.github/workflows/docker-release.yml'));
    expect(tableAfter(airunner, '### Image platforms').map((r) => r[2])).toEqual(['base, runtime (`<tag>-amd64`, joined into one manifest list)', 'base, runtime (`<tag>-arm64`, joined into one manifest list)']);
    expect(tableAfter(example, '### Image platforms').map((r) => [r[0], r[1], r[2]])).toEqual([['linux/amd64', 'GitHub-hosted `ubuntu-24.04` runner, natively', 'base, runtime']]);
  });

  test('a pushed image\'s provenance is verified by its name under the workflows\' registry', () => {
    expect(airunner).toMatch(/```bash\ngh attestation verify oci:\/\/ghcr\.io\/capsize-games\/airunner\/airunner:linux_ci --repo OWNER\/REPOSITORY\n```/);
    expect(example).toMatch(/```bash\ngh attestation verify oci:\/\/registry\.example\.test\/local\/desktop-app:base_ci --repo OWNER\/REPOSITORY\n```/);
  });

  test('the example (zipapp): the Linux package only, with its own base image\'s glibc floor', () => {
    expect(tableAfter(example, '### Platforms').map((r) => r[0])).toEqual(['linux-x64']);
    expect(example).toContain('glibc is at least that of the base image (`debian:bookworm-slim`)');
  });

  test('the verification commands check SHA256SUMS and the provenance of a package the release carries', () => {
    expect(airunner).toMatch(/```bash\nsha256sum --check --ignore-missing SHA256SUMS\ngh attestation verify airunner-windows-x64\.zip --repo OWNER\/REPOSITORY\n```/);
    expect(example).toMatch(/gh attestation verify desktop-app-linux\.tar\.gz --repo OWNER\/REPOSITORY/);
  });

  test('the table of pinned actions is the table of src/workflows/actions.ts', () => {
    expect(tableAfter(airunner, '### Updating the pinned versions')).toEqual(
      (Object.values(ACTION_TABLE) as PinnedAction[]).map((a) => [`\`${a.repository}\``, a.version, `\`${a.sha}\``]),
    );
  });

  test('the jobs table gives the release job its signing permissions and every native job read-only', () => {
    const rows = airunner.split('\n').filter((l) => l.startsWith('| ')).map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
    const dispatch = rows.slice(rows.findIndex((r) => r[0] === '`.github/workflows/linux-dispatch.yml`'));
    const job = (id: string) => dispatch.find((r) => r[1] === id);
    expect(job('package-windows-x64')?.slice(2, 4)).toEqual(['gate', '`contents: read`']);
    expect(job('package-macos-arm64')?.slice(2, 4)).toEqual(['gate', '`contents: read`']);
    expect(job('release')?.slice(2, 4)).toEqual(['package, package-windows-x64, package-macos-arm64', '`contents: write`, `id-token: write`, `attestations: write`']);
  });
});
