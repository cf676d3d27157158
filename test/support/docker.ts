import { spawnSync, SpawnSyncOptions } from 'child_process';
import { cpSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { basename, join, relative, sep } from 'path';
import { REPO_ROOT } from './project';

/*
 * Helpers of the end-to-end tests (test/e2e): they run the generated files of the example
 * pipeline for real on a Docker engine, in throw-away copies of examples/desktop-app.
 *
 * Housekeeping rules: the tests never touch the repository's own copy of the example, and they
 * remove only the containers and images they made themselves, found by the label E2E_LABEL
 * (put on what the tests create directly) or by the run-id label with a BUILD_RUN_ID they chose.
 */

/** The example pipeline whose generated files the e2e tests run. */
export const EXAMPLE_ROOT = join(REPO_ROOT, 'examples', 'desktop-app');

/** The docker client the driver uses by default (the first on PATH; legacy builder only here). */
export const DOCKER = 'docker';
/** The client that can use the engine's embedded BuildKit (DOCKER_BUILDKIT=1). */
export const BUILDKIT_DOCKER = '/usr/bin/docker';

/** Labels of the example pipeline (as the model generates them). */
export const LABEL_PIPELINE = 'dev.staged-build.example.pipeline';
export const LABEL_RUN_ID = 'dev.staged-build.example.run-id';
export const PIPELINE = 'desktop-app';

/** The tests' own label, on every container and image they create without the driver. */
export const E2E_LABEL = 'dev.staged-build.e2e.owner';
/** This jest process's value of E2E_LABEL. */
export const E2E_OWNER = `jest-${process.pid}`;

/** CI sets this to 1: then an unreachable engine fails the e2e tests instead of skipping them. */
export const REQUIRED_ENV = 'STAGED_BUILD_E2E_REQUIRED';

/** Long enough for a cold build of the example's images (apt-get inside the base stage). */
const SCRIPT_TIMEOUT_MS = 10 * 60 * 1000;
const ENGINE_PROBE_TIMEOUT_MS = 15 * 1000;

export interface Run {
  /** Exit status; null when the process was killed (see signal/error). */
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Set when the process could not be started or timed out. */
  error?: string;
  /** The command line, for messages. */
  command: string;
}

// --- Engine ---

export interface EngineStatus {
  reachable: boolean;
  /** The server version when reachable; why not otherwise. */
  detail: string;
}

let engineStatus: EngineStatus | undefined;
let skipNoticePrinted = false;

/** Whether `docker info` answers (once per process, with a short timeout). */
export function probeEngine(): EngineStatus {
  if (engineStatus) return engineStatus;
  const result = spawnSync(DOCKER, ['info', '--format', '{{.ServerVersion}}'], {
    encoding: 'utf8',
    timeout: ENGINE_PROBE_TIMEOUT_MS,
  });
  const version = (result.stdout ?? '').trim();
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    engineStatus = {
      reachable: false,
      detail: code === 'ENOENT' ? `no '${DOCKER}' client on PATH`
        : code === 'ETIMEDOUT' ? `'${DOCKER} info' did not answer within ${ENGINE_PROBE_TIMEOUT_MS / 1000} s`
          : `'${DOCKER} info' could not run: ${result.error.message}`,
    };
  } else if (result.status === 0 && /^\d+\.\d+/.test(version)) {
    engineStatus = { reachable: true, detail: version };
  } else {
    const said = `${result.stderr ?? ''}\n${version}`.split('\n').map((l) => l.trim()).filter((l) => l !== '');
    engineStatus = { reachable: false, detail: said[0] ?? `'${DOCKER} info' exited ${result.status}` };
  }
  return engineStatus;
}

/**
 * describe() for tests that need a Docker engine. Without a reachable engine, the block is
 * reported as one skipped test whose name gives the reason; with STAGED_BUILD_E2E_REQUIRED=1
 * (CI), as one failing test with that reason instead. The body is not run then, so its hooks
 * do not touch the engine.
 */
