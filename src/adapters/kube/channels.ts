// The exec and port-forward channels of the Kubernetes API: WebSocket frames, backpressure, exec sessions, port tunnels.
import net from 'node:net';
import { EventEmitter } from 'node:events';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import type { V1Status } from '@kubernetes/client-node';
// WebSocketHandler is not re-exported by the package index (client-node 1.4 has no "exports" map, so the deep path resolves).
import { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';
import WebSocket from 'ws';
import { ExternalError } from '../../errors.js';
import type { ExecStreams, TerminalSize } from './index.js';

const STDIN_CHUNK = 256 * 1024;
const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, status: 3, resize: 4, close: 255 } as const;

/** An upgrade (exec/port-forward) the API server answered with an HTTP error instead of 101. */
export class UpgradeRejected extends Error {
  constructor(
    readonly code: number,
    readonly body: string,
  ) {
    super(`HTTP ${code}`);
  }
}

// ---------------------------------------------------------------------------------------------
// WebSocket helpers

export function frame(channel: number, data: Buffer): Buffer {
  return Buffer.concat([Buffer.of(channel), data]);
}

/** Sends one frame; resolves once it is handed to the socket (false when the socket is no longer open). */
export function sendFrame(ws: WebSocket, channel: number, data: Buffer): Promise<boolean> {
  if (ws.readyState !== WebSocket.OPEN) return Promise.resolve(false);
  return new Promise((resolve) => ws.send(frame(channel, data), (err) => resolve(!err)));
}

/** A socket factory for WebSocketHandler that keeps the API server's answer when it refuses the upgrade. */
export function socketFactory(timeoutMs: number) {
  return (uri: string, protocols: string[], opts: WebSocket.ClientOptions): WebSocket => {
    const ws = new WebSocket(uri, protocols, { ...opts, handshakeTimeout: timeoutMs });
    ws.on('unexpected-response', (req, res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        ws.emit('error', new UpgradeRejected(res.statusCode ?? 0, Buffer.concat(parts).toString('utf8')));
        req.destroy();
      });
    });
    return ws;
  };
}

/** Streams WebSocketHandler would end on a close-stream frame: never the caller's. */
export function inertStreams(): { stdin: PassThrough; stdout: PassThrough; stderr: PassThrough } {
  return { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() };
}

/** Pauses the socket while any sink is over its highWaterMark, resumes when all have drained. */
export class Backpressure {
  private ws: WebSocket | undefined;
  private readonly waiting = new Set<Writable>();

  attach(ws: WebSocket): void {
    this.ws = ws;
    if (this.waiting.size > 0) ws.pause();
  }

  write(sink: Writable, data: Buffer): void {
    if (data.length === 0 || sink.writableEnded || sink.destroyed) return;
    if (sink.write(data) || this.waiting.has(sink)) return;
    this.waiting.add(sink);
    if (this.waiting.size === 1) this.ws?.pause();
    sink.once('drain', () => {
      this.waiting.delete(sink);
      if (this.waiting.size === 0) this.ws?.resume();
    });
  }
}

export function exitCodeOf(status: V1Status, target: string): number {
  if (status.status === 'Success') return 0;
  if (status.reason === 'NonZeroExitCode') {
    const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
    const code = Number(cause?.message);
    if (Number.isInteger(code)) return code;
  }
  throw new ExternalError(`command in pod ${target} failed: ${status.message ?? status.reason ?? JSON.stringify(status)}`);
}

/** The frames of one exec session: output to the sinks, the status from channel 3. */
export class ExecSession {
  status: V1Status | undefined;
  abortError: Error | undefined;
  readonly pressure = new Backpressure();

  constructor(private readonly io: ExecStreams) {}

  onFrame = (channel: number, data: Buffer): boolean => {
    if (channel === CHANNEL.stdout) this.pressure.write(this.io.stdout, data);
    else if (channel === CHANNEL.stderr) this.pressure.write(this.io.stderr, data);
    else if (channel === CHANNEL.status) {
      this.status = parseStatusFrame(data);
      return false; // WebSocketHandler closes the socket
    }
    return true;
  };
}

export function parseStatusFrame(data: Buffer): V1Status {
  try {
    return JSON.parse(data.toString('utf8')) as V1Status;
  } catch {
    return { status: 'Failure', message: `unreadable exec status: ${data.toString('utf8').slice(0, 200)}` };
  }
}

