import { caseFunction, literalTextNotes, shellArray, shellQuote } from './shell-quote';
import { MERGED_DIGESTS_FILE, METRICS_FILE, RUN_RECORD_DIR } from './run-record';
import { smokeRun } from './smoke-run';
import { BUILD_MODES } from '../model/build-mode';
import { DEFAULT_USER_ID, INPUT_HASH_LENGTH } from '../model/image-stage';
import { Pipeline } from '../model/pipeline';
import { parseSize } from '../model/size-budget';

/**
 * The model, as bash data: the variables and lookup functions that the driver and the
 * validation script read. One renderer for both, so that they can never disagree.
 */
export function pipelineData(pipeline: Pipeline): string[] {
  const keys = pipeline.labelKeys;
  const pkg = pipeline.packageStage;
  const stages = pipeline.stages;
  const user = pipeline.userOf(pkg);
  const smoke = smokeRun(pipeline);
  const vars: Array<[string, string]> = [
    ['PIPELINE', pipeline.name],
    ['PIPELINE_TITLE', pipeline.title],
    ['PACKAGER', pipeline.props.packager.name],
    ['PACKAGE_STAGE', pkg.name],
    ['PACKAGE_SCRIPT', pipeline.packageScriptPath],
    ['PACKAGE_DIR', pipeline.packagerContext.packageDir],
    ['ARTIFACT', pipeline.artifactPath],
    ['CHECKSUM', pipeline.checksumPath],
    ['BUILD_LOG', pipeline.buildLogPath],
    ['PACKAGER_LOG', pipeline.packagerLogPath],
    ['DEFAULT_IMAGE_ID', user?.defaultId ?? DEFAULT_USER_ID],
    ['INPUT_HASH_LENGTH', String(INPUT_HASH_LENGTH)],
    ['RUN_RECORD_DIR', RUN_RECORD_DIR],
    ['METRICS_FILE', METRICS_FILE],
    ['MERGED_DIGESTS', MERGED_DIGESTS_FILE],
    ['SMOKE_STAGE', smoke.stage],
    ['SMOKE_SCRIPT', smoke.script],
    ['SMOKE_COMMAND', smoke.command],
    ['SMOKE_EXPECTED_OUTPUT', smoke.expectedOutput],
    ['SMOKE_TARBALL', smoke.tarballInContainer],
  ];
  const lists: Array<[string, readonly string[]]> = [
    ['STAGES', stages.map((s) => s.name)],
    ['PUBLISHED_STAGES', stages.filter((s) => s.props.publish !== undefined).map((s) => s.name)],
    ['SMOKE_ARGUMENTS', smoke.arguments],
    ['SMOKE_ENVIRONMENT', smoke.environment],
  ];
  // Not readonly: the validation script's --label-prefix replaces them.
  const labels: Array<[string, string]> = [
    ['LABEL_PIPELINE', keys.pipeline],
    ['LABEL_STAGE', keys.stage],
    ['LABEL_RUN_ID', keys.runId],
  ];
  return [
    '# --- The pipeline model (generated) ---',
    `# shellcheck disable=${['SC2034', ...literalTextNotes(vars.map(([, v]) => v))].join(',')} # shared by the driver and the validation script; each reads part of it`,
    'readonly \\',
    ...vars.map(([k, v], i) => `  ${k}=${shellQuote(v)}${i < vars.length - 1 ? ' \\' : ''}`),
    '# shellcheck disable=SC2034',
    ...labels.map(([k, v], i) => `${k}=${shellQuote(v)}${i < labels.length - 1 ? ' \\' : ''}`),
    `# shellcheck disable=${['SC2034', ...literalTextNotes(lists.flatMap(([, values]) => values))].join(',')}`,
    'readonly \\',
    ...lists.map(([name, values], i) => `  ${name}=${shellArray(values)}${i < lists.length - 1 ? ' \\' : ''}`),
    '',
    ...caseFunction('stage_image', 'The image of a stage in a build mode: stage_image STAGE/MODE',
      stages.flatMap((s) => BUILD_MODES.map((m) => [`${s.name}/${m}`, s.image(m)] as const))),
    '',
    ...caseFunction('stage_description', 'What a stage adds: stage_description STAGE',
      stages.map((s) => [s.name, s.props.description] as const)),
    '',
    ...caseFunction('stage_dockerfile', 'The Dockerfile of a stage, relative to the pipeline root',
      stages.map((s) => [s.name, pipeline.dockerfilePath(s)] as const)),
    '',
    ...caseFunction('stage_buildkit_dockerfile', 'The rendering of a stage\'s Dockerfile with BuildKit cache mounts (none when it has no cache mount)',
      stages.flatMap((s) => {
        const path = pipeline.buildKitDockerfilePath(s);
        return path ? [[s.name, path] as const] : [];
      })),
    '',
    ...caseFunction('stage_size_budget', 'The size budget of a stage\'s image in bytes (none when it has no budget)',
      stages.flatMap((s) => (s.props.sizeBudget ? [[s.name, String(parseSize(s.props.sizeBudget))] as const] : []))),
    '',
    ...caseFunction('stage_parent', 'The stage a stage is built FROM (none for the first)',
      stages.flatMap((s) => (s.parentStage ? [[s.name, s.parentStage] as const] : []))),
    '',
    ...caseFunction('stage_image_arg', 'The build argument through which a stage receives its parent\'s image',
      stages.flatMap((s) => {
        const parent = pipeline.parentOf(s);
        return parent ? [[s.name, parent.imageArgName] as const] : [];
      })),
    '',
    ...caseFunction('stage_takes_user_ids', 'Stages whose Dockerfile creates the user from HOST_UID/HOST_GID',
      stages.filter((s) => pipeline.takesUserIds(s)).map((s) => [s.name, 'yes'] as const)),
    '',
    ...caseFunction('stage_user', 'The user a stage\'s image runs as',
      stages.map((s) => [s.name, pipeline.userOf(s)?.name ?? 'root'] as const)),
    '',
    ...caseFunction('stage_workdir', 'The working directory of a stage\'s image',
      stages.map((s) => [s.name, pipeline.workdirOf(s) ?? '/'] as const)),
    '',
    ...caseFunction('stage_publish', 'When the workflows publish a stage\'s image (branch or release); none for the others',
      stages.flatMap((s) => (s.props.publish ? [[s.name, s.props.publish] as const] : []))),
    '',
    ...caseFunction('stage_inputs', 'The paths a stage needs from the repository (what it copies; for the package stage, the packager\'s inputs too)',
      stages.map((s) => [s.name, pipeline.inputsOf(s)] as const)),
  ];
}
