import { Dockerfile, Instruction } from './dockerfile';
import { GENERATED_MARKER } from '../model/generated-marker';
import { USER_ID_ARGS } from '../model/image-stage';
import { Pipeline, PipelineStage } from '../model/pipeline';
import { shellQuote } from '../shell/shell-quote';

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
    out.push({ kind: 'from', image: 'image' in p.from ? p.from.image : '' });
  }
  if (p.user) {
    for (const arg of USER_ID_ARGS) out.push({ kind: 'arg', name: arg, default: p.user.defaultId ?? '1000' });
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
      const cacheMounts = pipeline.props.buildKitCacheMounts
        ? (step.cacheDirectories ?? []).map((target) => ({ target, uid: user?.defaultId ?? undefined, gid: user?.defaultId ?? undefined }))
        : [];
      out.push({ kind: 'run', commands: step.commands, cacheMounts });
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
