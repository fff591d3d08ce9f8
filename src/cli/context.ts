// What a command may use: the output module, the environment, and the adapters that tests replace.
import type { Readable, Writable } from 'node:stream';
import type { Output } from './output.js';

/** Process-level input and output, given to the CLI so tests can run it in-process. */
export interface CliIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** True when stderr is a terminal (progress bars are drawn only then). */
  isTTY: boolean;
}

/** Everything a command handler receives besides its own options. */
export interface RunContext {
  io: CliIo;
  out: Output;
  /** Aborted on SIGINT/SIGTERM: long steps stop and clean up. */
  signal: AbortSignal;
}
