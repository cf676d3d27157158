import { join } from 'path';
import { REPO_ROOT } from './project';

/*
 * The consumer example (examples/consumer): the .projenrc.ts of the README's guide "Use it in your
 * own project", with the small app it packages in app/. The same file is shown in the README
 * (test/consumer.test.ts checks the copy) and used word for word by test/e2e/consumer.test.ts.
 */

export const CONSUMER_EXAMPLE = join(REPO_ROOT, 'examples', 'consumer');
/** The guide's .projenrc.ts. */
export const CONSUMER_PROJENRC = join(CONSUMER_EXAMPLE, '.projenrc.ts');
/** The app the guide's pipeline packages (its pipeline root), relative to the consumer project. */
export const CONSUMER_APP = 'app';
/** Values of the guide's pipeline, as its .projenrc.ts sets them. */
export const CONSUMER_PIPELINE = 'hello-app';
export const CONSUMER_LABEL_PREFIX = 'com.example.hello-app';
export const CONSUMER_IMAGES = ['base', 'runtime', 'package'].map((stage) => `local/hello-app:${stage}`);

/** Where the README's copy of the guide's .projenrc.ts starts and ends. */
export const README_COPY_START = '<!-- examples/consumer/.projenrc.ts: start (test/consumer.test.ts checks this copy) -->';
export const README_COPY_END = '<!-- examples/consumer/.projenrc.ts: end -->';