export function describeWithEngine(title: string, body: () => void): void {
  const engine = probeEngine();
  if (engine.reachable) {
    describe(title, body);
    return;
  }
  const reason = `no Docker engine reachable: ${engine.detail}`;
  describe(title, () => {
    if (process.env[REQUIRED_ENV] === '1') {
      test(`needs a Docker engine (${REQUIRED_ENV}=1, ${reason})`, () => {
        throw new Error(`${REQUIRED_ENV}=1 requires the end-to-end tests to run, but there is ${reason}; `
          + 'start one with scripts/docker-engine.sh');
      });
    } else {
      test.skip(`(skipped: ${reason})`, () => undefined);
    }
  });
  if (process.env[REQUIRED_ENV] !== '1' && !skipNoticePrinted) {
    // A whole skipped file does not show its test names on the console: one line says why.
    skipNoticePrinted = true;
    process.stderr.write(`End-to-end tests skipped: ${reason} (${REQUIRED_ENV}=1 makes this a failure).\n`);
  }
}

// --- Processes ---

/** The variables the driver and the validation script read; the tests set them explicitly. */
const DRIVER_ENV = ['HOST_UID', 'HOST_GID', 'DOCKER', 'DOCKER_BUILDKIT', 'BUILD_RUN_ID', 'KEEP_CONTAINERS'];

/** The process environment without the driver's own variables, plus `env`. */
export function scriptEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const base = { ...process.env };
  for (const key of DRIVER_ENV) delete base[key];
  return { ...base, ...env };
}

