// Kubernetes access for amu's hybrid path (secrets, pods, exec, port-forward) over @kubernetes/client-node.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CoreV1Api,
  KubeConfig,
  Observable,
  type ConfigurationOptions,
  type ObservableMiddleware,
  type RequestContext,
  type ResponseContext,
  type V1Pod,
  type V1Status,
} from '@kubernetes/client-node';
// WebSocketHandler is not re-exported by the package index (client-node 1.4 has no "exports" map, so the deep path resolves).
import { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';
import WebSocket from 'ws';
import { ExternalError, ForbiddenError, InputError, InterruptedError, UsageError } from '../cli/errors.js';
import { inClusterConfig, serviceAccountDir } from './kube/inCluster.js';

// ---------------------------------------------------------------------------------------------
// Public API

export interface KubeOptions {
  /** Path of a kubeconfig file; default: KUBECONFIG, ~/.kube/config, or the in-cluster service account. */
  kubeconfig?: string;
  /** Context to use instead of the kubeconfig's current context. */
  context?: string;
  /** Timeout of each REST request and WebSocket handshake (default 30 s). */
  requestTimeoutMs?: number;
  /** Poll interval while waiting for a pod to be gone (default 500 ms). */
  pollIntervalMs?: number;
  /** The environment the in-cluster variables and HOME are read from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Told which configuration was loaded (kubeconfig file or in-cluster service account) and the API server. */
  onConfig?: (text: string) => void;
}

export interface ContainerState {
  reason?: string;
  message?: string;
  exitCode?: number;
}

export interface ContainerInfo {
  name: string;
  image: string;
  ready: boolean;
  restartCount: number;
  waiting?: ContainerState;
  terminated?: ContainerState;
  lastTerminated?: ContainerState;
}

export interface PodCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface PodInfo {
  name: string;
  namespace: string;
  /** Pending, Running, Succeeded, Failed or Unknown. */
  phase: string;
  /** The Ready condition is True. */
  ready: boolean;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  creationTimestamp?: Date;
  /** Set while the pod is terminating. */
  deletionTimestamp?: Date;
  /** Images of the spec's containers, in order. */
  images: string[];
  /** Container statuses (empty before the pod is scheduled). */
  containers: ContainerInfo[];
  conditions: PodCondition[];
}

export interface TerminalSize {
  cols: number;
  rows: number;
}

export interface ExecStreams {
  stdin?: Readable | Buffer | string;
  stdout: Writable;
  stderr: Writable;
  tty?: boolean;
  /** Terminal size changes: an EventEmitter emitting 'resize' with a TerminalSize, or an async iterable of them. */
  resize?: EventEmitter | AsyncIterable<TerminalSize>;
  /** Aborting closes the connection (the command in the pod is left to end) and fails with InterruptedError. */
  signal?: AbortSignal;
}

export interface PortForwardOptions {
  /** Told about failures of single forwarded connections (the listener keeps running). */
  onError?: (err: ExternalError) => void;
}

export interface PortForwardHandle {
  localPort: number;
  close(): Promise<void>;
}

export interface KubeAdapter {
  /** The secret's data, decoded; undefined when the secret does not exist. */
  readSecret(ns: string, name: string): Promise<Record<string, Buffer> | undefined>;
  listSecretNames(ns: string): Promise<string[]>;
  /** undefined when the pod does not exist. */
  readPod(ns: string, name: string): Promise<PodInfo | undefined>;
  createPod(ns: string, manifest: object): Promise<void>;
  /** Deletes the pod and waits until it is gone (default wait 60 s); a missing pod is fine. */
  deletePod(ns: string, name: string, opts?: { waitMs?: number }): Promise<void>;
  /**
   * Runs `command` in the pod. stdout/stderr are streamed (never buffered whole) and are not ended.
   * stdin end is sent as a v5 close-stream frame; a server that only speaks v4.channel.k8s.io has no
   * way to signal end of input, so commands reading stdin there must stop on their own (see cqlshCommand).
   */
  exec(ns: string, pod: string, container: string | undefined, command: string[], io: ExecStreams): Promise<{ exitCode: number }>;
  /** Forwards a local TCP listener on 127.0.0.1 (random port) to the pod's port. */
  portForward(ns: string, pod: string, port: number, opts?: PortForwardOptions): Promise<PortForwardHandle>;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_POLL_INTERVAL_MS = 500;
const DEFAULT_DELETE_WAIT_MS = 60_000;
const STDIN_CHUNK = 256 * 1024;
const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, status: 3, resize: 4, close: 255 } as const;

/** Loads the kubeconfig (explicit file, KUBECONFIG, ~/.kube/config, in-cluster) and selects the context. */
export function loadKube(opts: KubeOptions = {}): KubeAdapter {
  const { kc, source, path: configPath } = readKubeConfig(opts.kubeconfig, opts.env ?? process.env);
  if (opts.context) selectContext(kc, opts.context, opts.kubeconfig);
  if (!kc.getCurrentCluster()) {
    throw new UsageError('no Kubernetes cluster configured: the kubeconfig has no current context', [
      'pass --kubeconfig FILE and/or --context NAME',
    ]);
  }
  opts.onConfig?.(source ?? `kubeconfig ${configPath}, context ${kc.getCurrentContext()}, API server ${kc.getCurrentCluster()?.server}`);
  return new ClientNodeKube(kc, opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS, opts.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);
}

/**
 * The kubeconfig as kubectl finds it: --kubeconfig, KUBECONFIG, ~/.kube/config, else the in-cluster service account.
 * `source` describes the in-cluster configuration; `path` names the kubeconfig file(s) otherwise.
 */
function readKubeConfig(file: string | undefined, env: NodeJS.ProcessEnv): { kc: KubeConfig; source?: string; path?: string } {
  const kc = new KubeConfig();
  if (file !== undefined && !fs.existsSync(file)) throw new UsageError(`kubeconfig ${file} not found`);
  const homeConfig = path.join(env.HOME || os.homedir(), '.kube', 'config');
  if (file === undefined && !env.KUBECONFIG && !fs.existsSync(homeConfig)) {
    const inCluster = inClusterConfig(env);
    if (inCluster) return { kc: inCluster.kc, source: inCluster.description };
    throw noConfiguration(env);
  }
  try {
    if (file !== undefined) kc.loadFromFile(file);
    else kc.loadFromDefault();
  } catch (err) {
    throw new InputError(`cannot read kubeconfig ${file ?? '(default)'}: ${errorText(err)}`);
  }
  if (file === undefined && isBuiltInFallback(kc)) throw noConfiguration(env);
  return { kc, path: file ?? env.KUBECONFIG ?? homeConfig };
}

function noConfiguration(env: NodeJS.ProcessEnv): UsageError {
  const inPod = env.KUBERNETES_SERVICE_HOST ? `KUBERNETES_SERVICE_HOST is set but ${serviceAccountDir(env)}/token is missing` : 'not running in a cluster';
  return new UsageError(`no Kubernetes configuration found: no KUBECONFIG, no ~/.kube/config, ${inPod}`, [
    'pass --kubeconfig FILE, set KUBECONFIG, or fetch cluster credentials (e.g. gcloud container clusters get-credentials)',
  ]);
}

/** loadFromDefault() falls back to an unauthenticated http://localhost:8080 when it finds nothing at all. */
function isBuiltInFallback(kc: KubeConfig): boolean {
  return kc.getCurrentContext() === 'loaded-context' && kc.getCurrentCluster()?.server === 'http://localhost:8080';
}

function selectContext(kc: KubeConfig, context: string, file: string | undefined): void {
  if (kc.getContextObject(context)) {
    kc.setCurrentContext(context);
    return;
  }
  const names = kc.getContexts().map((c) => c.name);
  throw new UsageError(`unknown Kubernetes context "${context}"`, [
    names.length ? `contexts in ${file ?? 'the kubeconfig'}: ${names.join(', ')}` : `${file ?? 'the kubeconfig'} defines no contexts`,
  ]);
}

// ---------------------------------------------------------------------------------------------
// Errors

interface HttpFailure {
  code: number;
  body: unknown;
}

/** An upgrade (exec/port-forward) the API server answered with an HTTP error instead of 101. */
class UpgradeRejected extends Error {
  constructor(
    readonly code: number,
    readonly body: string,
  ) {
    super(`HTTP ${code}`);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function asHttpFailure(err: unknown): HttpFailure | undefined {
  if (err instanceof UpgradeRejected) return err;
  const e = err as { code?: unknown; body?: unknown } | null;
  return e && typeof e.code === 'number' && 'body' in e ? { code: e.code, body: e.body } : undefined;
}

/** The `message` and `reason` of a Kubernetes Status body (string or object). */
function statusOf(body: unknown): { message?: string; reason?: string } {
  let obj = body;
  if (typeof body === 'string') {
    try {
      obj = JSON.parse(body);
    } catch {
      return body.trim() ? { message: body.trim().slice(0, 500) } : {};
    }
  }
  const s = obj as { message?: unknown; reason?: unknown } | undefined;
  return {
    message: typeof s?.message === 'string' ? s.message : undefined,
    reason: typeof s?.reason === 'string' ? s.reason : undefined,
  };
}

const HTTP_HINTS: Record<number, string> = {
  401: 'the credentials in the kubeconfig were rejected (expired token? refresh them, e.g. with your cloud CLI get-credentials)',
  403: 'the Kubernetes user lacks RBAC permission for this (see the message above)',
};

function httpError(f: HttpFailure, action: string): ExternalError {
  const status = statusOf(f.body);
  const reason = status.reason ?? (f.code === 401 ? 'Unauthorized' : '');
  const text = [`HTTP ${f.code}`, reason, status.message && status.message !== reason ? status.message : ''].filter(Boolean).join(' ');
  const hint = HTTP_HINTS[f.code];
  const ErrorClass = f.code === 403 ? ForbiddenError : ExternalError;
  return new ErrorClass(`Kubernetes API: cannot ${action}: ${text}`, hint ? [hint] : []);
}

/** Network-level failures: ECONNREFUSED, DNS, TLS, timeouts. Messages carry URLs, never headers. */
function transportError(err: unknown, action: string, server: string, timeoutMs: number): ExternalError {
  const inner = (err as { error?: unknown })?.error ?? err; // ws ErrorEvent wraps the Error
  const e = inner as { name?: string; code?: string; type?: string; message?: string };
  if (e?.name === 'AbortError' || e?.type === 'aborted' || /timed out|timeout/i.test(e?.message ?? '')) {
    return new ExternalError(`Kubernetes API at ${server}: cannot ${action}: no answer within ${timeoutMs} ms`);
  }
  const code = e?.code ?? (e as { errno?: string })?.errno;
  const detail = code ? `${code} (${e?.message ?? ''})` : (e?.message ?? String(inner));
  return new ExternalError(`cannot reach the Kubernetes API at ${server} to ${action}: ${detail}`, [], { cause: inner });
}

// ---------------------------------------------------------------------------------------------
// Pod status mapping

function containerState(s: { reason?: string; message?: string; exitCode?: number } | undefined): ContainerState | undefined {
  if (!s) return undefined;
  const out: ContainerState = {};
  if (s.reason !== undefined) out.reason = s.reason;
  if (s.message !== undefined) out.message = s.message;
  if (s.exitCode !== undefined) out.exitCode = s.exitCode;
  return out;
}

function toPodInfo(ns: string, pod: V1Pod): PodInfo {
  const conditions = (pod.status?.conditions ?? []).map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message }));
  return {
    name: pod.metadata?.name ?? '',
    namespace: pod.metadata?.namespace ?? ns,
    phase: pod.status?.phase ?? 'Unknown',
    ready: conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
    labels: { ...(pod.metadata?.labels ?? {}) },
    annotations: { ...(pod.metadata?.annotations ?? {}) },
    creationTimestamp: pod.metadata?.creationTimestamp,
    deletionTimestamp: pod.metadata?.deletionTimestamp,
    images: (pod.spec?.containers ?? []).map((c) => c.image ?? ''),
    containers: (pod.status?.containerStatuses ?? []).map((c) => ({
      name: c.name,
      image: c.image,
      ready: c.ready,
      restartCount: c.restartCount,
      waiting: containerState(c.state?.waiting),
      terminated: containerState(c.state?.terminated),
      lastTerminated: containerState(c.lastState?.terminated),
    })),
    conditions,
  };
}

