import { Dockerfile, Instruction } from './dockerfile';
import { APT_CACHE_DIRECTORIES, APT_DOCKER_CLEAN, DockerfileVariant } from '../model/cache-mounts';
import { GENERATED_MARKER } from '../model/generated-marker';
import { DEFAULT_USER_ID, USER_ID_ARGS } from '../model/image-stage';
import { Pipeline, PipelineStage } from '../model/pipeline';
import { asAndClause } from '../model/shell-syntax';
import { shellQuote } from '../shell/shell-quote';

/**
 * The first command of the user-creation RUN: the image user is never root, even when
 * `docker build --build-arg HOST_UID=0` is run by hand (the driver never passes 0: it maps root's
 * IDs to the default). `[ N -gt 0 ]` also refuses "00", negative and non-numeric IDs.
 */
export const REFUSE_ROOT_IDS = 'if ! { [ "${HOST_UID}" -gt 0 ] && [ "${HOST_GID}" -gt 0 ]; } 2>/dev/null; then '
  + 'echo "error: HOST_UID=${HOST_UID} HOST_GID=${HOST_GID}: both must be whole numbers above 0, the image user is never root (build with e.g. --build-arg HOST_UID=1000 --build-arg HOST_GID=1000)" >&2 '
  + '&& exit 1; fi';

/**
 * The Dockerfile model of one stage. Layer order is the point of this function:
 * system packages, then the user, then the stage's steps (dependency manifests before sources),
 * so that an edit to the application rebuilds only the stages that copy it.
 * `variant`: `buildkit` renders the cache mounts (only for a stage that uses them, see
 * Pipeline.usesCacheMounts); `plain` the same steps without, for any builder.
 */
export function stageDockerfile(pipeline: Pipeline, stage: PipelineStage, variant: DockerfileVariant = 'plain'): Dockerfile {
  const p = stage.props;
  const mounts = variant === 'buildkit' && pipeline.usesCacheMounts(stage);
  const parent = pipeline.parentOf(stage);
  const user = pipeline.userOf(stage);
  const out: Instruction[] = [];

  if (parent) {
    out.push({ kind: 'arg', name: parent.imageArgName, default: parent.image('ci') });
    out.push({ kind: 'from', image: `\${${parent.imageArgName}}` });
  } else {
    out.push({ kind: 'from', image: stage.baseReference ?? '' });
  }
  if (p.user) {
    for (const arg of USER_ID_ARGS) out.push({ kind: 'arg', name: arg, default: p.user.defaultId ?? DEFAULT_USER_ID });
  }
  for (const arg of p.buildArgs ?? []) out.push({ kind: 'arg', name: arg.name, default: arg.default });
  out.push({ kind: 'label', labels: pipeline.labelsOf(stage) });
  const env = Object.entries(p.env ?? {});
  if (env.length > 0) out.push({ kind: 'env', vars: env });

  const packages = p.systemPackages ?? [];
  if (packages.length > 0) {
    if (parent && user) out.push({ kind: 'user', user: 'root' });
    out.push({ kind: 'comment', text: 'System packages' });
    out.push(mounts ? {
      // apt's lists and downloads stay in the cache mounts between builds, never in the image.
      kind: 'run',
      commands: [`rm -f ${APT_DOCKER_CLEAN}`, 'apt-get update', ['apt-get install -y --no-install-recommends', ...packages]],
      cacheMounts: APT_CACHE_DIRECTORIES.map((target) => ({ target, sharing: 'locked' as const })),
    } : {
      kind: 'run',
      // Neither the lists nor the downloaded packages stay in the layer (images without Docker's
      // docker-clean apt setting keep every downloaded package otherwise).
      commands: ['apt-get update', ['apt-get install -y --no-install-recommends', ...packages], 'apt-get clean', 'rm -rf /var/lib/apt/lists/*'],
    });
  }
  if (p.user) {
    // Paths go into a shell command here, so they are quoted as shell words.
    const home = shellQuote(p.user.home ?? `/home/${p.user.name}`);
    const workdir = p.workdir ? [`mkdir -p ${shellQuote(p.workdir)}`, `chown "\${HOST_UID}:\${HOST_GID}" ${shellQuote(p.workdir)}`] : [];
    out.push({ kind: 'comment', text: `Non-root user ${p.user.name}, with the IDs of the person who builds (HOST_UID/HOST_GID)` });
    out.push({
      kind: 'run',
      commands: [
        REFUSE_ROOT_IDS,
        `groupadd --non-unique --gid "\${HOST_GID}" ${p.user.name}`,
        `useradd --non-unique --uid "\${HOST_UID}" --gid "\${HOST_GID}" --create-home --home-dir ${home} --shell /bin/bash ${p.user.name}`,
        ...workdir,
      ],
    });
  }
  if (p.workdir) out.push({ kind: 'workdir', path: p.workdir });
  if (user && (p.user || packages.length > 0)) out.push({ kind: 'user', user: user.name });

  for (const step of pipeline.stepsOf(stage)) {
    if (step.kind === 'copy') {
      const owned = step.ownedByUser ?? true;
      out.push({
        kind: 'copy',
        sources: step.sources,
        destination: step.destination,
        chown: owned && user ? `${user.name}:${user.name}` : undefined,
      });
    } else {
      // The cache belongs to the user the RUN runs as, with the IDs the model gives it (a mount's
      // owner cannot come from a build argument). With other IDs pip warns and builds uncached.
      const owner = user ? user.defaultId ?? DEFAULT_USER_ID : undefined;
      const directories = step.cacheDirectories ?? [];
      // Each command stays one clause of the RUN's && chain (grouped when it has its own ; & or ||).
      const commands = step.commands.map(asAndClause);
      out.push(mounts
        ? { kind: 'run', commands, cacheMounts: directories.map((target) => ({ target, uid: owner, gid: owner })) }
        // Without mounts, what the step cached is removed before its layer is written.
        : { kind: 'run', commands: directories.length > 0 ? [...commands, `rm -rf ${directories.map(shellQuote).join(' ')}`] : commands });
    }
  }
  return {
    header: [
      GENERATED_MARKER,
      ...(mounts ? ['BuildKit rendering, with cache mounts; the legacy builder builds the plain Dockerfile of the stage.'] : []),
      `Stage "${stage.name}" of the ${pipeline.name} build: ${p.description}`,
      `Built by ${pipeline.driverPath} build_${stage.name}; image: ${stage.image('standard')} (standard), ${stage.image('ci')} (--ci).`,
    ],
    instructions: out,
  };
}
