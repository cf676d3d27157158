import { spawn } from 'child_process';
import { appendFileSync } from 'fs';

/** What a finished command left: its wall time and its output (stdout and stderr, interleaved). */
export interface Finished {
  readonly seconds: number;
  readonly output: string;
  readonly status: number;
}

export interface CommandOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** The log file the command's output is appended to (with a header naming the command). */
  readonly log: string;
  /** Resolve with the exit status instead of throwing on a non-zero one. */
  readonly allowFailure?: boolean;
  /** Bytes written to the command's stdin. */
  readonly input?: string;
}

/** Runs a command to its end, timing it from spawn to exit; throws (naming the log) when it fails. */
export function runCommand(command: string, args: readonly string[], options: CommandOptions): Promise<Finished> {
  appendFileSync(options.log, `\n$ ${[command, ...args].join(' ')}  (in ${options.cwd ?? process.cwd()})\n`);
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, [...args], { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    const keep = (chunk: Buffer) => {
      chunks.push(chunk);
      appendFileSync(options.log, chunk);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    // A command that exits without reading its input must not crash the benchmark (EPIPE).
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
    child.on('error', (error) => reject(new Error(`${command}: ${error.message}; is it installed and on PATH?`)));
    child.on('close', (code, signal) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = code ?? 128;
      const output = Buffer.concat(chunks).toString('utf8');
      if (status !== 0 && !options.allowFailure) {
        const tail = output.trim().split('\n').slice(-3).join(' / ');
        reject(new Error(`${[command, ...args].join(' ')} failed (${signal ?? `exit ${status}`}): ${tail}; full output in ${options.log}`));
        return;
      }
      resolve({ seconds, output, status });
    });
  });
}

/**
 * Holds an flock(1) lock until release() is called: `flock LOCK sh -c 'echo held; read _'` keeps it
 * while its stdin is open. Resolves once the lock is held.
 */
export function holdLock(lockFile: string): Promise<() => Promise<void>> {
  return new Promise((resolve, reject) => {
    const child = spawn('flock', [lockFile, 'sh', '-c', 'echo held; read _'], { stdio: ['pipe', 'pipe', 'inherit'] });
    child.on('error', (error) => reject(new Error(`flock: ${error.message}; install util-linux`)));
    child.stdout.once('data', () => {
      resolve(() => new Promise((done) => {
        child.once('close', () => done());
        child.stdin.end();
      }));
    });
  });
}
