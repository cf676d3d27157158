import { Pipeline } from '../model/pipeline';

/*
 * "### Engines and builders" of the build documentation: what the driver gives each builder. The
 * driver chooses the builder once per run (choose_builder in src/shell/snippets/driver-settings.sh);
 * this table says the same per row, and test/engine.test.ts holds the two together.
 */

/** One builder the driver can build with. */
export interface BuilderFacts {
  /** The driver's name for it (BUILDER in the generated driver). */
  readonly id: 'buildkit' | 'legacy' | 'buildah';
  /** How a user selects it. */
  readonly selectedBy: string;
  /** What the driver gives it, or what it lacks. */
  readonly gets: string;
}

/** The builders, in the order the docs list them. */
export const BUILDERS: readonly BuilderFacts[] = [
  {
    id: 'buildkit',
    selectedBy: 'Docker, `DOCKER_BUILDKIT=1` or `docker buildx` present (e.g. `DOCKER=/usr/bin/docker DOCKER_BUILDKIT=1`)',
    gets: '`--progress=plain`; the build cache inside each image (`BUILDKIT_INLINE_CACHE=1`) and, for images under a registry, `--cache-from` that registry; the `Dockerfile.<stage>.buildkit` renderings, with `RUN --mount=type=cache` for the apt and pip caches',
  },
  {
    id: 'legacy',
    selectedBy: 'Docker, `DOCKER_BUILDKIT=0` or no `docker buildx`',
    gets: '`--force-rm` (a failed step leaves no container); only the local layer cache; the plain Dockerfiles (no cache mounts: each step empties its cache folders)',
  },
  {
    id: 'buildah',
    selectedBy: 'Podman, `DOCKER=podman` (detected from `podman version`; `DOCKER_BUILDKIT` is ignored)',
    gets: 'the legacy builder\'s options, its own local layer cache and the plain Dockerfiles (buildah can build cache mounts, but the `.buildkit` renderings are not yet built or tested with it); no registry cache. Images are in Podman\'s own store, named `localhost/NAME`. `push` and `pull` work (a loopback registry gets `--tls-verify=false`); `merge` and `promote_merged` need the docker client',
  },
];

/** The section, for a pipeline's BUILD.md. */
export function engineSection(pipeline: Pipeline): string[] {
  const driver = `./${pipeline.driverPath}`;
  return [
    '### Engines and builders',
    '',
    '`DOCKER=/path/to/client` selects the client: Docker\'s, or Podman\'s (`DOCKER=podman`). The driver detects the engine and chooses the builder once per run,',
    `and names it in its first line (e.g. \`${pipeline.title}: build, ci mode, buildah (Podman), ...\`). The generated Dockerfiles work with every builder:`,
    '',
    '| builder | selected by | what the driver gives it |',
    '| --- | --- | --- |',
    ...BUILDERS.map((b) => `| ${b.id} | ${b.selectedBy} | ${b.gets} |`),
    '',
    `Everything else is the same with each engine: the labels, \`${driver} --ci\` without mounts (create, start, cp), the smoke check,`,
    `\`clean\` (by label), \`shell\`, and \`./${pipeline.validationScriptPath}\`, which reads Podman's event stream as it reads Docker's`,
    '(Podman runs no daemon: its events are timed by the host clock, and buildah\'s build steps are no containers in that stream;',
    'the recorded build calls and the Dockerfile check cover them). With Podman, the base image must be in Podman\'s store',
    '(`docker save IMAGE | podman load`), and `podman run` may need `default_ulimits = []` in a containers.conf;',
    '`scripts/podman-engine.sh` of the staged-build repository does both.',
    '',
  ];
}
