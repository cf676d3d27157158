import { DEFAULT_IMAGE_PLATFORMS, ImagePlatform, NativePackaging, platformArch, runnerOf, targetName } from '../model/platform-target';
import { Pipeline } from '../model/pipeline';
import { ACTION_TABLE, PinnedAction } from '../workflows/actions';
import { WorkflowGate } from '../workflows/gate-job';
import { platformJobId } from '../workflows/dispatch-workflow';
import { nativeJobId, nativeReleasePackage } from '../workflows/native-package-job';
import { RELEASE_SUMS_FILE } from '../workflows/release-job';
import { branchStages, releaseStages } from '../workflows/published-stages';
import { DEFAULT_RUNNER, imageUnderRegistry, platformRunner, REGISTRY_ENV, validationCommand } from '../workflows/workflow-options';

/** The workflows the docs describe, when the pipeline has them: where each is, and its gate. */
export interface DocumentedWorkflows {
  readonly release?: { readonly path: string; readonly branch: string; readonly registry: string; readonly gate: WorkflowGate; readonly platforms?: readonly ImagePlatform[]; readonly runner?: string; readonly attestImages?: boolean };
  readonly dispatch?: { readonly path: string; readonly registry: string; readonly gate: WorkflowGate; readonly native?: NativePackaging; readonly attestImages?: boolean; readonly platforms?: readonly ImagePlatform[]; readonly runner?: string };
}

/**
 * The "CI/CD Pipeline" section of the build documentation: the gate, the jobs of each workflow in
 * `needs` order, what each publishes and when, and each job's permissions. Empty without workflows.
 */
