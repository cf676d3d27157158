import { GENERATED_MARKER } from '../model/generated-marker';
import { Pipeline } from '../model/pipeline';

/**
 * What never enters the build context, by kind. Every pattern is a name at the top of the context
 * or `**\/<name>` (at any depth): the forms the driver's input hash applies exactly as Docker does.
 */
export const ALWAYS_IGNORED: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['Version control', ['.git', '.hg', '.svn']],
  ['Outputs and logs of the build', ['dist', 'build', 'logs', '*.log', '**/*.log']],
  ['Local settings', ['.env']],
  ['JavaScript tool folders', ['**/node_modules']],
  ['Python virtual environments', ['.venv', 'venv', '**/.venv']],
  ['Caches', ['.cache', '**/__pycache__', '**/*.pyc', '**/.pytest_cache', '**/.mypy_cache', '**/.ruff_cache', '.tox', '.nox', '**/*.egg-info']],
];

/** `.dockerignore` at the pipeline root (the build context of every stage). */
export function renderDockerignore(pipeline: Pipeline, extra: readonly string[] = []): string {
  return [
    `# ${GENERATED_MARKER}`,
    `# Build context of the ${pipeline.title} stages: ${pipeline.root}`,
    ...ALWAYS_IGNORED.flatMap(([kind, patterns]) => [`# ${kind}`, ...patterns]),
    ...(extra.length > 0 ? ['# This pipeline\'s own', ...extra] : []),
    '',
  ].join('\n');
}