// ---------------------------------------------------------------------------------------------
// WebSocket helpers

function frame(channel: number, data: Buffer): Buffer {
  return Buffer.concat([Buffer.of(channel), data]);
}

/** Sends one frame; resolves once it is handed to the socket (false when the socket is no longer open). */
function sendFrame(ws: WebSocket, channel: number, data: Buffer): Promise<boolean> {
  if (ws.readyState !== WebSocket.OPEN) return Promise.resolve(false);
  return new Promise((resolve) => ws.send(frame(channel, data), (err) => resolve(!err)));
}

/** A socket factory for WebSocketHandler that keeps the API server's answer when it refuses the upgrade. */
function socketFactory(timeoutMs: number) {
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
function inertStreams(): { stdin: PassThrough; stdout: PassThrough; stderr: PassThrough } {
  return { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() };
}

/** Pauses the socket while any sink is over its highWaterMark, resumes when all have drained. */
class Backpressure {
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

function exitCodeOf(status: V1Status, target: string): number {
  if (status.status === 'Success') return 0;
  if (status.reason === 'NonZeroExitCode') {
    const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
    const code = Number(cause?.message);
    if (Number.isInteger(code)) return code;
  }
  throw new ExternalError(`command in pod ${target} failed: ${status.message ?? status.reason ?? JSON.stringify(status)}`);
}

/** The frames of one exec session: output to the sinks, the status from channel 3. */
class ExecSession {
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

function parseStatusFrame(data: Buffer): V1Status {
  try {
    return JSON.parse(data.toString('utf8')) as V1Status;
  } catch {
    return { status: 'Failure', message: `unreadable exec status: ${data.toString('utf8').slice(0, 200)}` };
  }
}

async function* stdinChunks(stdin: Readable | Buffer | string): AsyncGenerator<Buffer> {
  if (typeof stdin === 'string' || Buffer.isBuffer(stdin)) {
    const buf = Buffer.from(stdin);
    for (let i = 0; i < buf.length; i += STDIN_CHUNK) yield buf.subarray(i, i + STDIN_CHUNK);
    return;
  }
  for await (const chunk of stdin) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
}

/** Sends stdin on channel 0 (one frame at a time: backpressure), then end of input where the protocol has it. */
async function pumpStdin(ws: WebSocket, stdin: Readable | Buffer | string): Promise<void> {
  for await (const chunk of stdinChunks(stdin)) {
    if (!(await sendFrame(ws, CHANNEL.stdin, chunk))) return;
  }
  if (WebSocketHandler.supportsClose(ws.protocol)) await sendFrame(ws, CHANNEL.close, Buffer.of(CHANNEL.stdin));
}

function isAsyncIterable(x: unknown): x is AsyncIterable<TerminalSize> {
  return typeof (x as { [Symbol.asyncIterator]?: unknown })?.[Symbol.asyncIterator] === 'function';
}

function sendResize(ws: WebSocket, size: TerminalSize): void {
  void sendFrame(ws, CHANNEL.resize, Buffer.from(JSON.stringify({ Width: size.cols, Height: size.rows })));
}

/** Forwards terminal size changes on channel 4; returns the function that stops it. */
function forwardResizes(ws: WebSocket, resize: ExecStreams['resize']): () => void {
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

function execPath(ns: string, pod: string, container: string | undefined, command: string[], io: ExecStreams): string {
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
class PortTunnel {
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

// ---------------------------------------------------------------------------------------------
// The adapter

class ClientNodeKube implements KubeAdapter {
  private readonly api: CoreV1Api;
  private readonly server: string;

  constructor(
    private readonly kc: KubeConfig,
    private readonly timeoutMs: number,
    private readonly pollMs: number,
  ) {
    this.api = kc.makeApiClient(CoreV1Api);
    this.server = kc.getCurrentCluster()?.server ?? '(unknown server)';
  }

  /** Per-request options: an abort signal so no request waits forever. */
  private options(): ConfigurationOptions<ObservableMiddleware> {
    const timeoutMs = this.timeoutMs;
    const middleware: ObservableMiddleware = {
      pre: (ctx: RequestContext) => {
        ctx.setSignal(AbortSignal.timeout(timeoutMs));
        return new Observable(Promise.resolve(ctx));
      },
      post: (ctx: ResponseContext) => new Observable(Promise.resolve(ctx)),
    };
    return { middleware: [middleware], middlewareMergeStrategy: 'append' };
  }

  private fail(err: unknown, action: string): ExternalError {
    const http = asHttpFailure(err);
    return http ? httpError(http, action) : transportError(err, action, this.server, this.timeoutMs);
  }

  /** Runs an API call; 404 becomes undefined when `missingOk`. */
  private async call<T>(action: string, run: () => Promise<T>, missingOk: true): Promise<T | undefined>;
  private async call<T>(action: string, run: () => Promise<T>, missingOk?: false): Promise<T>;
  private async call<T>(action: string, run: () => Promise<T>, missingOk = false): Promise<T | undefined> {
    try {
      return await run();
    } catch (err) {
      if (missingOk && asHttpFailure(err)?.code === 404) return undefined;
      throw this.fail(err, action);
    }
  }

  async readSecret(ns: string, name: string): Promise<Record<string, Buffer> | undefined> {
    const secret = await this.call(`read secret ${ns}/${name}`, () => this.api.readNamespacedSecret({ name, namespace: ns }, this.options()), true);
    if (!secret) return undefined;
    return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
  }

  async listSecretNames(ns: string): Promise<string[]> {
    const list = await this.call(`list secrets in namespace ${ns}`, () => this.api.listNamespacedSecret({ namespace: ns }, this.options()));
    return list.items.map((s) => s.metadata?.name ?? '').filter(Boolean);
  }

  async readPod(ns: string, name: string): Promise<PodInfo | undefined> {
    const pod = await this.call(`read pod ${ns}/${name}`, () => this.api.readNamespacedPod({ name, namespace: ns }, this.options()), true);
    return pod ? toPodInfo(ns, pod) : undefined;
  }

  async createPod(ns: string, manifest: object): Promise<void> {
    const name = (manifest as V1Pod).metadata?.name ?? '(unnamed)';
    await this.call(`create pod ${ns}/${name}`, () => this.api.createNamespacedPod({ namespace: ns, body: manifest as V1Pod }, this.options()));
  }

  async deletePod(ns: string, name: string, opts: { waitMs?: number } = {}): Promise<void> {
    const deleted = await this.call(`delete pod ${ns}/${name}`, () => this.api.deleteNamespacedPod({ name, namespace: ns }, this.options()), true);
    if (!deleted) return;
    const waitMs = opts.waitMs ?? DEFAULT_DELETE_WAIT_MS;
    const deadline = Date.now() + waitMs;
    while (await this.readPod(ns, name)) {
      if (Date.now() >= deadline) throw new ExternalError(`pod ${ns}/${name} is still terminating ${Math.round(waitMs / 1000)} s after it was deleted`);
      await sleep(this.pollMs);
    }
  }

  /** Opens a channel WebSocket (exec or port-forward) through client-node's WebSocketHandler. */
  private async openChannel(path: string, action: string, onFrame: (channel: number, data: Buffer) => boolean): Promise<WebSocket> {
    const handler = new WebSocketHandler(this.kc, socketFactory(this.timeoutMs), inertStreams());
    try {
      return (await handler.connect(path, null, onFrame)) as WebSocket;
    } catch (err) {
      const inner = (err as { error?: unknown })?.error ?? err;
      throw this.fail(inner, action);
    }
  }

  async exec(ns: string, pod: string, container: string | undefined, command: string[], io: ExecStreams): Promise<{ exitCode: number }> {
    const target = `${ns}/${pod}${container ? ` (container ${container})` : ''}`;
    const session = new ExecSession(io);
    const ws = await this.openChannel(execPath(ns, pod, container, command, io), `exec in pod ${target}`, session.onFrame);
    session.pressure.attach(ws);
    const closed = new Promise<{ code: number; reason: string }>((resolve) => {
      if (ws.readyState === WebSocket.CLOSED) resolve({ code: 1006, reason: '' });
      else ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    const stopResize = forwardResizes(ws, io.resize);
    let interrupted: InterruptedError | undefined;
    const onAbort = () => {
      interrupted = new InterruptedError(`exec in pod ${target} interrupted`);
      ws.terminate();
    };
    if (io.signal?.aborted) onAbort();
    else io.signal?.addEventListener('abort', onAbort, { once: true });
    if (io.stdin !== undefined) {
      pumpStdin(ws, io.stdin).catch((err: unknown) => {
        session.abortError = err instanceof Error ? err : new Error(String(err));
        ws.terminate();
      });
    }
    const { code, reason } = await closed;
    stopResize();
    io.signal?.removeEventListener('abort', onAbort);
    if (interrupted) throw interrupted;
    if (session.abortError) throw new ExternalError(`exec in pod ${target}: reading stdin failed: ${session.abortError.message}`);
    if (!session.status) {
      throw new ExternalError(`exec in pod ${target}: the connection closed before the command's exit status arrived (WebSocket close ${code}${reason ? ` ${reason}` : ''})`);
    }
    return { exitCode: exitCodeOf(session.status, target) };
  }

  async portForward(ns: string, pod: string, port: number, opts: PortForwardOptions = {}): Promise<PortForwardHandle> {
    const info = await this.readPod(ns, pod);
    if (!info) throw new ExternalError(`cannot port-forward to pod ${ns}/${pod}: it does not exist`);
    if (info.phase !== 'Running') throw new ExternalError(`cannot port-forward to pod ${ns}/${pod}: it is ${info.phase}, not Running`);
    const path = `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(pod)}/portforward?ports=${port}`;
    const describe = `pod ${ns}/${pod} port ${port}`;
    const tunnels = new Set<PortTunnel>();
    const connecting = new Set<Promise<void>>();
    const server = net.createServer({ pauseOnConnect: true }, (socket) => {
      const tunnel = new PortTunnel(socket, describe, opts.onError);
      tunnels.add(tunnel);
      socket.once('close', () => tunnels.delete(tunnel));
      const opening = this.openChannel(path, `port-forward to ${describe}`, tunnel.onFrame).then(
        (ws) => tunnel.start(ws),
        (err: ExternalError) => {
          socket.destroy();
          opts.onError?.(err);
        },
      );
      connecting.add(opening);
      void opening.finally(() => connecting.delete(opening));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return {
      localPort: (server.address() as net.AddressInfo).port,
      close: async () => {
        const closing = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const t of tunnels) t.abort();
        await Promise.allSettled([...connecting]);
        await closing;
      },
    };
  }
}