export function workflowSection(pipeline: Pipeline, workflows: DocumentedWorkflows): string[] {
  if (!workflows.release && !workflows.dispatch) return [];
  const driver = `./${pipeline.driverPath}`;
  const pulled = branchStages(pipeline);
  const pushed = releaseStages(pipeline);
  const names = (stages: typeof pulled) => stages.map((s) => s.name).join(', ');
  const images = (stages: typeof pulled) => stages.map((s) => `\`${s.image('ci')}\``).join(', ');
  const out: string[] = [
    '## CI/CD Pipeline',
    '',
    'The build is automated through GitHub Actions. Every `run:` step of the workflows is one command of the driver or of the',
    'validation script (or `gh`/checksum tooling): the logic lives in the driver, where it is tested.',
    '',
    '### The quality gate',
    '',
    'Each workflow starts with a `gate` job. Every job that pushes an image or uploads a release file needs it (directly or',
    'through another job), so a failing gate publishes nothing. It only reads the repository (`contents: read`). It checks out,',
    ...gateLines(workflows),
    '',
  ];
  if (workflows.release) {
    const branch = workflows.release.branch;
    out.push(
      `### \`${workflows.release.path}\``,
      '',
      `On a push to \`${branch}\` (or by hand):`,
      '',
      '1. `gate`.',
      `2. Build and push the ${names(pulled)} image (needs the gate; \`packages: write\`): \`${driver} --ci build_${pulled[0].name}\`, then`,
      `   \`${driver} --ci push ${names(pulled)}\`, which pushes it under its **input tag**: the image name with a hash of the stage's`,
      '   inputs (its Dockerfile, the files its steps copy, and its parent\'s input tag), so the tag names exactly what was built.',
      `   Only a run on \`${branch}\` then moves ${images(pulled)} to it (\`${driver} --ci promote ${names(pulled)}\`); a manual run from another`,
      '   branch pushes the input tag alone.',
      ...(workflows.release.attestImages ? [
        `   After the push, \`${driver} --ci digest ${pulled[0].name}\` reads the registry's digest of the pushed image, and \`actions/attest\` signs SLSA build`,
        '   provenance for that digest (also pushed to the registry); only the jobs that push have `id-token: write` and `attestations: write`.',
        `   Check it with \`gh attestation verify oci://<image>@<digest> --repo OWNER/REPOSITORY\`.`,
      ] : []),
      ...multiPlatformLines(workflows.release.platforms ?? DEFAULT_IMAGE_PLATFORMS, workflows.release.runner ?? DEFAULT_RUNNER, driver, names(pulled), pulled[0].name, images(pulled), branch, workflows.release.attestImages === true),
      '',
    );
  }
  if (workflows.dispatch) {
    const pkg = pipeline.packageStage;
    const artifact = pipeline.artifactPath.split('/').pop();
    const targets = workflows.dispatch.native?.targets ?? [];
    const files = [artifact, ...targets.map((t) => nativeReleasePackage(pipeline, t).file)];
    const dispatchSeveral = (workflows.dispatch.platforms ?? DEFAULT_IMAGE_PLATFORMS).length > 1;
    out.push(
      `### \`${workflows.dispatch.path}\``,
      '',
      'When a release is published (or by hand):',
      '',
      '1. `gate`.',
      '2. `package` (needs the gate):',
      ...pulled.map((s) => `   - \`${driver} --ci pull_or_build ${s.name}\`: pulls the ${s.name} image by the input tag of the released commit's inputs, or builds it when the registry does not have it (it says which, and why);`),
      ...pipeline.stages.filter((s) => s !== pkg && !pulled.includes(s)).map((s) => `   - \`${driver} --ci build_${s.name}\`: builds the ${s.name} image with the registry's images as cache;`),
      `   - \`${driver} --ci build_${pkg.name}\`, then \`${driver} --ci smoke\`: builds the package and runs it in a fresh container;`,
      `   - \`${validationCommand(pipeline).replace(/^'|'$/g, '')}\`: validates the CI-mode build (below);`,
      ...(pushed.length > 0 ? [
        `   - only then \`${driver} --ci push ${names(pushed)}\` (input tag)${dispatchSeveral ? '' : `; a release also moves ${images(pushed)} (\`promote\`)`};`,
        ...(workflows.dispatch.attestImages ? [`   - after the push, \`${driver} --ci digest STAGE\` (for ${names(pushed)}) reads the registry's digest of the pushed image, and \`actions/attest\` signs its provenance (only the jobs that push have \`id-token: write\` and \`attestations: write\`);`] : []),
      ] : []),
      `   - keeps \`${artifact}\` and its checksum as a workflow artifact (and the logs, also when a step failed).`,
      ...dispatchPlatformLines(workflows.dispatch.platforms ?? DEFAULT_IMAGE_PLATFORMS, workflows.dispatch.runner ?? DEFAULT_RUNNER, driver, names(pushed), images(pushed), workflows.dispatch.attestImages === true),
      ...targets.map((t, i) => `${i + 3}. \`${nativeJobId(t)}\` (needs the gate; \`contents: read\`; runs on \`${runnerOf(t)}\`): sets up Python ${workflows.dispatch!.native!.pythonVersion}, installs \`${workflows.dispatch!.native!.manifest}\` and PyInstaller ${workflows.dispatch!.native!.pyinstallerVersion}, builds the package with PyInstaller, runs the smoke check on the built executable, and keeps \`${nativeReleasePackage(pipeline, t).file}\` and its checksum as a workflow artifact.`),
      `${targets.length + 3}. \`release\` (a published release only; needs \`package\`${targets.map((t) => `, \`${nativeJobId(t)}\``).join('')}; \`contents: write\`, \`id-token: write\`, \`attestations: write\`): checks each package against its checksum with \`sha256sum --check\`,`,
      `   writes \`${RELEASE_SUMS_FILE}\` over ${files.map((f) => `\`${f}\``).join(', ')}, signs SLSA build provenance for each package (\`actions/attest\`), then attaches the packages, their checksums and \`${RELEASE_SUMS_FILE}\` to the release with \`gh release upload\`.`,
      '',
    );
  }
  out.push(
    '| workflow | job | needs | permissions | publishes |',
    '| --- | --- | --- | --- | --- |',
    ...(workflows.release ? [
      `| \`${workflows.release.path}\` | gate | | \`contents: read\` | nothing |`,
      ...releaseJobRows(workflows.release.platforms ?? DEFAULT_IMAGE_PLATFORMS, pulled.map((s) => s.name).join('-'), `${names(pulled)} image (input tag; ${images(pulled)} on \`${workflows.release.branch}\`)`, workflows.release.attestImages === true),
    ] : []),
    ...(workflows.dispatch ? [
      `| \`${workflows.dispatch.path}\` | gate | | \`contents: read\` | nothing |`,
      ...dispatchImageRows(workflows.dispatch.platforms ?? DEFAULT_IMAGE_PLATFORMS, pushed.map((s) => s.name), `${names(pushed)} image (input tag; ${images(pushed)} on a release)`, workflows.dispatch.attestImages === true),
      ...(workflows.dispatch.native?.targets ?? []).map((t) => `| | ${nativeJobId(t)} | gate | \`contents: read\` | nothing (a workflow artifact) |`),
      `| | release | ${['package', ...(workflows.dispatch.native?.targets ?? []).map(nativeJobId)].join(', ')} | \`contents: write\`, \`id-token: write\`, \`attestations: write\` | the packages, their checksums, ${RELEASE_SUMS_FILE} and provenance, on a release |`,
    ] : []),
    '',
    `The workflows set \`${REGISTRY_ENV}=${registries(workflows)}\` for every driver command (the registry replaces the host of the image names`,
    'above, or goes in front of a name without one). They run on GitHub-hosted runners, log in to the registry with the job\'s own',
    '`GITHUB_TOKEN`, and check out without persisted credentials.',
    '',
    ...platformLines(pipeline, workflows.dispatch?.native, workflows),
    ...(workflows.dispatch ? verificationLines(pipeline, workflows.dispatch.native) : []),
    ...imageVerificationLines(pipeline, workflows),
    ...updateLines(),
  );
  return out;
}

