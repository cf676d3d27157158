import { spawnSync } from 'child_process';
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { BUILDKIT_DOCKER, describeWithEngine, docker } from '../support/docker';
import { registryManifest, registryTags } from '../support/registry';
import { commitAll, createSourceRepository, JobRecord, rehearse, RehearsalEvent, RehearsalResult } from '../support/rehearsal';
import { tempFolder } from '../support/temp';

/*
 * The rehearsal of the example's two generated workflows on this machine (issue 8, item 6): each
 * job in `needs` order, each run: step with bash in a fresh clone of the working tree, each uses:
 * step through the one table of local equivalents, against the loopback registry
 * (STAGED_BUILD_REGISTRY, started by scripts/registry.sh; .ci/run starts it). The four outcomes:
 *  1. docker-release: the gate passes, the base is built and pushed, and is then pullable;
 *  2. linux-dispatch with the base in the registry and no local images: the base is pulled, not
 *     rebuilt; the runtime is built with the registry as cache; the package is built,
 *     smoke-checked and validated; the runtime is pushed; SHA256SUMS is written, provenance
 *     "signed" (the attest stand-in records its subjects) and the release files "uploaded";
 *  3. linux-dispatch with an empty registry: the base is built instead;
 *  4. a failing gate (a stale generated file, made on purpose in the rehearsed commit): nothing is
 *     pushed (the registry's catalog and tags unchanged) and the run fails.
 *
 * Every image goes under a registry path unique to this run (<registry>/rehearsal-<id>), so the
 * images the rehearsal makes have names of their own, and only those are removed afterwards.
 * The gate's unit tests are a small named subset (UNIT_SUBSET): the rehearsal proves the gate's
 * wiring; the whole unit suite runs in CI on its own.
 */

jest.setTimeout(30 * 60_000);

const REGISTRY = process.env.STAGED_BUILD_REGISTRY ?? '127.0.0.1:5000';
const RUN = `rehearsal-${process.pid}-${Date.now().toString(36)}`;
/** The registry the example's workflows publish to (their BUILD_REGISTRY, from the model). */
const PUBLISH_REGISTRY = 'registry.example.test';
const RELEASE_WORKFLOW = 'examples/desktop-app/.github/workflows/docker-release.yml';
const DISPATCH_WORKFLOW = 'examples/desktop-app/.github/workflows/linux-dispatch.yml';
/** The gate's unit tests in the rehearsal (STAGED_BUILD_UNIT_TESTS of the test:unit task): the workflows' structure. */
const UNIT_SUBSET = 'test/structure.test.ts';
const IMAGE = 'local/desktop-app';

/** The rehearsal's stand-in for registry.example.test: a path of the loopback registry of its own. */
function localRegistry(path: string): string {
  return `${REGISTRY}/${RUN}-${path}`;
}

function registryGet(path: string): { status: number; body: string } {
  const result = spawnSync('curl', ['-s', '-m', '10', '-o', '-', '-w', '\n%{http_code}', `http://${REGISTRY}${path}`], { encoding: 'utf8' });
  const lines = (result.stdout ?? '').split('\n');
  const status = Number(lines.pop());
  return { status, body: lines.join('\n') };
}

/** The registry's catalog with the tags of each repository: what a run could have pushed. */
function registryContents(): Record<string, string[]> {
  // The catalog comes in pages (the registry serves at most 1000 names a page): follow them with `last`.
  const repositories: string[] = [];
  for (;;) {
    const last = repositories.length > 0 ? `&last=${encodeURIComponent(repositories[repositories.length - 1])}` : '';
    const catalog = registryGet(`/v2/_catalog?n=1000${last}`);
    if (catalog.status !== 200) throw new Error(`GET /v2/_catalog of ${REGISTRY} answered ${catalog.status}: ${catalog.body}`);
    const page = (JSON.parse(catalog.body) as { repositories: string[] | null }).repositories ?? [];
    repositories.push(...page);
    if (page.length < 1000) break;
  }
  return Object.fromEntries(repositories.sort().map((repo) => {
    const tags = registryGet(`/v2/${repo}/tags/list`);
    return [repo, tags.status === 200 ? ((JSON.parse(tags.body) as { tags: string[] | null }).tags ?? []).sort() : []];
  }));
}

