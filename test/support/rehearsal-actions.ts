import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'fs';
import { dirname, join, posix, relative, sep } from 'path';
import { registryManifest } from './registry';
import { ACTION_TABLE, ActionName, PinnedAction } from '../../src/workflows/actions';

/*
 * The ONE table that maps each `uses:` of the generated workflows to a local equivalent, for the
 * rehearsal (test/support/rehearsal.ts). It is keyed by the project's own table of actions
 * (src/workflows/actions.ts), so an action added there without a local equivalent does not
 * compile, and a `uses:` that is not in that table at exactly that version is refused: no action
 * slips through unrehearsed. Each entry names the `with:` inputs it understands; any other input is
 * refused too.
 */

/** What a local equivalent works with. */
export interface ActionContext {
  /** The job's workspace (GITHUB_WORKSPACE), where the checkout goes. */
  readonly workspace: string;
  /** The git repository whose HEAD is the commit every checkout gets. */
  readonly source: string;
  /** The run's artifact folder: one subfolder per artifact name. */
  readonly artifacts: string;
  /** The registry the workflow publishes to (its BUILD_REGISTRY), e.g. "ghcr.io" or "registry.example.test/team". */
  readonly publishRegistry: string;
  /** The loopback registry that stands in for it: HOST:PORT[/PATH]. */
  readonly localRegistry: string;
  /** The step's environment (DOCKER, DOCKER_CONFIG of the job, ...). */
  readonly env: NodeJS.ProcessEnv;
  /** The job's `permissions:` (GitHub's default token permissions are not rehearsed: none given is none). */
  readonly permissions: Readonly<Record<string, string>>;
  /** Where the attest stand-in records what it would attest: one JSON file per step. */
  readonly attestations: string;
}

/**
 * Fails the step unless the loopback registry serves a manifest (an image's or a list's) with DIGEST
 * in REPOSITORY ("HOST:PORT/PATH/NAME", under the local registry; anything else is refused).
 */
function requireInRegistry(repository: string, digest: string, context: ActionContext): void {
  const host = context.localRegistry.split('/')[0];
  if (!repository.startsWith(`${host}/`)) throw new RehearsalRefusal(`subject-name ${repository} is not in the loopback registry ${host}: the rehearsal attests only what it pushed`);
  const served = registryManifest(repository.slice(host.length + 1), digest, host);
  if (served?.digest !== digest) throw new StepFailure(`the registry has no ${repository}@${digest} (http://${host}: ${served ? `served ${served.digest}` : 'not served'}); actions/attest with push-to-registry needs the pushed image`);
}

/** A local equivalent of one action. */
export interface LocalAction {
  /** What the action becomes here, for the report. */
  readonly means: string;
  /** The `with:` inputs it understands. */
  readonly inputs: readonly string[];
  /** Does the local equivalent; throws StepFailure when the step fails; returns one line saying what it did. */
  run(inputs: Readonly<Record<string, string>>, context: ActionContext): string;
}

/** The step failed (as it would on GitHub); the job goes on as GitHub's would. */
export class StepFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepFailure';
  }
}

/** The rehearsal cannot rehearse this faithfully: the whole rehearsal stops. */
export class RehearsalRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RehearsalRefusal';
  }
}