/** Where each platform's package is built, and the Linux package's glibc floor. */
function platformLines(pipeline: Pipeline, native: NativePackaging | undefined, workflows: DocumentedWorkflows): string[] {
  const base = pipeline.stages[0].baseImage ?? pipeline.stages[0].image('ci');
  return [
    '### Platforms',
    '',
    '| platform | built on | how | package |',
    '| --- | --- | --- | --- |',
    `| linux-x64 | a GitHub-hosted Ubuntu runner (the workflows' \`runs-on\`) | the Docker pipeline above (\`${pipeline.props.packager.name}\` in the package stage) | \`${pipeline.artifactPath.split('/').pop()}\` |`,
    ...(native?.targets ?? []).map((t) => `| ${targetName(t)} | GitHub-hosted \`${runnerOf(t)}\` runner | natively, PyInstaller (it cannot cross-compile) with Python ${native!.pythonVersion} | \`${nativeReleasePackage(pipeline, t).file}\` |`),
    '',
    `The Linux package runs on systems whose glibc is at least that of the base image (\`${base}\`): it is built there, and a`,
    'binary built against a newer glibc fails on older systems (`GLIBC_2.xx not found`). Build on the oldest system you support.',
    ...(native ? ['Windows and macOS packages are one-dir or one-file as the packager says (one-dir by default: one-file Windows builds',
      'trigger antivirus false positives). They take the packager\'s portable settings (entry point, import paths, hidden imports,',
      'excludes, console or windowed, smoke check); the Linux-only ones (libraries and data from the package stage\'s image) are',
      'not carried over.'] : []),
    '',
    ...imagePlatformLines(pipeline, workflows),
  ];
}

