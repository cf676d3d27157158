import { posix } from 'path';
import { shellQuote } from './shell-quote';
import { Pipeline } from '../model/pipeline';

/** Where the smoke check unpacks the package, inside its container (every Linux image has /tmp). */
export const SMOKE_FOLDER = '/tmp/smoke';

/** How the driver runs the packager's smoke check, in a fresh container of the first stage's image. */
export interface SmokeRun {
  /** The stage whose image the check runs in: the first one, which has none of the later stages' build tools. */
  readonly stage: string;
  /** The `sh -c` script of the container: unpack the tarball copied in, then run the application with "$@". */
  readonly script: string;
  /** The command as a user would type it in the unpacked folder, for messages and docs. */
  readonly command: string;
  /** The arguments given to the application. */
  readonly arguments: readonly string[];
  /** NAME=VALUE entries for the container's environment. */
  readonly environment: readonly string[];
  /** The regular expression (Python's re, multi-line) the output must match; '' when none is declared. */
  readonly expectedOutput: string;
  /** Where the tarball is copied into the container. */
  readonly tarballInContainer: string;
}

/** The smoke check of the pipeline's packager, as the driver runs it. */
export function smokeRun(pipeline: Pipeline): SmokeRun {
  const packager = pipeline.props.packager;
  const smoke = packager.smokeCheck;
  const launch = packager.launchCommand(pipeline.packagerContext);
  const args = [...(smoke?.arguments ?? [])];
  const tarball = `/tmp/${posix.basename(pipeline.artifactPath)}`;
  return {
    stage: pipeline.stages[0].name,
    script: [
      `mkdir -p ${shellQuote(SMOKE_FOLDER)}`,
      `tar -xzf ${shellQuote(tarball)} -C ${shellQuote(SMOKE_FOLDER)}`,
      `cd ${shellQuote(SMOKE_FOLDER)}`,
      `exec ${launch} "$@"`,
    ].join(' && '),
    command: [launch, ...args.map(shellQuote)].join(' '),
    arguments: args,
    environment: Object.entries(smoke?.environment ?? {}).map(([k, v]) => `${k}=${v}`),
    expectedOutput: smoke?.expectedOutput ?? '',
    tarballInContainer: tarball,
  };
}
