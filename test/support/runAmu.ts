// Runs amu in-process with captured output and a given environment, for integration tests.
import { PassThrough, Readable } from 'node:stream';
import { runCli } from '../../src/cli/main.js';

export interface AmuRun {
  code: number;
  stdout: string;
  stderr: string;
}

function collect(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return () => Buffer.concat(chunks).toString('utf8');
}

/** Runs `amu <args>` in this process; `env` replaces the process environment entirely (PATH is kept unless given). */
export async function runAmu(args: string[], env: NodeJS.ProcessEnv = {}, cwd = process.cwd(), signal?: AbortSignal): Promise<AmuRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = collect(stdout);
  const err = collect(stderr);
  const code = await runCli(args, {
    stdin: Readable.from([]),
    stdout,
    stderr,
    env: { PATH: process.env.PATH, ...env },
    cwd,
    isTTY: false,
  }, signal);
  return { code, stdout: out(), stderr: err() };
}
