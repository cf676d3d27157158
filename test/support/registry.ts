import { spawnSync } from 'child_process';
import { docker } from './docker';

/*
 * The loopback registry of the e2e tests (Debian's docker-registry, started by
 * scripts/docker-engine.sh; its address comes from STAGED_BUILD_REGISTRY, default 127.0.0.1:5000),
 * read over its HTTP API: what a test checks is what the registry serves, not what the driver says.
 * Each test file pushes under a path of its own (ownRegistryPath) and removes only its own images.
 */

export const REGISTRY_HOST = process.env.STAGED_BUILD_REGISTRY ?? '127.0.0.1:5000';

/** A path in the registry that only this jest process uses, e.g. "staged-build-e2e-merge-1234-1700000000000". */
export function ownRegistryPath(purpose: string): string {
  return `staged-build-e2e-${purpose}-${process.pid}-${Date.now()}`;
}

/** Whether a distribution registry answers on REGISTRY_HOST (GET /v2/). */
export function registryAnswers(): boolean {
  const result = spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', `http://${REGISTRY_HOST}/v2/`], { encoding: 'utf8' });
  return result.stdout === '200';
}

/** The tags the registry holds for a repository ([] when none), e.g. repository "PATH/local/desktop-app". */
export function registryTags(repository: string): string[] {
  const result = spawnSync('curl', ['-s', '--max-time', '10', `http://${REGISTRY_HOST}/v2/${repository}/tags/list`], { encoding: 'utf8' });
  const body = JSON.parse(result.stdout || '{}') as { tags?: string[] | null };
  return [...(body.tags ?? [])].sort();
}

/** Every manifest media type a test asks for: an image manifest or a list of them, Docker's or OCI's. */
const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
];

export interface ServedManifest {
  /** The Content-Type the registry served. */
  readonly mediaType: string;
  /** Docker-Content-Digest: the digest of exactly the bytes served. */
  readonly digest: string;
  /** The manifest, parsed. */
  readonly body: { manifests?: Array<{ digest: string; platform?: { os: string; architecture: string } }>; config?: { digest: string } };
}

/** The manifest the registry on HOST serves for REFERENCE (a tag or a digest) of a repository; undefined when it has none. */
export function registryManifest(repository: string, reference: string, host: string = REGISTRY_HOST): ServedManifest | undefined {
  const args = ['-s', '-D', '-', '--max-time', '10', ...MANIFEST_TYPES.flatMap((t) => ['-H', `Accept: ${t}`]), `http://${host}/v2/${repository}/manifests/${reference}`];
  const text = spawnSync('curl', args, { encoding: 'utf8' }).stdout;
  const split = text.indexOf('\r\n\r\n');
  const head = text.slice(0, split);
  if (!/^HTTP\/\S+ 200/.test(head)) return undefined;
  const header = (name: string) => new RegExp(`^${name}:\\s*(\\S+)`, 'im').exec(head)?.[1] ?? '';
  return { mediaType: header('content-type'), digest: header('docker-content-digest'), body: JSON.parse(text.slice(split + 4)) };
}

/** Untags every local image reference (tag or recorded digest) under PREFIX (e.g. "127.0.0.1:5000/PATH/"); others' images stay. */
export function removeLocalImagesUnder(prefix: string): void {
  const listed = docker(['images', '--digests', '--format', '{{.Repository}} {{.Tag}} {{.Digest}}']).stdout.split('\n');
  const refs = listed.flatMap((line) => {
    const [repository, tag, digest] = line.split(' ');
    if (!repository?.startsWith(prefix)) return [];
    return [...(tag && tag !== '<none>' ? [`${repository}:${tag}`] : []), ...(digest && digest !== '<none>' ? [`${repository}@${digest}`] : [])];
  });
  if (refs.length > 0) docker(['rmi', '--force', ...refs]);
}
