import { Pipeline } from '../model/pipeline';
import { WorkflowGate } from '../workflows/gate-job';
import { branchStages, releaseStages } from '../workflows/published-stages';
import { REGISTRY_ENV, validationCommand } from '../workflows/workflow-options';

/** The workflows the docs describe, when the pipeline has them: where each is, and its gate. */
export interface DocumentedWorkflows {
  readonly release?: { readonly path: string; readonly branch: string; readonly registry: string; readonly gate: WorkflowGate };
  readonly dispatch?: { readonly path: string; readonly registry: string; readonly gate: WorkflowGate };
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
      '',
    );
  }
  if (workflows.dispatch) {
    const pkg = pipeline.packageStage;
    const artifact = pipeline.artifactPath.split('/').pop();
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
        `   - only then \`${driver} --ci push ${names(pushed)}\` (input tag); a release also moves ${images(pushed)} (\`promote\`);`,
      ] : []),
      `   - keeps \`${artifact}\` and its checksum as a workflow artifact (and the logs, also when a step failed).`,
      `3. \`release\` (a published release only; needs \`package\`): checks \`${artifact}\` against its checksum with \`sha256sum --check\`, then attaches both to the release with \`gh release upload\`.`,
      '',
    );
  }
  out.push(
    '| workflow | job | needs | permissions | publishes |',
    '| --- | --- | --- | --- | --- |',
    ...(workflows.release ? [
      `| \`${workflows.release.path}\` | gate | | \`contents: read\` | nothing |`,
      `| | publish-${pulled.map((s) => s.name).join('-')} | gate | \`contents: read\`, \`packages: write\` | ${names(pulled)} image (input tag; ${images(pulled)} on \`${workflows.release.branch}\`) |`,
    ] : []),
    ...(workflows.dispatch ? [
      `| \`${workflows.dispatch.path}\` | gate | | \`contents: read\` | nothing |`,
      `| | package | gate | \`contents: read\`, \`packages: ${pushed.length > 0 ? 'write' : 'read'}\` | ${pushed.length > 0 ? `${names(pushed)} image (input tag; ${images(pushed)} on a release)` : 'nothing'} |`,
      '| | release | package | `contents: write` | the package and its checksum, on a release |',
    ] : []),
    '',
    `The workflows set \`${REGISTRY_ENV}=${registries(workflows)}\` for every driver command (the registry replaces the host of the image names`,
    'above, or goes in front of a name without one). They run on GitHub-hosted runners, log in to the registry with the job\'s own',
    '`GITHUB_TOKEN`, and check out without persisted credentials.',
    '',
  );
  return out;
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