/** The release workflow's jobs when it builds for several platforms: one per platform on its native runner, then the merge. */
function multiPlatformLines(platforms: readonly ImagePlatform[], runner: string, driver: string, names: string, first: string, images: string, branch: string, attests: boolean): string[] {
  if (platforms.length === 1) return [];
  return [
    `   With several platforms (${platforms.map((p) => `\`${p}\``).join(', ')}) this is one job per platform, each on its own native runner`,
    `   (\`${platforms.map((p) => `${p}: ${platformRunner(p, runner)}`).join('`, `')}\`; no emulation), with \`BUILD_PLATFORM\` set: the driver builds with`,
    `   \`--platform\` and tags every image \`<tag>-<arch>\` (e.g. \`${platforms.map(platformArch).join('`, `')}\`), so ${names} is pushed per platform.`,
    `3. \`merge-${names.split(', ').join('-')}\` (needs every platform's job; \`packages: write\`): \`BUILD_PLATFORMS='${platforms.join(' ')}' ${driver} --ci merge ${names}\` joins the`,
    '   platform images into one manifest list under the input tag (the docker client\'s `docker manifest create` and `push`: nothing is',
    '   pulled or built, and an image whose architecture is not the one its tag names is refused), so a pull on any of these platforms',
    `   gets its own image; only on \`${branch}\`, \`${driver} --ci promote_merged ${names}\` moves ${images} to that same list.`,
    ...(attests ? [`   Between the two, \`${driver} --ci digest ${first}\` (with \`BUILD_PLATFORMS\`) reads the list's registry digest and \`actions/attest\` signs its provenance.`] : []),
    `   The package workflow pulls ${first} by the merged input tag.`,
  ];
}

/** The package workflow's jobs when it builds its images for several platforms. */
function dispatchPlatformLines(platforms: readonly ImagePlatform[], runner: string, driver: string, names: string, images: string, attests: boolean): string[] {
  if (platforms.length === 1) return [];
  const others = platforms.slice(1);
  return [
    `   With several platforms (${platforms.map((p) => `\`${p}\``).join(', ')}), \`package\` builds for \`${platforms[0]}\` with \`BUILD_PLATFORM\` set and pushes ${names || 'nothing'} as`,
    `   \`<tag>-${platformArch(platforms[0])}\` without moving a tag; ${others.map((p) => `\`${platformJobId(p)}\``).join(', ')} (needs the gate; on ${others.map((p) => `\`${platformRunner(p, runner)}\``).join(', ')}) does the same`,
    '   builds and checks (package, smoke check, validation script) for its platform and pushes its images as `<tag>-<arch>`; no package of it is kept.',
    ...(names ? [
      `   Then \`merge-${names.split(', ').join('-')}\` (needs them all) joins them: \`${driver} --ci merge ${names}\`${attests ? ', then `digest` and `actions/attest` on the manifest list' : ''}, and on a release`,
      `   \`${driver} --ci promote_merged ${names}\` moves ${images} to the list.`,
    ] : []),
  ];
}

/** The table rows of the package workflow's image jobs: the package job, and with several platforms one job per other platform and the merge. */
function dispatchImageRows(platforms: readonly ImagePlatform[], pushed: readonly string[], publishes: string, attests: boolean): string[] {
  const permissions = `\`contents: read\`, \`packages: ${pushed.length > 0 ? 'write' : 'read'}\`${attests && pushed.length > 0 ? ', `id-token: write`, `attestations: write`' : ''}`;
  const provenance = attests && pushed.length > 0 ? ' and its signed provenance' : '';
  if (platforms.length === 1) return [`| | package | gate | ${permissions} | ${pushed.length > 0 ? `${publishes}${provenance}` : 'nothing'} |`];
  const perPlatform = (p: ImagePlatform) => (pushed.length > 0 ? `the ${p} ${pushed.join(', ')} image (tags \`<tag>-${platformArch(p)}\`)${provenance}` : 'nothing');
  return [
    `| | package | gate | ${permissions} | ${perPlatform(platforms[0])} |`,
    ...platforms.slice(1).map((p) => `| | ${platformJobId(p)} | gate | ${permissions} | ${perPlatform(p)} |`),
    ...(pushed.length > 0 ? [`| | merge-${pushed.join('-')} | ${['package', ...platforms.slice(1).map(platformJobId)].join(', ')} | ${permissions} | ${publishes}, as one multi-platform manifest list${provenance} |`] : []),
  ];
}

