import { INPUT_HASH_LENGTH } from '../model/image-stage';
import { Pipeline } from '../model/pipeline';
import { DRIVER_EXIT_CODES } from '../shell/exit-codes';
import { smokeRun } from '../shell/smoke-run';

/*
 * Two sections of the build documentation: the smoke check the driver runs (when, where, how it
 * fails) and publishing (the registry option, input tags, push/promote/pull, the build cache).
 */

const E = DRIVER_EXIT_CODES;

/** "### The smoke check run". */
export function smokeRunSection(pipeline: Pipeline): string[] {
  const driver = `./${pipeline.driverPath}`;
  const smoke = smokeRun(pipeline);
  return [
    '### The smoke check run',
    '',
    `\`${driver} build\` and \`${driver} build_${pipeline.packageStage.name}\` run the package's smoke check after packaging, before the package`,
    `replaces \`./dist\`; \`${driver} [--ci] smoke\` runs it on the package already in \`./${pipeline.artifactPath}\`, and`,
    `\`${pipeline.validationScriptPath}\` runs that command too. The tarball is copied (\`docker create\` + \`docker cp\`, no mount in either mode) into a`,
    `fresh container of the **${smoke.stage}** image, which has none of the later stages' build tools or dependencies, with no network;`,
    `there it is unpacked and \`${smoke.command}\` must exit 0 with output matching \`${smoke.expectedOutput || '(none declared)'}\`.`,
    `A failure stops the driver with exit status ${E.smoke.code} and one line naming the command, what went wrong, the output's last line`,
    `and the build log (\`./${pipeline.buildLogPath}\`), which holds the whole output. \`SMOKE_TIMEOUT\` (seconds, default 300) limits the run.`,
    '',
  ];
}

/** "## Publishing images". */
export function publishSection(pipeline: Pipeline): string[] {
  const driver = `./${pipeline.driverPath}`;
  const stages = pipeline.stages;
  const published = stages.filter((s) => s.props.publish !== undefined);
  const first = stages[0];
  return [
    '## Publishing images',
    '',
    '### The registry',
    '',
    'The registry is part of each image name in the table above. `--registry HOST[:PORT][/PATH]` (any position; or the',
    'environment variable `BUILD_REGISTRY`, which the option overrides) puts every image of the run under another registry: it',
    'replaces the registry host of each name, or goes in front of a name that has none. It applies to every command',
    `(build, push, pull, shell, clean, dry runs), so the same pipeline publishes to its registry in CI and to a loopback registry in tests:`,
    '',
    '```bash',
    `${driver} --ci --registry 127.0.0.1:5000 build_${first.name}   # builds 127.0.0.1:5000/${withoutRegistry(first.image('ci'))}`,
    '```',
    '',
    '### Input tags',
    '',
    `Every image is also tagged \`<image>-<hash>\` (e.g. \`${first.image('ci')}-3f9a1c2e4b5d\`): the first ${INPUT_HASH_LENGTH} hex digits of the`,
    'SHA-256 of what the stage is built from: its Dockerfile, each file its steps copy (path, executable bit and content, as',
    '`.dockerignore` leaves them), its user IDs when it creates its user, and its parent stage\'s hash. The tag names exactly what was',
    'built from a commit\'s inputs; the moving tag (the model\'s name) names whatever was promoted last.',
    '',
    '### Commands',
    '',
    '| command | what it does |',
    '| --- | --- |',
    `| \`${driver} --ci push [STAGE...]\` | pushes each stage's image under its input tag (default: ${published.length ? published.map((s) => `${s.name} (on ${s.props.publish === 'branch' ? 'pushes to the default branch' : 'a release'})`).join(', ') : 'none: no stage is published'}); exit ${E.prerequisite.code} when the image built from the current inputs is not here |`,
    `| \`${driver} --ci promote [STAGE...]\` | tags the input-tagged image with its moving tag and pushes that; only the default branch and releases run it |`,
    `| \`${driver} --ci pull STAGE\` | pulls the image by its input tag and tags it with the model's name; exit ${E.pullAbsent.code} when the registry does not have it, ${E.registry.code} for any other failure (an unreachable registry is not "absent") |`,
    `| \`${driver} --ci pull_or_build STAGE\` | pulls; only when the image is absent, builds the stage; says in one line which happened and why; any other pull failure fails (${E.registry.code}) |`,
    '',
    'Push and pull need an image name with a registry host (a name without one would go to docker.io): give one with `--registry`.',
    'Logging in (`docker login`) is up to the caller.',
    '',
    '### The registry as build cache',
    '',
    'With BuildKit, every image records its build cache in itself (`--build-arg BUILDKIT_INLINE_CACHE=1`), and, for image names with a',
    'registry, `build_*` passes the registry\'s image of the same input tag and the moving tag as `--cache-from`: on a fresh machine',
    'the steps whose inputs did not change are reported `CACHED` and their layers are pulled instead of rebuilt (an image the',
    'registry does not have is skipped). With the legacy builder (`DOCKER_BUILDKIT=0`) no `--cache-from` is given: it would use',
    'only images already pulled, and with it the local layer cache no longer serves the other steps. The legacy builder reuses',
    `only its local cache; on a fresh machine, pull the images first (\`pull_or_build\`), which reuses a pulled image as it is.`,
    '',
  ];
}

/** An image name without its registry host (for the example of --registry). */
function withoutRegistry(name: string): string {
  const [first, ...rest] = name.split('/');
  return rest.length > 0 && (first.includes('.') || first.includes(':') || first === 'localhost') ? rest.join('/') : name;
}
