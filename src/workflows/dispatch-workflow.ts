import { ACTIONS } from './actions';
import { checkoutAndLogin, DEFAULT_RUNNER, driverCommand, registryOf, repoPath, WorkflowOptions } from './workflow-options';
import { Pipeline } from '../model/pipeline';
import { shellCommand, shellQuote } from '../shell/shell-quote';

/**
 * On a published release (or by hand): pull the pushed first stage (building it only if absent),
 * build and push the middle stages, build the package, keep it as a workflow artifact, and
 * attach it to the release in a second job, the only one allowed to write contents.
 * Every `run:` word from the model is shell-quoted; event data reaches `run:` only through `env:`.
 */
export function dispatchWorkflow(pipeline: Pipeline, options: WorkflowOptions): Record<string, unknown> {
  const [base, ...rest] = pipeline.stages;
  const middle = rest.slice(0, -1);
  const pkg = pipeline.packageStage;
  const artifactName = `${pipeline.name}-${pipeline.platform}`;
  const files = [pipeline.artifactPath, pipeline.checksumPath];
  const runner = options.runner ?? DEFAULT_RUNNER;
  return {
    name: options.fileName,
    on: {
      release: { types: ['published'] },
      workflow_dispatch: {},
    },
    permissions: {},
    concurrency: { 'group': `${options.fileName}-\${{ github.ref }}`, 'cancel-in-progress': false },
    jobs: {
      package: {
        'name': `Build the ${pipeline.platform} package`,
        'runs-on': runner,
        'timeout-minutes': options.timeoutMinutes ?? 90,
        'permissions': { contents: 'read', packages: 'write' },
        'steps': [
          ...checkoutAndLogin(registryOf(pipeline), ACTIONS),
          {
            name: `Pull the ${base.name} image, or build it when absent`,
            run: `${shellCommand('docker', 'pull', base.image('ci'))} || ${driverCommand(pipeline, '--ci', `build_${base.name}`)}`,
          },
          ...middle.flatMap((stage) => [
            { name: `Build the ${stage.name} image (CI mode)`, run: driverCommand(pipeline, '--ci', `build_${stage.name}`) },
            { name: `Push ${stage.image('ci')}`, run: shellCommand('docker', 'push', stage.image('ci')) },
          ]),
          { name: `Build the package (CI mode, ${pipeline.props.packager.name})`, run: driverCommand(pipeline, '--ci', `build_${pkg.name}`) },
          {
            name: 'Keep the package as a workflow artifact',
            uses: ACTIONS.uploadArtifact,
            with: { 'name': artifactName, 'path': files.map((f) => repoPath(pipeline, f)).join('\n'), 'if-no-files-found': 'error' },
          },
          {
            name: 'Keep the build logs',
            if: '${{ always() }}',
            uses: ACTIONS.uploadArtifact,
            with: { 'name': `${artifactName}-logs`, 'path': repoPath(pipeline, 'build/*.log'), 'if-no-files-found': 'ignore' },
          },
        ],
      },
      publish: {
        'name': 'Attach the package to the release',
        'needs': 'package',
        'if': "${{ github.event_name == 'release' }}",
        'runs-on': runner,
        'timeout-minutes': 10,
        'permissions': { contents: 'write' },
        'steps': [
          { name: 'Download the package', uses: ACTIONS.downloadArtifact, with: { name: artifactName, path: 'dist' } },
          {
            name: 'Upload the package and its checksum to the release',
            env: { GH_TOKEN: '${{ github.token }}', TAG: '${{ github.event.release.tag_name }}', REPOSITORY: '${{ github.repository }}' },
            run: `gh release upload "$TAG" ${files.map((f) => shellQuote(`dist/${f.split('/').pop()}`)).join(' ')} --clobber --repo "$REPOSITORY"`,
          },
        ],
      },
    },
  };
}
