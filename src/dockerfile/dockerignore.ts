import { GENERATED_MARKER } from '../model/generated-marker';
import { Pipeline } from '../model/pipeline';

/** What never enters the build context: outputs, logs, local settings, tool folders. */
const ALWAYS_IGNORED = ['.git', '**/node_modules', 'dist', 'build', '*.log', '.env', '**/__pycache__', '**/*.pyc'];

/** `.dockerignore` at the pipeline root (the build context of every stage). */
export function renderDockerignore(pipeline: Pipeline, extra: readonly string[] = []): string {
  return [`# ${GENERATED_MARKER}`, `# Build context of the ${pipeline.title} stages: ${pipeline.root}`, ...ALWAYS_IGNORED, ...extra, ''].join('\n');
}