/** The table rows of the release workflow's publishing jobs. */
function releaseJobRows(platforms: readonly ImagePlatform[], names: string, publishes: string, attests: boolean): string[] {
  const permissions = `\`contents: read\`, \`packages: write\`${attests ? ', `id-token: write`, `attestations: write`' : ''}`;
  const provenance = attests ? ' and its signed provenance' : '';
  if (platforms.length === 1) return [`| | publish-${names} | gate | ${permissions} | ${publishes}${provenance} |`];
  return [
    ...platforms.map((p) => `| | publish-${names}-${platformArch(p)} | gate | ${permissions} | the ${p} image (tags \`<tag>-${platformArch(p)}\`)${provenance} |`),
    `| | merge-${names} | ${platforms.map((p) => `publish-${names}-${platformArch(p)}`).join(', ')} | ${permissions} | ${publishes}, as one multi-platform manifest list${provenance} |`,
  ];
}

/** Where each platform of the published images is built. */
function imagePlatformLines(pipeline: Pipeline, workflows: DocumentedWorkflows): string[] {
  const release = workflows.release?.platforms ?? (workflows.release ? DEFAULT_IMAGE_PLATFORMS : []);
  const dispatch = workflows.dispatch?.platforms ?? (workflows.dispatch ? DEFAULT_IMAGE_PLATFORMS : []);
  const platforms = [...new Set([...release, ...dispatch])];
  if (platforms.length === 0) return [];
  const several = release.length > 1 || dispatch.length > 1;
  const images = (p: ImagePlatform) => [
    ...(release.includes(p) ? branchStages(pipeline).map((s) => s.name) : []),
    ...(dispatch.includes(p) ? releaseStages(pipeline).map((s) => s.name) : []),
  ];
  const joined = (p: ImagePlatform) => (release.includes(p) && release.length > 1) || (dispatch.includes(p) && dispatch.length > 1);
  const runner = workflows.release?.runner ?? workflows.dispatch?.runner ?? DEFAULT_RUNNER;
  return [
    '### Image platforms',
    '',
    '| image platform | built on | images |',
    '| --- | --- | --- |',
    ...platforms.map((p) => `| ${p} | GitHub-hosted \`${platformRunner(p, runner)}\` runner, natively | ${images(p).join(', ') || 'none'}${joined(p) ? ` (\`<tag>-${platformArch(p)}\`, joined into one manifest list)` : ''} |`),
    '',
    ...(several ? [
      `The Linux package is kept from the first platform's build (${dispatch[0] ?? 'linux/amd64'}); the others build and check it, and keep none.`,
      'Locally, `BUILD_PLATFORM=linux/arm64` builds for one platform where the engine can (an arm64 machine, or an engine with',
      'emulation set up); `--dry-run` shows the `--platform`. `merge` and `promote_merged` need only the docker client and the registry.',
      '',
    ] : []),
  ];
}

/** How a user checks a pushed image's provenance, when a workflow attests its images. */
function imageVerificationLines(pipeline: Pipeline, workflows: DocumentedWorkflows): string[] {
  const attested = [
    ...(workflows.release?.attestImages ? branchStages(pipeline) : []),
    ...(workflows.dispatch?.attestImages ? releaseStages(pipeline) : []),
  ];
  if (attested.length === 0) return [];
  return [
    '### Verifying a pushed image',
    '',
    `The pushed ${attested.map((s) => s.name).join(' and ')} images (each platform's, and the joined manifest list) carry signed SLSA build provenance,`,
    'stored with the repository\'s attestations and pushed to the registry beside the image. For an image as the workflows push it',
    `(under \`${REGISTRY_ENV}\`), e.g. the moving tag of the ${attested[0].name} image:`,
    '',
    '```bash',
    `gh attestation verify oci://${imageUnderRegistry(attested[0].image('ci'), (workflows.release ?? workflows.dispatch)!.registry)} --repo OWNER/REPOSITORY`,
    '```',
    '',
  ];
}