export const LOCAL_ACTIONS: { readonly [K in ActionName]: LocalAction } = {
  checkout: {
    means: 'a git clone of the rehearsal commit into the job\'s workspace',
    inputs: ['persist-credentials'],
    run(inputs, context) {
      if (inputs['persist-credentials'] !== 'false') throw new RehearsalRefusal('checkout with persisted credentials is not rehearsed (no job pushes with git)');
      if (existsSync(context.workspace) && readdirSync(context.workspace).length > 0) throw new StepFailure(`the workspace ${context.workspace} is not empty`);
      const clone = spawnSync('git', ['clone', '--quiet', '--no-hardlinks', context.source, context.workspace], { encoding: 'utf8' });
      if (clone.status !== 0) throw new StepFailure(`git clone failed: ${clone.stderr.trim()}`);
      const head = spawnSync('git', ['-C', context.workspace, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
      return `cloned ${head.slice(0, 12)} into the workspace`;
    },
  },
  setupNode: {
    means: 'this machine\'s Node.js, when its major version is the one asked for',
    inputs: ['node-version', 'package-manager-cache'],
    run(inputs) {
      if (inputs['package-manager-cache'] !== 'false') throw new RehearsalRefusal('setup-node with its automatic dependency cache is not rehearsed (a release job restores no cache)');
      const wanted = inputs['node-version'] ?? '';
      const have = process.versions.node;
      const major = /^(\d+)(\.|$)/.exec(wanted)?.[1];
      if (major === undefined) throw new RehearsalRefusal(`node-version ${JSON.stringify(wanted)} is not rehearsed (only "N", "N.x" or "N.M.P")`);
      if (have.split('.')[0] !== major) throw new StepFailure(`node-version ${wanted} asked for, but this machine has Node.js ${have}`);
      return `Node.js ${have} stands in for ${wanted}`;
    },
  },
  dockerLogin: {
    means: 'docker login to the loopback registry that stands in for the workflow\'s registry',
    inputs: ['registry', 'username', 'password'],
    run(inputs, context) {
      if (inputs.registry !== context.publishRegistry.split('/')[0]) {
        throw new StepFailure(`logs in to ${JSON.stringify(inputs.registry)}, but the workflow publishes to ${context.publishRegistry}`);
      }
      if (!inputs.username || !inputs.password) throw new StepFailure('username and password must not be empty (docker/login-action fails then)');
      const host = context.localRegistry.split('/')[0];
      const docker = context.env.DOCKER ?? 'docker';
      const login = spawnSync(docker, ['login', host, '--username', inputs.username, '--password-stdin'], { input: inputs.password, env: context.env, encoding: 'utf8' });
      if (login.status !== 0) throw new StepFailure(`docker login ${host} failed: ${(login.stderr || login.stdout).trim()}`);
      return `docker login ${host} (for ${inputs.registry}) as ${inputs.username}: the loopback registry has no authentication and accepts any credentials`;
    },
  },
  uploadArtifact: {
    means: 'a copy into the run\'s artifact folder',
    inputs: ['name', 'path', 'if-no-files-found'],
    run(inputs, context) {
      const name = inputs.name ?? 'artifact';
      const ifNone = inputs['if-no-files-found'] ?? 'warn';
      if (!['error', 'warn', 'ignore'].includes(ifNone)) throw new RehearsalRefusal(`if-no-files-found: ${JSON.stringify(ifNone)} is not one of error, warn, ignore`);
      const patterns = (inputs.path ?? '').split('\n').map((p) => p.trim()).filter((p) => p !== '');
      if (patterns.length === 0) throw new StepFailure('no path given');
      const files = [...new Set(patterns.flatMap((p) => matchFiles(context.workspace, p)))].sort();
      if (files.length === 0) {
        const message = `no files found for ${patterns.join(', ')}`;
        if (ifNone === 'error') throw new StepFailure(`${message} (if-no-files-found: error)`);
        return ifNone === 'warn' ? `warning: ${message}; nothing uploaded` : `${message}; nothing uploaded (if-no-files-found: ignore)`;
      }
      const target = join(context.artifacts, name);
      if (existsSync(target)) throw new StepFailure(`an artifact named ${JSON.stringify(name)} already exists in this run`);
      // As upload-artifact does: paths are kept relative to the least common ancestor of the search paths.
      const root = leastCommonAncestor(patterns.map((p) => searchPath(context.workspace, p)));
      for (const file of files) {
        const to = join(target, relative(root, file));
        mkdirSync(dirname(to), { recursive: true });
        cpSync(file, to);
      }
      return `${files.length} file(s) kept as artifact ${name}: ${files.map((f) => relative(root, f)).join(', ')}`;
    },
  },
  setupPython: {
    means: 'this machine\'s python3, when its version is the one asked for',
    inputs: ['python-version'],
    run(inputs) {
      const wanted = inputs['python-version'] ?? '';
      if (!/^\d+\.\d+(\.\d+)?$/.test(wanted)) throw new RehearsalRefusal(`python-version ${JSON.stringify(wanted)} is not rehearsed (only "X.Y" or "X.Y.Z")`);
      const have = spawnSync('python3', ['-c', 'import platform; print(platform.python_version())'], { encoding: 'utf8' }).stdout.trim();
      if (!(`${have}.`).startsWith(`${wanted}.`)) throw new StepFailure(`python-version ${wanted} asked for, but this machine has Python ${have || 'none'}`);
      return `Python ${have} stands in for ${wanted}`;
    },
  },
  attest: {
    means: 'a record of the SLSA provenance the step would sign (sha256 of each subject), after checking the job may attest',
    inputs: ['subject-path', 'subject-digest', 'subject-name', 'push-to-registry'],
    run(inputs, context) {
      // As GitHub would refuse it: signing needs an OIDC token and the attestations API.
      for (const [permission, value] of [['id-token', 'write'], ['attestations', 'write']]) {
        if (context.permissions[permission] !== value) throw new StepFailure(`the job lacks permissions ${permission}: ${value}, which actions/attest needs`);
      }
      const subjects: Array<{ name: string; digest: string }> = [];
      if (inputs['subject-path'] !== undefined) {
        if (inputs['subject-digest'] !== undefined) throw new StepFailure('at most one of subject-path and subject-digest');
        const patterns = inputs['subject-path'].split('\n').map((p) => p.trim()).filter((p) => p !== '');
        const files = [...new Set(patterns.flatMap((p) => matchFiles(context.workspace, p)))].sort();
        if (files.length === 0) throw new StepFailure(`no subject found for ${patterns.join(', ')}`);
        for (const file of files) subjects.push({ name: relative(context.workspace, file), digest: `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex')}` });
      } else if (inputs['subject-digest'] !== undefined) {
        if (!/^sha256:[0-9a-f]{64}$/.test(inputs['subject-digest'])) throw new StepFailure(`subject-digest ${JSON.stringify(inputs['subject-digest'])} is not sha256:<64 hex>`);
        if (!inputs['subject-name']) throw new StepFailure('subject-name is required with subject-digest');
        // As GitHub's would, an attestation pushed beside the image needs the image in the registry under exactly that digest.
        if (inputs['push-to-registry'] === 'true') requireInRegistry(inputs['subject-name'], inputs['subject-digest'], context);
        subjects.push({ name: inputs['subject-name'], digest: inputs['subject-digest'] });
      } else {
        throw new RehearsalRefusal('an attestation of the runner\'s artifact list (no subject input) is not rehearsed');
      }
      mkdirSync(context.attestations, { recursive: true });
      const record = join(context.attestations, `${readdirSync(context.attestations).length + 1}.json`);
      writeFileSync(record, `${JSON.stringify({ subjects, pushToRegistry: inputs['push-to-registry'] === 'true' }, null, 2)}\n`);
      return `would sign provenance for ${subjects.map((s) => `${s.name} (${s.digest.slice(0, 19)}...)`).join(', ')}`;
    },
  },
  downloadArtifact: {
    means: 'a copy from the run\'s artifact folder',
    inputs: ['name', 'path'],
    run(inputs, context) {
      if (!inputs.name) throw new RehearsalRefusal('a download of every artifact (no name) is not rehearsed');
      const from = join(context.artifacts, inputs.name);
      if (!existsSync(from)) throw new StepFailure(`no artifact named ${JSON.stringify(inputs.name)} in this run`);
      const to = join(context.workspace, inputs.path ?? '.');
      mkdirSync(to, { recursive: true });
      cpSync(from, to, { recursive: true });
      return `artifact ${inputs.name} copied to ${relative(context.workspace, to) || '.'}: ${readdirSync(from, { recursive: true }).map(String).sort().join(', ')}`;
    },
  },
};

/**
 * The table's entry for a `uses:` value, by the action's owner/name; refused unless it is that
 * action pinned at exactly the table's SHA (another SHA or a tag of it is another version).
 */
export function localActionFor(uses: string): { name: ActionName; action: LocalAction } {
  const [repository, ref] = uses.split('@');
  const entry = (Object.entries(ACTION_TABLE) as Array<[ActionName, PinnedAction]>).find(([, pinned]) => pinned.repository === repository);
  if (!entry) {
    throw new RehearsalRefusal(`no local equivalent for "${uses}": the rehearsal maps only ${Object.values(ACTION_TABLE).map((a) => a.repository).join(', ')}; `
      + 'add the action to src/workflows/actions.ts and its stand-in to test/support/rehearsal-actions.ts');
  }
  if (ref !== entry[1].sha) throw new RehearsalRefusal(`"${uses}" is not ${repository} at the table's SHA (${entry[1].sha}, ${entry[1].version}): every uses: is pinned from src/workflows/actions.ts`);
  return { name: entry[0], action: LOCAL_ACTIONS[entry[0]] };
}

/** The files a path pattern of upload-artifact matches under `workspace`: literal paths, and `*`/`?` within one path segment. */
export function matchFiles(workspace: string, pattern: string): string[] {
  if (pattern.startsWith('!') || pattern.includes('**') || /[[\]{}]/.test(pattern)) {
    throw new RehearsalRefusal(`the path pattern ${JSON.stringify(pattern)} is not rehearsed (literal paths and * or ? within a segment only)`);
  }
  if (posix.isAbsolute(pattern) || pattern.split('/').includes('..')) throw new RehearsalRefusal(`the path ${JSON.stringify(pattern)} leaves the workspace`);
  let found = [workspace];
  for (const segment of pattern.split('/').filter((s) => s !== '' && s !== '.')) {
    const glob = /[*?]/.test(segment) ? new RegExp(`^${segment.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`) : undefined;
    found = found.flatMap((dir) => {
      if (!glob) return existsSync(join(dir, segment)) ? [join(dir, segment)] : [];
      return existsSync(dir) && statSync(dir).isDirectory() ? readdirSync(dir).filter((n) => glob.test(n)).map((n) => join(dir, n)) : [];
    });
  }
  // A folder stands for every file below it.
  return found.flatMap((path) => (statSync(path).isDirectory()
    ? readdirSync(path, { recursive: true }).map((p) => join(path, String(p))).filter((p) => statSync(p).isFile())
    : [path]));
}

/** The search path of a pattern: the literal part before the first segment with a wildcard. */
function searchPath(workspace: string, pattern: string): string {
  const segments = pattern.split('/').filter((s) => s !== '' && s !== '.');
  const literal = segments.findIndex((s) => /[*?]/.test(s));
  return join(workspace, ...(literal < 0 ? segments : segments.slice(0, literal)));
}

/** The deepest folder that holds every search path (a folder holds itself, a file is held by its parent). */
function leastCommonAncestor(paths: readonly string[]): string {
  const folders = paths.map((p) => (existsSync(p) && statSync(p).isDirectory() ? p : dirname(p)));
  const parts = folders.map((f) => f.split(sep));
  const common: string[] = [];
  for (let i = 0; parts.every((p) => i < p.length && p[i] === parts[0][i]); i++) common.push(parts[0][i]);
  return common.join(sep) || sep;
}