/** Runs a program to completion and captures its output (never throws). */
export function runCommand(file: string, args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Run {
  const spawnOptions: SpawnSyncOptions = {
    cwd: options.cwd,
    env: scriptEnv(options.env),
    input: options.input,
    encoding: 'utf8',
    timeout: SCRIPT_TIMEOUT_MS,
    maxBuffer: 256 * 1024 * 1024,
  };
  const result = spawnSync(file, args, spawnOptions);
  return {
    status: result.status,
    signal: result.signal,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    error: result.error?.message,
    command: [file, ...args].join(' '),
  };
}

/** Runs a script of a copy of the example (path relative to the copy) in that copy. */
export function runScript(copy: string, script: string, args: string[], env: Record<string, string> = {}): Run {
  return runCommand(join(copy, script), args, { cwd: copy, env });
}

/** The last lines of a text, for failure messages. */
export function tail(text: string, lines = 40): string {
  const all = text.replace(/\s+$/, '').split('\n');
  return (all.length > lines ? [`[... ${all.length - lines} lines before]`] : []).concat(all.slice(-lines)).join('\n');
}

/** A readable account of a run, for failure messages. */
export function describeRun(run: Run, lines = 40): string {
  return [
    `$ ${run.command}`,
    `exit status ${run.status}${run.signal ? `, signal ${run.signal}` : ''}${run.error ? `, error ${run.error}` : ''}`,
    '--- stdout (end) ---', tail(run.stdout, lines),
    '--- stderr (end) ---', tail(run.stderr, lines),
  ].join('\n');
}

/** The one error line of a failed run (its last line on stderr). */
export function errorLine(run: Run): string {
  const lines = run.stderr.trim().split('\n');
  return lines[lines.length - 1];
}

/** Throws with the run's output unless it exited 0; returns the run. */
export function expectSuccess(run: Run, what: string): Run {
  if (run.status !== 0) throw new Error(`${what}: expected exit status 0\n${describeRun(run)}`);
  return run;
}

/** Throws with the run's output unless it exited with a non-zero status; returns the run. */
export function expectFailure(run: Run, what: string): Run {
  if (run.status === 0 || run.status === null) throw new Error(`${what}: expected a non-zero exit status\n${describeRun(run)}`);
  return run;
}

/** The absolute path of the docker client on PATH (DOCKER), links resolved, as a driver would hard-code it. */
export function realClientPath(): string {
  const found = expectSuccess(runCommand('bash', ['-c', `realpath -- "$(command -v ${DOCKER})"`]), `command -v ${DOCKER}`);
  return found.stdout.trim();
}

/** Runs the docker client (default: the one on PATH). */
export function docker(args: string[], options: { input?: string; env?: Record<string, string> } = {}): Run {
  return runCommand(DOCKER, args, { env: { DOCKER_BUILDKIT: '0', ...options.env }, input: options.input });
}

/** Runs the docker client, throws when it fails, returns its trimmed standard output. */
export function dockerOk(args: string[], options: { input?: string; env?: Record<string, string> } = {}): string {
  return expectSuccess(docker(args, options), `docker ${args[0]}`).stdout.trim();
}

// --- Copies of the example ---

const copies: string[] = [];

/** Top-level entries of the example that are outputs or local settings, never copied. */
const NOT_COPIED = new Set(['dist', 'build', '.env', 'ci_mode_test_results.log']);

/**
 * A fresh copy of examples/desktop-app in a new temporary folder (file modes kept, outputs and
 * .env left out), so that a test can edit sources and write .env without touching the repository.
 * Returns the copy's root.
 */
export function copyExample(): string {
  const parent = mkdtempSync(join(tmpdir(), 'staged-build-e2e-'));
  copies.push(parent);
  const copy = join(parent, basename(EXAMPLE_ROOT));
  cpSync(EXAMPLE_ROOT, copy, {
    recursive: true,
    filter: (source) => {
      const path = relative(EXAMPLE_ROOT, source);
      return !NOT_COPIED.has(path) && !path.split(sep).includes('__pycache__');
    },
  });
  return copy;
}

/** Removes the temporary copies made so far. */
export function removeCopies(): void {
  for (const parent of copies.splice(0)) rmSync(parent, { recursive: true, force: true });
}

// --- Run IDs, labels, cleanup ---

const runIds: string[] = [];

/** A BUILD_RUN_ID of this test process (valid for the driver: lowercase, digits, '.', '_', '-'). */
export function newRunId(purpose: string): string {
  const id = `e2e-${process.pid}-${runIds.length + 1}-${purpose.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  runIds.push(id);
  return id;
}

/** IDs of the containers (running or not) with the label KEY=VALUE. */
export function containersWithLabel(key: string, value: string): string[] {
  return words(dockerOk(['ps', '--all', '--quiet', '--no-trunc', '--filter', `label=${key}=${value}`]));
}

/** IDs of the images with the label KEY=VALUE; with all, intermediate images too. */
export function imagesWithLabel(key: string, value: string, all = false): string[] {
  const args = ['images', '--quiet', '--no-trunc', '--filter', `label=${key}=${value}`];
  if (all) args.splice(1, 0, '--all');
  return [...new Set(words(dockerOk(args)))];
}

/** The ID of an image, or undefined when it does not exist. */
export function imageId(ref: string): string | undefined {
  const run = docker(['image', 'inspect', '--format', '{{.Id}}', ref]);
  return run.status === 0 ? run.stdout.trim() : undefined;
}

/** One label of an image ('' when unset). */
export function imageLabel(ref: string, key: string): string {
  return dockerOk(['image', 'inspect', '--format', `{{ index .Config.Labels "${key}" }}`, ref]);
}

/** Removes the given containers (by ID; those already gone are ignored). */
export function removeContainers(ids: string[]): void {
  if (ids.length > 0) docker(['rm', '--force', '--volumes', ...ids]);
}

/** Removes the containers of one of this process's run IDs. */
export function removeRunContainers(runId: string): void {
  removeContainers(containersWithLabel(LABEL_RUN_ID, runId));
}

/**
 * Removes what this test process made: containers labelled with its run IDs or its own label,
 * images with its own label, and the temporary copies. Never anything found by name.
 */
export function cleanUp(): void {
  if (probeEngine().reachable) {
    for (const runId of runIds) removeRunContainers(runId);
    removeContainers(containersWithLabel(E2E_LABEL, E2E_OWNER));
    const images = imagesWithLabel(E2E_LABEL, E2E_OWNER);
    if (images.length > 0) docker(['rmi', '--force', ...images]);
  }
  removeCopies();
}

/** Throws a clear error when the image the example's base stage is built FROM is missing. */
export function requireBaseImage(ref = 'debian:bookworm-slim'): void {
  if (imageId(ref) === undefined) {
    throw new Error(`the engine has no image ${ref}, which the example's base stage is built FROM; `
      + 'make it with scripts/docker-engine.sh (no registry is reachable here)');
  }
}

function words(text: string): string[] {
  return text.split(/\s+/).filter((w) => w !== '');
}
