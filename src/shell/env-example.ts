import { GENERATED_MARKER } from '../model/generated-marker';
import { Pipeline } from '../model/pipeline';

/** `.env.example`: the variables the driver reads from `.env`, with the precedence rule. */
export function renderEnvExample(pipeline: Pipeline): string {
  return [
    `# ${GENERATED_MARKER}`,
    `# Copy to .env (${pipeline.driverPath} creates .env from id -u / id -g when it is missing).`,
    '# Precedence: the environment, then .env, then the current user (id -u / id -g).',
    '# IDs of the image user and of the files written to ./dist and ./build:',
    'HOST_UID=1000',
    'HOST_GID=1000',
    '',
  ].join('\n');
}
