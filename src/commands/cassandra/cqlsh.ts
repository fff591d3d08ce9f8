// `amu cassandra cqlsh`: an interactive cqlsh session in amu's client pod (raw terminal, resizes forwarded, cqlsh's exit code returned).
import { on } from 'node:events';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import type { TerminalSize } from '../../adapters/kube/index.js';
import type { CommandHandler } from '../../cli/command.js';
import type { RunContext } from '../../cli/context.js';
import { AmuError, type ExitCodeValue } from '../../errors.js';
import { openClusterPod, type PodValues } from '../options/hybridCluster.js';

interface CqlshValues extends PodValues {
  org?: string;
}

/** The terminal side of stdin, when it is one (tty.ReadStream). */
interface TerminalInput extends Readable {
  isTTY?: boolean;
  isRaw?: boolean;
  setRawMode?(mode: boolean): unknown;
}

/** The terminal side of stdout, when it is one (tty.WriteStream). */
interface TerminalOutput extends Writable {
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

/** cqlsh ended with a non-zero code: amu ends with the same code (cqlsh has said why). */
export class CqlshExitError extends AmuError {
  readonly exitCode: ExitCodeValue;
  constructor(code: number) {
    super(`cqlsh exited with code ${code}`);
    // amu passes the child's code through, whatever it is: it is not one of amu's own codes.
    this.exitCode = code as ExitCodeValue;
  }
}

/** True when both ends are a terminal: then the session gets a tty and stdin goes raw. */
function isTerminal(stdin: TerminalInput, stdout: TerminalOutput): boolean {
  return stdin.isTTY === true && stdout.isTTY === true && typeof stdin.setRawMode === 'function';
}

/** Puts the terminal in raw mode; returns the function that restores the mode it had. */
function enterRawMode(stdin: TerminalInput): () => void {
  const wasRaw = stdin.isRaw === true;
  stdin.setRawMode!(true);
  return () => {
    stdin.setRawMode!(wasRaw);
  };
}

/** The terminal's size now and after every resize, until `signal` aborts. */
async function* terminalSizes(stdout: TerminalOutput, signal: AbortSignal): AsyncGenerator<TerminalSize> {
  const size = (): TerminalSize => ({ cols: stdout.columns ?? 80, rows: stdout.rows ?? 24 });
  yield size();
  try {
    for await (const _event of on(stdout, 'resize', { signal })) yield size();
  } catch (err) {
    if (!signal.aborted) throw err;
  }
}

/** stdin piped into a stream of its own, so the session can end without ending (or waiting for) amu's stdin. */
function stdinBridge(stdin: Readable): { stream: PassThrough; close: () => void } {
  const stream = new PassThrough();
  stdin.pipe(stream);
  return {
    stream,
    close: () => {
      stdin.unpipe(stream);
      stream.end();
      stdin.pause();
    },
  };
}

/** Runs cqlsh in the pod wired to amu's stdin/stdout/stderr; returns cqlsh's exit code. */
async function runSession(values: CqlshValues, ctx: RunContext): Promise<number> {
  const { cqlshCommand } = await import('../../cluster/clientPod.js');
  const { hybridKeyspace } = await import('../../cluster/keyspaces.js');
  const extraArgs = values.org !== undefined ? ['-k', hybridKeyspace('kvm', values.org)] : [];
  const { kube, pod } = await openClusterPod(values, ctx);
  const stdin = ctx.io.stdin as TerminalInput;
  const stdout = ctx.io.stdout as TerminalOutput;
  const tty = isTerminal(stdin, stdout);
  const stop = new AbortController();
  const bridge = stdinBridge(stdin);
  const restore = tty ? enterRawMode(stdin) : () => undefined;
  try {
    const { exitCode } = await kube.exec(pod.namespace, pod.name, pod.container, cqlshCommand({ extraArgs }), {
      stdin: bridge.stream,
      stdout,
      stderr: ctx.io.stderr,
      tty,
      resize: tty ? terminalSizes(stdout, stop.signal) : undefined,
    });
    return exitCode;
  } finally {
    stop.abort();
    bridge.close();
    restore();
  }
}

export const handler: CommandHandler<CqlshValues> = {
  required: () => ['hybrid-version'],
  run: async (values, ctx) => {
    const exitCode = await runSession(values, ctx);
    if (exitCode !== 0) throw new CqlshExitError(exitCode);
  },
};
