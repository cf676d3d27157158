import { Pipeline } from '../model/pipeline';
import { dependencyStage, pythonOf } from '../model/python-checks';
import { manifestKind } from '../model/python-dependencies';
import { PREFLIGHT_EXIT_STATUS, preflightPath } from '../preflight/preflight-program';
import { shellQuote } from '../shell/shell-quote';

/*
 * Two sections of the build documentation: what the package bundles (from the packager's data,
 * with its declared smoke check) and the preflight (what it checks for this pipeline, when it runs).
 */

/** "## What the package bundles". */
export function bundleSection(pipeline: Pipeline): string[] {
  const ctx = pipeline.packagerContext;
  const packager = pipeline.props.packager;
  const smoke = packager.smokeCheck;
  const out = [
    '## What the package bundles',
    '',
    `The ${pipeline.packageStage.name} stage runs ${packager.describe(ctx)}. Besides the modules the packager finds by itself, the package holds:`,
    '',
    ...packager.bundleContents(ctx),
    '',
  ];
  if (smoke) {
    const env = Object.entries(smoke.environment ?? {}).map(([k, v]) => `${k}=${shellQuote(v)}`);
    const command = ['cd', ctx.distDir, '&&', ...env, packager.launchCommand(ctx), ...(smoke.arguments ?? []).map(shellQuote)].join(' ');
    out.push(
      `**Smoke check** (declared with the packager): \`${command}\` must print a line matching \`${smoke.expectedOutput}\`;`,
      `a pass proves that ${smoke.description}.`,
      '',
    );
  } else {
    out.push('**Smoke check**: none declared (the preflight reports it).', '');
  }
  return out;
}

/** "## Preflight". */
export function preflightSection(pipeline: Pipeline): string[] {
  const driver = `./${pipeline.driverPath}`;
  const deps = dependencyStage(pipeline);
  const out = [
    '## Preflight',
    '',
    `Before any image is built, \`${preflightPath(pipeline)}\` (generated next to the package script) checks that each stage has what its steps need. It runs with the host's \`python3\` and takes seconds:`,
    '',
  ];
  if (deps) {
    const copied = pipeline.stepsOf(deps.stage).flatMap((step) => (step.kind === 'copy' ? step.sources : []));
    const how = {
      'setup.py': '`setup.py egg_info`',
      'pyproject.toml': 'the build backend\'s PEP 517 metadata hook (or, when the backend is not importable on the host, the `[project]` table and the files it names)',
      'requirements.txt': 'every file it includes and every local path it installs',
    }[manifestKind(deps.dependencies.manifest) ?? 'setup.py'];
    const python = pythonOf(pipeline, deps.stage);
    out.push(
      `- **Dependency stage (${deps.stage.name})**: the metadata of \`${deps.dependencies.manifest}\` is generated with ${how}, in a scratch folder holding exactly the files the stage copies (${copied.map((c) => `\`${c}\``).join(', ')}). A file the install reads but the stage does not copy is named, with the stage to add it to.`,
      `- **Python version**: the manifest's \`requires-python\` / \`python_requires\` must allow Python ${python?.runtime.version} (declared by stage ${python?.declaredBy.name}); specifiers \`==\`, \`!=\`, \`<\`, \`<=\`, \`>\`, \`>=\`, \`~=\`, \`===\` and \`.*\` wildcards.`,
    );
  } else {
    out.push('- **Dependency stage**: none declared (no stage has `pythonDependencies`), so no manifest is checked.');
  }
  out.push(
    `- **Package stage (${pipeline.packageStage.name})**: the entry module and every data source the packager takes from the repository exist, and so do the modules it names from the application's own packages; a smoke check is declared. Sources in the image and third-party modules are checked at package time.`,
    '',
    '| command | the preflight |',
    '| --- | --- |',
    `| \`${driver} check\` | runs alone (no Docker needed); exit status ${PREFLIGHT_EXIT_STATUS} when it finds a problem |`,
    `| \`${driver} --dry-run build\` (any build command) | its findings appear as \`# preflight: ... warning:\` lines; the plan is still shown (exit 0) |`,
    `| \`${driver} build\`, \`build_<stage>\` | runs first, for the stages up to that one; a problem stops the build before any docker command (exit status ${PREFLIGHT_EXIT_STATUS}) |`,
    '',
    'Not covered: `.dockerignore` patterns (a copied file that `.dockerignore` drops counts as copied).',
    '',
  );
  return out;
}
