import { Dockerfile, Instruction } from './dockerfile';
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
 */
export function stageDockerfile(pipeline: Pipeline, stage: PipelineStage): Dockerfile {
  const p = stage.props;
  const parent = pipeline.parentOf(stage);
  const user = pipeline.userOf(stage);
  const out: Instruction[] = [];

  if (parent) {
    out.push({ kind: 'arg', name: parent.imageArgName, default: parent.image('ci') });
    out.push({ kind: 'from', image: `\${${parent.imageArgName}}` });
  } else {
    out.push({ kind: 'from', image: stage.baseImage ?? '' });
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
    out.push({
      kind: 'run',
      commands: [
        'apt-get update',
        ['apt-get install -y --no-install-recommends', ...packages],
        'rm -rf /var/lib/apt/lists/*',
      ],
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
      // The cache belongs to the user the RUN runs as (with the default IDs).
      const owner = user ? user.defaultId ?? DEFAULT_USER_ID : undefined;
      const cacheMounts = pipeline.props.buildKitCacheMounts
        ? (step.cacheDirectories ?? []).map((target) => ({ target, uid: owner, gid: owner }))
        : [];
      // Each command stays one clause of the RUN's && chain (grouped when it has its own ; & or ||).
      out.push({ kind: 'run', commands: step.commands.map(asAndClause), cacheMounts });
    }
  }
  return {
    header: [
      GENERATED_MARKER,
      `Stage "${stage.name}" of the ${pipeline.name} build: ${p.description}`,
      `Built by ${pipeline.driverPath} build_${stage.name}; image: ${stage.image('standard')} (standard), ${stage.image('ci')} (--ci).`,
    ],
    instructions: out,
  };
}