/** The local images whose names start with `prefix` (the rehearsal's own): name:tag, or the ID of one whose tag moved away. */
function localImages(prefix: string): string[] {
  const listed = docker(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']).stdout.split('\n');
  return listed.filter((line) => line.startsWith(`${prefix}/`)).map((line) => {
    const [ref, id] = line.split(' ');
    return ref.endsWith(':<none>') ? id : ref;
  });
}

function removeLocalImages(prefix: string): void {
  const refs = localImages(prefix);
  if (refs.length > 0) docker(['rmi', '--force', ...refs]);
}

function job(result: RehearsalResult, id: string): JobRecord {
  const found = result.jobs.find((j) => j.id === id);
  if (!found) throw new Error(`no job ${id} in the rehearsal:\n${result.report}`);
  return found;
}

/** The output of the job's step whose name matches `name`. */
function stepOutput(result: RehearsalResult, jobId: string, name: RegExp): string {
  const step = job(result, jobId).steps.find((s) => name.test(s.name));
  if (!step) throw new Error(`job ${jobId} has no step matching ${name}:\n${result.report}`);
  return step.output;
}

function expectConclusion(result: RehearsalResult, conclusion: 'success' | 'failure'): void {
  if (result.conclusion !== conclusion) {
    throw new Error(`the rehearsal concluded ${result.conclusion}, expected ${conclusion}:\n${result.report}`);
  }
}

describeWithEngine('rehearsal of the example\'s workflows on this machine (engine + loopback registry)', () => {
  let source: string;
  const used: string[] = [];

  beforeAll(() => {
    const answer = registryGet('/v2/');
    if (answer.status !== 200) {
      throw new Error(`no registry answers on ${REGISTRY} (GET /v2/: ${answer.status || 'no answer'}); start one with 'bash scripts/registry.sh' (STAGED_BUILD_REGISTRY=${REGISTRY})`);
    }
    source = join(tempFolder('rehearsal-source'), 'repository');
    createSourceRepository(source);
  });

  afterAll(() => {
    for (const registry of used) removeLocalImages(registry);
  });

  function run(workflow: string, event: RehearsalEvent, registry: string, repository = source): RehearsalResult {
    used.push(registry);
    return rehearse({
      workflow,
      source: repository,
      event,
      publishRegistry: PUBLISH_REGISTRY,
      localRegistry: registry,
      workDir: tempFolder('rehearsal-run'),
      // The runner's tools: the BuildKit client (as on GitHub's runners), and the gate's named subset of the unit tests.
      runnerEnv: { DOCKER: BUILDKIT_DOCKER, DOCKER_BUILDKIT: '1', STAGED_BUILD_UNIT_TESTS: UNIT_SUBSET, npm_config_prefer_offline: 'true' },
    });
  }

  const published = localRegistry('published');
  const push: RehearsalEvent = { name: 'push', ref: 'refs/heads/main' };
  const release: RehearsalEvent = { name: 'release', ref: 'refs/tags/v1.0.0', releaseTag: 'v1.0.0' };

  test('docker-release: the gate passes, the base is built and pushed under its input tag (and the moving tag, on main), then pullable', () => {
    const result = run(RELEASE_WORKFLOW, push, published);
    expectConclusion(result, 'success');
    expect(job(result, 'gate').outcome).toBe('success');
    const tags = registryTags(`${published.slice(REGISTRY.length + 1)}/${IMAGE}`);
    expect(tags).toContain('base_ci');
    expect(tags.filter((t) => /^base_ci-[0-9a-f]{12}$/.test(t))).toHaveLength(1);
    // Provenance signed (by the stand-in: recorded) for exactly the image the registry serves under the pushed input tag.
    const baseTag = tags.find((t) => /^base_ci-[0-9a-f]{12}$/.test(t))!;
    expect(job(result, 'publish-base').steps.find((s) => /^Sign build provenance for the pushed base image/.test(s.name))?.summary)
      .toContain(`would sign provenance for ${published}/${IMAGE} (${registryManifest(`${published.slice(REGISTRY.length + 1)}/${IMAGE}`, baseTag)?.digest.slice(0, 19)}...)`);
    // Pullable: from the registry, with nothing of it here.
    removeLocalImages(published);
    const pulled = docker(['pull', `${published}/${IMAGE}:${tags.find((t) => t.startsWith('base_ci-'))}`]);
    expect(pulled.status).toBe(0);
  });

  test('linux-dispatch with the base in the registry and no local images: base pulled, runtime built with the registry as cache, package built, smoke-checked, validated, runtime pushed, release files uploaded', () => {
    removeLocalImages(published);
    expect(localImages(published)).toEqual([]);
    const result = run(DISPATCH_WORKFLOW, release, published);
    expectConclusion(result, 'success');
    expect(result.jobs.map((j) => [j.id, j.outcome])).toEqual([['gate', 'success'], ['package', 'success'], ['release', 'success']]);
    expect(stepOutput(result, 'package', /^Pull the base image/)).toMatch(/pull_or_build base: pulled .*base_ci-[0-9a-f]{12} from the registry/);
    expect(stepOutput(result, 'package', /^Pull the base image/)).not.toMatch(/building it/);
    expect(stepOutput(result, 'package', /^Build the runtime image/)).toContain(`--cache-from ${published}/${IMAGE}:runtime_ci`);
    expect(stepOutput(result, 'package', /^Smoke check/)).toMatch(/smoke/i);
    expect(job(result, 'package').steps.find((s) => /^Validate/.test(s.name))?.outcome).toBe('success');
    const tags = registryTags(`${published.slice(REGISTRY.length + 1)}/${IMAGE}`);
    expect(tags).toContain('runtime_ci');
    expect(tags.filter((t) => /^runtime_ci-[0-9a-f]{12}$/.test(t))).toHaveLength(1);
    const runtimeTag = tags.find((t) => /^runtime_ci-[0-9a-f]{12}$/.test(t))!;
    expect(job(result, 'package').steps.find((s) => /^Sign build provenance for the pushed runtime image/.test(s.name))?.summary)
      .toContain(`would sign provenance for ${published}/${IMAGE} (${registryManifest(`${published.slice(REGISTRY.length + 1)}/${IMAGE}`, runtimeTag)?.digest.slice(0, 19)}...)`);
    expect(result.releaseUploads).toEqual([['v1.0.0', 'rehearsal/staged-build', 'dist/desktop-app-linux.tar.gz', 'dist/desktop-app-linux.tar.gz.sha256', 'dist/SHA256SUMS']]);
    // Provenance is signed (by the stand-in: recorded) for exactly the package the release carries.
    expect(job(result, 'release').steps.find((s) => /^Sign build provenance/.test(s.name))?.summary).toMatch(/would sign provenance for dist\/desktop-app-linux.tar.gz \(sha256:/);
  });

  test('linux-dispatch with an empty registry: the base is built instead (and said so), the rest as before', () => {
    const empty = localRegistry('empty');
    expect(registryTags(`${empty.slice(REGISTRY.length + 1)}/${IMAGE}`)).toEqual([]);
    const result = run(DISPATCH_WORKFLOW, release, empty);
    expectConclusion(result, 'success');
    expect(stepOutput(result, 'package', /^Pull the base image/)).toMatch(/pull_or_build base: building it, because .*base_ci-[0-9a-f]{12} is absent from the registry/);
    // A release pushes the runtime only; the base is the release workflow's to push.
    const tags = registryTags(`${empty.slice(REGISTRY.length + 1)}/${IMAGE}`);
    expect(tags.some((t) => t.startsWith('runtime_ci'))).toBe(true);
    expect(tags.some((t) => t.startsWith('base_ci'))).toBe(false);
    expect(result.releaseUploads).toHaveLength(1);
  });

  test('a failing gate (a stale generated file in the rehearsed commit): nothing is pushed, and the run fails', () => {
    const broken = join(tempFolder('rehearsal-broken'), 'repository');
    createSourceRepository(broken);
    const workflowFile = join(broken, RELEASE_WORKFLOW);
    writeFileSync(workflowFile, readFileSync(workflowFile, 'utf8').replace('Quality gate', 'Hand-edited gate'));
    commitAll(broken, 'A generated file edited by hand (stale)');
    const registry = localRegistry('gate');
    const before = registryContents();
    const result = run(RELEASE_WORKFLOW, push, registry, broken);
    expectConclusion(result, 'failure');
    expect(job(result, 'gate').outcome).toBe('failure');
    expect(stepOutput(result, 'gate', /check:generated/)).toMatch(/stale/);
    expect(job(result, 'publish-base').outcome).toBe('skipped');
    expect(registryContents()).toEqual(before);
    expect(localImages(registry)).toEqual([]);
  });
});
