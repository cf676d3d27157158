import { spawnSync } from 'child_process';
import { mkdirSync, statSync, writeFileSync } from 'fs';
import { join } from 'path';
import { Project } from 'projen';
import { PackagingPipeline, ZipappPackager } from '../src';
import { smallTwoStages } from './support/small-pipeline';
import { tempFolder } from './support/temp';

/*
 * The generated package script, run for real with bash and the host's python3 in a synthesized
 * project (no engine): the tarball's entries belong to the numeric IDs the docs promise
 * (PACKAGE_IDS, which the driver sets to HOST_UID:HOST_GID in CI mode, also 0:0), and the
 * zipapp is executable by everyone who can read it (0755, not zipapp's own 0744).
 */

jest.setTimeout(60_000);


/** A synthesized project with a one-module app in src/; returns its folder. */
function synthesizedApp(): string {
  const outdir = tempFolder('package-step');
  mkdirSync(join(outdir, 'src/hello'), { recursive: true });
  writeFileSync(join(outdir, 'src/hello/__init__.py'), '');
  writeFileSync(join(outdir, 'src/hello/cli.py'), 'def main():\n    print("hello")\n');
  const project = new Project({ name: 'test', outdir });
  new PackagingPipeline(project, 'Hello', { name: 'hello', labelPrefix: 'org.example.build', stages: smallTwoStages(), packager: new ZipappPackager({ main: 'hello.cli:main' }) });
  project.synth();
  return outdir;
}

function runPackageScript(dir: string, env: Record<string, string>) {
  const { PACKAGE_IDS: _ignored, ...inherited } = process.env;
  return spawnSync('bash', ['package/linux/package.sh'], { cwd: dir, encoding: 'utf8', env: { ...inherited, ...env } });
}

/** "mode owner/group name" of each entry of the tarball, by number. */
function tarEntries(dir: string): string[] {
  const list = spawnSync('tar', ['--numeric-owner', '-tvzf', 'dist/hello-linux.tar.gz'], { cwd: dir, encoding: 'utf8' });
  expect(list.status).toBe(0);
  return list.stdout.trim().split('\n').map((line) => {
    const [mode, owner, , , , name] = line.split(/\s+/);
    return `${mode} ${owner} ${name}`;
  });
}

describe('package.sh: the tarball and the zipapp', () => {
  let dir: string;
  beforeAll(() => {
    dir = synthesizedApp();
  });

  test.each(['0:0', '1234:4321'])('with PACKAGE_IDS=%s every entry of the tarball belongs to those numeric IDs', (ids) => {
    const run = runPackageScript(dir, { PACKAGE_IDS: ids });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const owner = ids.replace(':', '/');
    expect(tarEntries(dir)).toEqual([
      `drwxr-xr-x ${owner} hello/`,
      `-rwxr-xr-x ${owner} hello/hello.pyz`,
    ]);
  });

  test('without PACKAGE_IDS (standard mode: the script runs as HOST_UID:HOST_GID) the entries belong to the running user', () => {
    const run = runPackageScript(dir, {});
    expect(run.status).toBe(0);
    const owner = `${process.getuid!()}/${process.getgid!()}`;
    expect(tarEntries(dir).map((e) => e.split(' ')[1])).toEqual([owner, owner]);
  });

  test('the .pyz in ./dist is mode 0755 and runs', () => {
    runPackageScript(dir, {});
    const pyz = join(dir, 'dist/hello/hello.pyz');
    expect((statSync(pyz).mode & 0o7777).toString(8)).toBe('755');
    const run = spawnSync(pyz, [], { encoding: 'utf8' });
    expect(run.stdout).toBe('hello\n');
  });

  test('a PACKAGE_IDS that is not UID:GID stops the script before the tarball, naming the value and the fix', () => {
    const run = runPackageScript(dir, { PACKAGE_IDS: 'root:root' });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n').pop()).toBe(
      `error: PACKAGE_IDS=root:root is not UID:GID (two whole numbers, e.g. 1000:1000); unset it to use the IDs of ${spawnSync('id', ['-un'], { encoding: 'utf8' }).stdout.trim()}`,
    );
  });
});

describe('the driver passes HOST_UID:HOST_GID to the CI-mode package container', () => {
  test('docker create ... --env PACKAGE_IDS=<HOST_UID>:<HOST_GID> in the dry-run plan, also for 0:0', () => {
    const dir = synthesizedApp();
    const plan = spawnSync('bash', ['bin/docker.sh', '--ci', '--dry-run', 'build'], {
      cwd: dir, encoding: 'utf8', env: { ...process.env, HOST_UID: '0', HOST_GID: '0', DOCKER: 'true' },
    });
    const create = plan.stdout.split('\n').find((line) => / create /.test(line));
    expect(create).toBeDefined();
    expect(create).toContain('--env PACKAGE_IDS=0:0');
  });
});