/** How a user checks a downloaded release file: its checksum and its provenance. */
function verificationLines(pipeline: Pipeline, native: NativePackaging | undefined): string[] {
  const file = native?.targets.length ? nativeReleasePackage(pipeline, native.targets[0]).file : pipeline.artifactPath.split('/').pop();
  return [
    '### Verifying a download',
    '',
    `Each release carries \`${RELEASE_SUMS_FILE}\` (one \`sha256sum\` line per package) and a signed SLSA build provenance`,
    'attestation per package, which names the workflow run and the commit that built it. With the files in one folder:',
    '',
    '```bash',
    `sha256sum --check --ignore-missing ${RELEASE_SUMS_FILE}`,
    `gh attestation verify ${file} --repo OWNER/REPOSITORY`,
    '```',
    '',
    '`OWNER/REPOSITORY` is the repository whose workflow built the release. On macOS, `shasum -a 256 --check` reads the same file.',
    '',
  ];
}

/** The pinned actions and how their updates reach the workflows. */
function updateLines(): string[] {
  const actions = Object.values(ACTION_TABLE) as PinnedAction[];
  return [
    '### Updating the pinned versions',
    '',
    'Every action is pinned by its full commit SHA, with the release it stands for as a comment, from one table',
    '(`src/workflows/actions.ts` of staged-build):',
    '',
    '| action | version | commit |',
    '| --- | --- | --- |',
    ...actions.map((a) => `| \`${a.repository}\` | ${a.version} | \`${a.sha}\` |`),
    '',
    'A project with `DependabotUpdates` gets a generated `.github/dependabot.yml` that watches the workflows (github-actions), the Dockerfiles\' base images (docker), the',
    'dependency manifests in this repository (pip) and the project\'s own packages (npm), weekly, with a 7-day cooldown before a',
    'new release is proposed and the minor and patch updates of an ecosystem grouped into one pull request. The files it edits are',
    'generated, so the gate (`check:generated`) fails on its pull request until the new version is in the model: put the SHA',
    'and version it proposes into the table (an action) or the stage\'s `from` image (a base image), run `npx projen`, and',
    'commit the result to the pull request. The new SHA must be the commit of the release tag: `git ls-remote --tags',
    'https://github.com/OWNER/ACTION \'refs/tags/vX.Y.Z^{}\'`.',
    '',
  ];
}

/** The registries the workflows publish to, e.g. "ghcr.io". */
function registries(workflows: DocumentedWorkflows): string {
  return [...new Set([workflows.release?.registry, workflows.dispatch?.registry].filter((r): r is string => r !== undefined))].join('` and `' + REGISTRY_ENV + '=');
}

/** What the gates run; one sentence when both workflows have the same gate. */
function gateLines(workflows: DocumentedWorkflows): string[] {
  const gates = [workflows.release?.gate, workflows.dispatch?.gate].filter((g): g is WorkflowGate => g !== undefined);
  const describe = (gate: WorkflowGate) => `sets up Node.js ${gate.nodeVersion}, installs the project's dependencies from its lock file (\`${gate.installCommand}\`), then runs ${gate.tasks.map((t) => `\`npx projen ${t}\``).join(', ')}`;
  const same = gates.every((g) => JSON.stringify(g) === JSON.stringify(gates[0]));
  if (same) return [`${describe(gates[0])}.`];
  return [
    ...(workflows.release ? [`in \`${workflows.release.path}\` ${describe(workflows.release.gate)};`] : []),
    ...(workflows.dispatch ? [`in \`${workflows.dispatch.path}\` ${describe(workflows.dispatch.gate)}.`] : []),
  ];
}