export async function* stdinChunks(stdin: Readable | Buffer | string): AsyncGenerator<Buffer> {
  if (typeof stdin === 'string' || Buffer.isBuffer(stdin)) {
    const buf = Buffer.from(stdin);
    for (let i = 0; i < buf.length; i += STDIN_CHUNK) yield buf.subarray(i, i + STDIN_CHUNK);
    return;
  }
  for await (const chunk of stdin) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
}

/** Sends stdin on channel 0 (one frame at a time: backpressure), then end of input where the protocol has it. */
export async function pumpStdin(ws: WebSocket, stdin: Readable | Buffer | string): Promise<void> {
  for await (const chunk of stdinChunks(stdin)) {
    if (!(await sendFrame(ws, CHANNEL.stdin, chunk))) return;
  }
  if (WebSocketHandler.supportsClose(ws.protocol)) await sendFrame(ws, CHANNEL.close, Buffer.of(CHANNEL.stdin));
}

export function isAsyncIterable(x: unknown): x is AsyncIterable<TerminalSize> {
  return typeof (x as { [Symbol.asyncIterator]?: unknown })?.[Symbol.asyncIterator] === 'function';
}

export function sendResize(ws: WebSocket, size: TerminalSize): void {
  void sendFrame(ws, CHANNEL.resize, Buffer.from(JSON.stringify({ Width: size.cols, Height: size.rows })));
}

/** Forwards terminal size changes on channel 4; returns the function that stops it. */
export function forwardResizes(ws: WebSocket, resize: ExecStreams['resize']): () => void {
  if (!resize) return () => undefined;
  if (resize instanceof EventEmitter && !isAsyncIterable(resize)) {
    const listener = (size: TerminalSize) => sendResize(ws, size);
    resize.on('resize', listener);
    return () => resize.off('resize', listener);
  }
  let stopped = false;
  void (async () => {
    for await (const size of resize as AsyncIterable<TerminalSize>) {
      if (stopped || ws.readyState !== WebSocket.OPEN) break;
      sendResize(ws, size);
    }
  })().catch(() => undefined);
  return () => {
    stopped = true;
  };
}

export function execPath(ns: string, pod: string, container: string | undefined, command: string[], io: ExecStreams): string {
  const q = new URLSearchParams();
  for (const arg of command) q.append('command', arg);
  if (container) q.set('container', container);
  q.set('stdin', String(io.stdin !== undefined));
  q.set('stdout', 'true');
  q.set('stderr', String(!io.tty));
  q.set('tty', String(Boolean(io.tty)));
  return `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(pod)}/exec?${q.toString()}`;
}

/** One local TCP connection tunnelled through its own port-forward WebSocket (as kubectl does). */
export class PortTunnel {
  private ws: WebSocket | undefined;
  private readonly prefixSeen = new Set<number>();
  private readonly errorText: Buffer[] = [];
  private readonly pressure = new Backpressure();

  constructor(
    private readonly socket: net.Socket,
    private readonly describe: string,
    private readonly onError: ((err: ExternalError) => void) | undefined,
  ) {}

  onFrame = (channel: number, raw: Buffer): boolean => {
    let data = raw;
    if (!this.prefixSeen.has(channel)) {
      this.prefixSeen.add(channel); // every channel starts with the 2-byte port number
      data = data.subarray(2);
    }
    if (channel === 0) this.pressure.write(this.socket, data);
    else if (channel === 1) this.errorText.push(data);
    return true;
  };

  start(ws: WebSocket): void {
    this.ws = ws;
    if (this.socket.destroyed) {
      ws.terminate();
      return;
    }
    this.pressure.attach(ws);
    this.socket.on('data', (chunk: Buffer) => {
      this.socket.pause();
      // When the socket is closing its close handler ends the local connection, after reporting any error.
      void sendFrame(ws, 0, chunk).then((ok) => ok && this.socket.resume());
    });
    this.socket.on('close', () => ws.close());
    this.socket.on('error', () => ws.close());
    ws.on('close', () => this.finish());
    this.socket.resume();
  }

  private finish(): void {
    const message = Buffer.concat(this.errorText).toString('utf8').trim();
    if (!message) {
      this.socket.end();
      return;
    }
    this.socket.destroy();
    this.onError?.(new ExternalError(`port-forward to ${this.describe} failed: ${message}`));
  }

  abort(): void {
    this.ws?.terminate();
    this.socket.destroy();
  }
}
