// Runs an outside program with stdin text, its stdout streamed to a sink and the tail of its stderr kept for messages.
import { execa } from 'execa';
import { constants as fsConstants, promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { childEnv } from '../cli/childEnv.js';

export interface ProcessRun {
  file: string;
  args: string[];
  /** Fed on stdin; never put secrets in `args`. */
  stdin: string;
  stdout: Writable;
  signal?: AbortSignal | undefined;
  /** The environment to start from (default this process's); amu's secret variables are always removed (childEnv). */
  env?: NodeJS.ProcessEnv | undefined;
}

export interface ProcessOutcome {
  exitCode: number | undefined;
  signal: string | undefined;
  /** The last 8 KB of stderr. */
  stderrTail: string;
  /** True when the program could not be started at all. */
  failedToStart: boolean;
  startError?: string;
}

const STDERR_TAIL = 8192;

export async function runStreaming(run: ProcessRun): Promise<ProcessOutcome> {
  let stderrTail = '';
  const child = execa(run.file, run.args, {
    input: run.stdin,
    stdout: ['pipe'],
    stderr: ['pipe'],
    reject: false,
    buffer: false,
    stripFinalNewline: false,
    ...(run.signal ? { cancelSignal: run.signal } : {}),
    env: childEnv(run.env ?? process.env),
    extendEnv: false,
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL);
  });
  child.stdout?.pipe(run.stdout, { end: false });
  const result = await child;
  await new Promise<void>((resolve) => (child.stdout?.readableEnded ? resolve() : child.stdout?.once('end', () => resolve()) ?? resolve()));
  const failedToStart = result.exitCode === undefined && !result.signal && Boolean(result.failed);
  return {
    exitCode: result.exitCode,
    signal: result.signal,
    stderrTail,
    failedToStart,
    ...(failedToStart ? { startError: result.shortMessage } : {}),
  };
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await fsp.access(file, fsConstants.X_OK);
    return (await fsp.stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Finds `name` on PATH, as a shell would; undefined when absent. */
export async function findOnPath(name: string, envPath = process.env.PATH ?? ''): Promise<string | undefined> {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export { isExecutable };
