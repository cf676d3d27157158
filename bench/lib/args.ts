/** The benchmark's options, from its command line. */
export interface BenchOptions {
  /** Samples per figure (the median, min and max are reported). */
  readonly runs: number;
  /** Keep the figures of bench/.work/state.json measured from the same inputs (see inputsOf in bench.ts), and measure only the rest. */
  readonly resume: boolean;
  /** Only the figures whose id starts with one of these (e.g. "heavy.buildkit", "context"); empty: all. */
  readonly only: readonly string[];
  /** The loopback registry for the fresh-machine figure. */
  readonly registry: string;
  /** Where the report goes. */
  readonly output: string;
  readonly help: boolean;
}

export const DEFAULT_RUNS = 3;

export const USAGE = `Usage: npx projen bench [--quick | --runs N] [--resume] [--only PREFIX]... [--registry HOST:PORT] [--output FILE]

Measures the build cache design on the real Docker engine (run scripts/docker-engine.sh first) and
writes bench/RESULTS.md: cold, warm and after-edit builds of the heavy fixture (bench/fixtures/heavy,
and its naive layout) and of examples/desktop-app, with the legacy builder and with BuildKit; a
fresh-machine build from the registry cache; the build context with and without .dockerignore;
npx projen against a bare projen project. Each figure is the median of N runs, with min and max.

Options:
  --runs N           samples per figure (default ${DEFAULT_RUNS})
  --quick            one sample per figure (--runs 1)
  --resume           keep the complete figures already measured from the same inputs (bench/.work/state.json:
                     the same library, presets, example, fixtures and benchmark code)
  --only PREFIX      measure only the figures whose id starts with PREFIX (repeatable), e.g.
                     heavy.legacy, heavy.buildkit, example, fresh, context, projen
  --registry HOST:PORT
                     the registry of the fresh-machine figure (default $STAGED_BUILD_REGISTRY, else 127.0.0.1:5000)
  --output FILE      the report (default bench/RESULTS.md)
  -h, --help         this text

Environment: BENCH_LEGACY_DOCKER (default: docker on PATH), BENCH_BUILDKIT_DOCKER (default /usr/bin/docker).
Logs of every command: bench/.work/logs/. Builds of the example hold /tmp/staged-build-e2e.lock.`;

/** Parses the command line; throws an Error with a one-line message (and the fix) on bad input. */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  let runs = DEFAULT_RUNS;
  let resume = false;
  let help = false;
  const only: string[] = [];
  let registry = env.STAGED_BUILD_REGISTRY || '127.0.0.1:5000';
  let output = 'bench/RESULTS.md';
  const value = (i: number, name: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value (see --help)`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    switch (arg) {
      case '--quick': runs = 1; break;
      case '--resume': resume = true; break;
      case '-h': case '--help': help = true; break;
      case '--runs': {
        const v = value(i++, arg);
        if (!/^[1-9][0-9]*$/.test(v)) throw new Error(`--runs ${v}: must be a whole number of at least 1, e.g. --runs 3`);
        runs = Number(v);
        break;
      }
      case '--only': only.push(value(i++, arg)); break;
      case '--registry': {
        const v = value(i++, arg);
        if (!/^[A-Za-z0-9.-]+(:[0-9]+)?$/.test(v)) throw new Error(`--registry ${v}: must be HOST[:PORT], e.g. 127.0.0.1:5000`);
        registry = v;
        break;
      }
      case '--output': output = value(i++, arg); break;
      default: throw new Error(`unknown option ${arg} (see --help)`);
    }
  }
  return { runs, resume, only, registry, output, help };
}

/** Whether the figure with this id is selected by --only. */
export function selected(options: BenchOptions, id: string): boolean {
  return options.only.length === 0 || options.only.some((prefix) => id.startsWith(prefix));
}
