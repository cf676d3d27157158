import { APT_CACHE_DIRECTORIES } from '../model/cache-mounts';
import { DEFAULT_USER_ID } from '../model/image-stage';
import { Pipeline } from '../model/pipeline';
import { DRIVER_EXIT_CODES } from '../shell/exit-codes';
import { METRICS_FILE, RUN_RECORD_DIR } from '../shell/run-record';

/** The fields of one line of the metrics file, for the docs (the driver's finish_metrics writes them). */
const METRICS_FIELDS: ReadonlyArray<readonly [string, string]> = [
  ['timestamp', 'when the command ended, UTC (`2026-01-31T12:00:00Z`)'],
  ['runId', 'the run\'s ID (`BUILD_RUN_ID`, default: time and PID)'],
  ['revision', 'the git commit of the checkout (`git rev-parse HEAD`), `null` outside a git checkout'],
  ['command, mode, builder, docker', 'the driver command (`build`, `build_<stage>`, `pull_or_build`), `standard` or `ci`, the builder (`buildkit`, `legacy`, or `buildah` for Podman), the docker client'],
  ['result', '`ok`, or `size-budget` when a stage was over its budget'],
  ['seconds', 'the wall time of the command'],
  ['stages[]', 'per stage image built: `stage`, `image`, `imageId`, `seconds`, `sizeBytes`, `layers`, `steps`, `cached`, `contextBytes`, `sizeBudgetBytes` (`null`: none); the next rows'],
  ['stages[].steps', '`{"ran": N, "cached": M}`: the steps of the stage\'s Dockerfile, but FROM, that ran and that came from the build cache, as the builder\'s output shows them (legacy and buildah: every instruction; BuildKit lists no metadata-only step such as LABEL or ENV, so its counts are smaller)'],
  ['stages[].cached', '`true` when no step ran (`steps.ran` is 0): the stage was served from the build cache'],
  ['stages[].contextBytes', 'the build context the client sent, in bytes (legacy and BuildKit); `null` with buildah, which reads the context folder itself and prints no size (`-` in the table)'],
  ['package', 'after the package step: `path`, `sizeBytes`, `sha256`, `seconds`; else `null`'],
];

/** "Rebuilds, caches and metrics": what a warm build reuses, the cache mounts, the context, the metrics file, the size budgets. */
export function metricsSection(pipeline: Pipeline): string[] {
  const driver = `./${pipeline.driverPath}`;
  const mounted = pipeline.stages.filter((s) => pipeline.usesCacheMounts(s));
  const budgets = pipeline.stages.filter((s) => s.props.sizeBudget !== undefined);
  const cacheOf = (stage: typeof pipeline.stages[number]): string[] => [
    ...((stage.props.systemPackages ?? []).length > 0 ? [`apt (${APT_CACHE_DIRECTORIES.map((d) => `\`${d}\``).join(', ')}, \`sharing=locked\`)`] : []),
    ...pipeline.stepsOf(stage).flatMap((step) => (step.kind === 'run' ? (step.cacheDirectories ?? []).map((d) => `\`${d}\``) : [])),
  ];
  return [
    '### Rebuilds and the build cache',
    '',
    'Each stage copies its dependency manifests before the application\'s sources, so an edit to the sources rebuilds only the',
    'stages that copy them: with either builder, a warm `build` after such an edit re-runs no step of the stages before (each',
    'stage\'s line in the metrics table says whether every step came from the cache). The images carry only labels that are',
    `the same in every run (pipeline and stage); what a run built or confirmed is in \`./${RUN_RECORD_DIR}/<run ID>.tsv\``,
    '(stage, image reference, image ID; one line per tag), which the validation script\'s "built by this run" check reads. A',
    'label that changed every run would give the legacy builder a new image ID each time, and every stage built on it would',
    'miss its cache.',
    '',
    ...(mounted.length > 0 ? [
      'Cache mounts (`RUN --mount=type=cache`) keep download caches between builds on this machine, outside the images. They',
      'are in a second rendering of a stage\'s Dockerfile, which the driver builds when BuildKit is used; the legacy builder',
      'builds the plain Dockerfile, whose steps remove the same caches before their layer is written:',
      '',
      '| Stage | BuildKit rendering | Cached |',
      '| --- | --- | --- |',
      ...mounted.map((s) => `| ${s.name} | \`${pipeline.buildKitDockerfilePath(s)}\` | ${cacheOf(s).join(', ')} |`),
      '',
      `A cache directory of a step belongs to the image user's IDs as the model gives them (${pipeline.userOf(pipeline.packageStage)?.defaultId ?? DEFAULT_USER_ID}); with other`,
      '`HOST_UID`/`HOST_GID`, pip warns that it cannot write its cache and installs without it. No cache backend exports',
      'cache mounts: a fresh CI runner starts with empty ones (the registry cache of the images still applies).',
      '',
    ] : ['The stages use no cache mounts (`buildKitCacheMounts: false`).', '']),
    'The build context is the pipeline root without what `.dockerignore` keeps out: version control, the build\'s outputs and',
    'logs, `node_modules`, virtual environments and caches. Each stage\'s line says how much context the client sent.',
    '',
    '### Build metrics',
    '',
    `Every build command (\`${driver} build\`, \`build_<stage>\`) appends one JSON object, on one line, to \`./${METRICS_FILE}\``,
    '(JSON Lines: read it line by line, e.g. `jq -s . build/metrics.json`), prints the same figures as a table at its end,',
    'and, when `GITHUB_STEP_SUMMARY` is set (GitHub Actions), appends the table in Markdown to the job summary. The fields:',
    '',
    '| Field | Meaning |',
    '| --- | --- |',
    ...METRICS_FIELDS.map(([field, meaning]) => `| \`${field}\` | ${meaning} |`),
    '',
    ...(budgets.length > 0 ? [
      'Size budgets (`sizeBudget` of a stage in the model): an image larger than its budget fails the build with exit status',
      `${DRIVER_EXIT_CODES.sizeBudget.code} and one line naming the stage, its size and the budget, after its metrics are written.`,
      '',
      '| Stage | Size budget |',
      '| --- | --- |',
      ...budgets.map((s) => `| ${s.name} | ${s.props.sizeBudget} |`),
    ] : [
      'No stage has a size budget. Give a stage `sizeBudget: "300MB"` (units B, kB, MB, GB, KiB, MiB, GiB) in the model, and',
      `an image larger than that fails the build with exit status ${DRIVER_EXIT_CODES.sizeBudget.code} and one line naming the stage, its size and the budget.`,
    ]),
    '',
  ];
}
