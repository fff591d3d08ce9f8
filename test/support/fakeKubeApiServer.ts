// Fake Kubernetes API server for tests: REST for pods/secrets, discovery for kubectl, WebSocket exec, and port-forward over WebSocket channels or SPDY.
import http, { STATUS_CODES } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, createWebSocketStream } from 'ws';
import { SpdySession, type SpdyPortRequest } from './fakeKubeSpdy.js';
import { discoveryDocument } from './fakeKubeDiscovery.js';

// ---------------------------------------------------------------------------------------------
// Public types

/** What a pod shows in its status at one point of its scripted life. */
export type PodState =
  | 'creating' // Pending, container waiting ContainerCreating
  | 'ready' // Running, container running, Ready
  | 'notReady' // Running, container running, never Ready
  | 'imagePullBackOff'
  | 'errImagePull'
  | 'unschedulable' // Pending, PodScheduled=False reason Unschedulable
  | 'createContainerConfigError'
  | 'crashLoop'
  | 'failed'
  | 'succeeded';

/** One stage of a pod's scripted life; it lasts `gets` GETs of the pod (the last stage lasts forever). */
export interface PodStage {
  state: PodState;
  gets?: number;
  /** Overrides the waiting/condition message the state would show. */
  message?: string;
  /** Exit code for `failed`, `succeeded` and `crashLoop` (last state). */
  exitCode?: number;
}
export type PodScript = PodStage[];

/** Pending (ContainerCreating) for `n` GETs, then Running and Ready. */
export function readyAfterGets(n: number): PodScript {
  return n > 0 ? [{ state: 'creating', gets: n }, { state: 'ready' }] : [{ state: 'ready' }];
}

/** The same state forever. */
export function always(state: PodState, extra: Omit<PodStage, 'state' | 'gets'> = {}): PodScript {
  return [{ state, ...extra }];
}

export interface TerminalSize {
  cols: number;
  rows: number;
}

/** What an exec handler gets: the streams of the exec session. */
export interface ExecIO {
  namespace: string;
  pod: string;
  container: string;
  tty: boolean;
  /** The negotiated subprotocol, e.g. v5.channel.k8s.io. */
  protocol: string;
  /** Chunks the client sends on channel 0; ends on a v5 close-stream frame or when the socket closes. */
  stdin: AsyncIterable<Buffer>;
  /** Reads exactly `n` bytes (fewer only at end of input), or everything until end of input. */
  readStdin(n?: number): Promise<Buffer>;
  /** Sends on channel 1; resolves when the data has been handed to the socket (backpressure). */
  stdout(data: Buffer | string): Promise<void>;
  /** Sends on channel 2 (channel 1 with a tty, as the kubelet does). */
  stderr(data: Buffer | string): Promise<void>;
  /** Emits 'resize' with a TerminalSize for every channel 4 message. */
  resize: EventEmitter;
}

/** Scripted exec behaviour: resolves with the command's exit code; a rejection becomes a Failure status. */
export type ExecHandler = (command: string[], io: ExecIO) => Promise<number>;

export interface PortForwardTarget {
  namespace: string;
  pod: string;
  port: number;
}

/** Scripted port-forward behaviour: `stream` is the data channel; a rejection is sent on the error channel. */
export type PortForwardHandler = (target: PortForwardTarget, stream: Duplex) => void | Promise<void>;

/** Echoes every byte back. */
export function echoPortForward(): PortForwardHandler {
  return (_target, stream) => {
    stream.pipe(stream);
  };
}

/** Connects the data channel to a TCP server (as the kubelet connects to the pod's port). */
export function tcpPortForward(host: string, port?: number): PortForwardHandler {
  return (target, stream) =>
    new Promise<void>((resolve, reject) => {
      const socket = net.connect(port ?? target.port, host);
      socket.once('connect', () => {
        stream.pipe(socket).pipe(stream);
        socket.once('close', () => resolve());
      });
      socket.once('error', (err) => {
        stream.unpipe(socket);
        reject(err);
      });
    });
}

/** A rule that makes the server answer 403 Forbidden, as RBAC would. Unset fields match anything. */
export interface ForbidRule {
  verb?: 'get' | 'list' | 'create' | 'delete';
  resource?: 'pods' | 'secrets' | 'pods/exec' | 'pods/portforward';
  namespace?: string;
  name?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  verb: string;
  resource: string;
  namespace: string;
  name?: string | undefined;
}

export interface FakeKubeOptions {
  /** Bearer token the server accepts (default: random). */
  token?: string;
  /** User named in 403 messages. */
  user?: string;
  /** Delay between DELETE and the pod being gone (default 0). */
  deleteDelayMs?: number;
  /** Script of pods created through the API without a script of their own (default readyAfterGets(1)). */
  defaultReadyAfterGets?: number;
  /** Exec subprotocols the server accepts, in order of preference of the client (default v5 and v4). */
  execProtocols?: string[];
  exec?: ExecHandler;
  portForward?: PortForwardHandler;
  /** Serve https with this key and certificate (as real API servers do; kubectl sends credentials only over TLS) instead of plain http. */
  tls?: { key: Buffer; cert: Buffer };
}

/** What an authorizer decides on: the request as RBAC sees it. */
export interface AuthorizationRequest {
  verb: 'get' | 'list' | 'create' | 'delete';
  resource: 'pods' | 'secrets' | 'pods/exec' | 'pods/portforward';
  namespace: string;
  name?: string;
}

export interface KubeconfigOptions {
  /** Directory for the file (default: a new temporary directory removed by close()). */
  dir?: string;
  /** Token written into the kubeconfig (default: the server's). */
  token?: string;
  /** Server URL (default: the fake's). */
  server?: string;
  /** More contexts pointing at the same cluster and user. */
  extraContexts?: string[];
  namespace?: string;
  /** The cluster's proxy-url (a bastion proxy in front of the API server). */
  proxyUrl?: string;
}

// ---------------------------------------------------------------------------------------------
// Kubernetes Status objects, as the API server writes them

interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: { name?: string; kind: string };
  code: number;
}

function failureStatus(code: number, reason: string, message: string, details?: StatusBody['details']): StatusBody {
  const body: StatusBody = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) body.details = details;
  return body;
}

function notFound(resource: string, name: string): StatusBody {
  return failureStatus(404, 'NotFound', `${resource} "${name}" not found`, { name, kind: resource });
}

function alreadyExists(resource: string, name: string): StatusBody {
  return failureStatus(409, 'AlreadyExists', `${resource} "${name}" already exists`, { name, kind: resource });
}

function unauthorized(): StatusBody {
  return failureStatus(401, 'Unauthorized', 'Unauthorized');
}

function badRequest(message: string): StatusBody {
  return failureStatus(400, 'BadRequest', message);
}

function forbidden(user: string, route: Route): StatusBody {
  const kind = route.resource.split('/')[0] ?? route.resource;
  const subject = route.name ? `${kind} "${route.name}"` : kind;
  const message =
    `${subject} is forbidden: User "${user}" cannot ${route.verb} resource "${route.resource}" ` +
    `in API group "" in the namespace "${route.namespace}"`;
  return failureStatus(403, 'Forbidden', message, route.name ? { name: route.name, kind } : { kind });
}

function successExecStatus(): object {
  return { metadata: {}, status: 'Success' };
}

function nonZeroExitStatus(command: string[], exitCode: number): object {
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

function internalExecStatus(err: unknown): object {
  return { metadata: {}, status: 'Failure', message: err instanceof Error ? err.message : String(err), reason: 'InternalError' };
}

// ---------------------------------------------------------------------------------------------
// Routing

interface Route {
  verb: 'get' | 'list' | 'create' | 'delete';
  resource: 'pods' | 'secrets' | 'pods/exec' | 'pods/portforward';
  namespace: string;
  name?: string | undefined;
  query: URLSearchParams;
}

const PATH_RE = /^\/api\/v1\/namespaces\/([^/]+)\/(pods|secrets)(?:\/([^/]+)(?:\/(exec|portforward))?)?$/;

function parseRoute(method: string, rawUrl: string): Route | undefined {
  const url = new URL(rawUrl, 'http://fake');
  const m = PATH_RE.exec(url.pathname);
  if (!m) return undefined;
  const [, ns, kind, name, sub] = m;
  const namespace = decodeURIComponent(ns!);
  const decodedName = name === undefined ? undefined : decodeURIComponent(name);
  if (sub) {
    if (kind !== 'pods' || (method !== 'GET' && method !== 'POST')) return undefined;
    return { verb: 'create', resource: sub === 'exec' ? 'pods/exec' : 'pods/portforward', namespace, name: decodedName, query: url.searchParams };
  }
  const verb = routeVerb(method, decodedName !== undefined);
  if (!verb) return undefined;
  return { verb, resource: kind as 'pods' | 'secrets', namespace, name: decodedName, query: url.searchParams };
}

function routeVerb(method: string, named: boolean): Route['verb'] | undefined {
  if (method === 'GET') return named ? 'get' : 'list';
  if (method === 'POST' && !named) return 'create';
  if (method === 'DELETE' && named) return 'delete';
  return undefined;
}

function ruleMatches(rule: ForbidRule, route: Route): boolean {
  return (
    (rule.verb === undefined || rule.verb === route.verb) &&
    (rule.resource === undefined || rule.resource === route.resource) &&
    (rule.namespace === undefined || rule.namespace === route.namespace) &&
    (rule.name === undefined || rule.name === route.name)
  );
}

// ---------------------------------------------------------------------------------------------
// Pod model

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface StoredPod {
  manifest: Json;
  uid: string;
  created: Date;
  resourceVersion: number;
  script: PodScript | undefined;
  gets: number;
  deletionTimestamp?: Date;
}

interface StoredSecret {
  data: Record<string, string>;
  type: string;
  uid: string;
  created: Date;
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function stageAt(script: PodScript, getNumber: number): PodStage {
  let remaining = Math.max(1, getNumber);
  for (const stage of script) {
    if (stage.gets === undefined || remaining <= stage.gets) return stage;
    remaining -= stage.gets;
  }
  return script[script.length - 1] ?? { state: 'ready' };
}

function firstContainer(pod: Json): { name: string; image: string } {
  const c = (pod.spec?.containers ?? [])[0] ?? {};
  return { name: String(c.name ?? 'main'), image: String(c.image ?? '') };
}

function condition(type: string, ok: boolean, reason?: string, message?: string): Json {
  const c: Json = { type, status: ok ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: rfc3339(new Date()) };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

function scheduledConditions(ready: boolean, readyReason: string, containerName: string): Json[] {
  const unready = ready ? undefined : `containers with unready status: [${containerName}]`;
  return [
    condition('Initialized', true),
    condition('Ready', ready, ready ? undefined : readyReason, unready),
    condition('ContainersReady', ready, ready ? undefined : readyReason, unready),
    condition('PodScheduled', true),
  ];
}

function containerStatus(name: string, image: string, state: Json, extra: Json = {}): Json {
  return { name, image, imageID: '', ready: false, restartCount: 0, started: false, state, ...extra };
}

const WAITING_MESSAGES: Partial<Record<PodState, (image: string) => string | undefined>> = {
  creating: () => undefined,
  imagePullBackOff: (image) => `Back-off pulling image "${image}"`,
  errImagePull: (image) =>
    `rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": not found`,
  createContainerConfigError: () => 'secret "unknown" not found',
};

const WAITING_REASONS: Partial<Record<PodState, string>> = {
  creating: 'ContainerCreating',
  imagePullBackOff: 'ImagePullBackOff',
  errImagePull: 'ErrImagePull',
  createContainerConfigError: 'CreateContainerConfigError',
};

/** The `status` of a pod in the given stage, shaped as the kubelet reports it. */
function podStatus(pod: StoredPod, stage: PodStage): Json {
  const { name, image } = firstContainer(pod.manifest);
  const startTime = rfc3339(pod.created);
  const base = { hostIP: '10.0.0.7', podIP: '10.4.0.12', startTime, qosClass: 'BestEffort' };
  const running = { running: { startedAt: startTime } };
  switch (stage.state) {
    case 'unschedulable':
      return {
        phase: 'Pending',
        qosClass: 'BestEffort',
        conditions: [
          condition(
            'PodScheduled',
            false,
            'Unschedulable',
            stage.message ??
              '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
          ),
        ],
      };
    case 'creating':
    case 'imagePullBackOff':
    case 'errImagePull':
    case 'createContainerConfigError': {
      const waiting: Json = { reason: WAITING_REASONS[stage.state] };
      const message = stage.message ?? WAITING_MESSAGES[stage.state]?.(image);
      if (message) waiting.message = message;
      return {
        ...base,
        phase: 'Pending',
        conditions: scheduledConditions(false, 'ContainersNotReady', name),
        containerStatuses: [containerStatus(name, image, { waiting })],
      };
    }
    case 'ready':
      return {
        ...base,
        phase: 'Running',
        conditions: scheduledConditions(true, '', name),
        containerStatuses: [containerStatus(name, image, running, { ready: true, started: true })],
      };
    case 'notReady':
      return {
        ...base,
        phase: 'Running',
        conditions: scheduledConditions(false, 'ContainersNotReady', name),
        containerStatuses: [containerStatus(name, image, running, { started: true })],
      };
    case 'crashLoop':
      return {
        ...base,
        phase: 'Running',
        conditions: scheduledConditions(false, 'ContainersNotReady', name),
        containerStatuses: [
          containerStatus(
            name,
            image,
            { waiting: { reason: 'CrashLoopBackOff', message: stage.message ?? `back-off 40s restarting failed container=${name} pod=${pod.manifest.metadata.name}` } },
            { restartCount: 3, lastState: { terminated: { exitCode: stage.exitCode ?? 1, reason: 'Error', startedAt: startTime, finishedAt: startTime } } },
          ),
        ],
      };
    case 'failed':
    case 'succeeded': {
      const ok = stage.state === 'succeeded';
      const terminated: Json = { exitCode: stage.exitCode ?? (ok ? 0 : 1), reason: ok ? 'Completed' : 'Error', startedAt: startTime, finishedAt: rfc3339(new Date()) };
      if (stage.message) terminated.message = stage.message;
      return {
        ...base,
        phase: ok ? 'Succeeded' : 'Failed',
        conditions: scheduledConditions(false, ok ? 'PodCompleted' : 'PodFailed', name),
        containerStatuses: [containerStatus(name, image, { terminated })],
      };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Small stream helpers

/** A byte queue fed by WebSocket frames and read as an async iterable (or in exact counts). */
class ByteQueue implements AsyncIterable<Buffer> {
  private chunks: Buffer[] = [];
  private ended = false;
  private wake: (() => void) | undefined;

  push(chunk: Buffer): void {
    if (this.ended || chunk.length === 0) return;
    this.chunks.push(Buffer.from(chunk));
    this.notify();
  }

  end(): void {
    this.ended = true;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async next(): Promise<Buffer | undefined> {
    while (this.chunks.length === 0 && !this.ended) await new Promise<void>((resolve) => (this.wake = resolve));
    return this.chunks.shift();
  }

  async read(n?: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let have = 0;
    while (n === undefined || have < n) {
      const chunk = await this.next();
      if (!chunk) break;
      const take = n === undefined ? chunk.length : Math.min(chunk.length, n - have);
      parts.push(chunk.subarray(0, take));
      if (take < chunk.length) this.chunks.unshift(chunk.subarray(take));
      have += take;
    }
    return Buffer.concat(parts);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    for (let chunk = await this.next(); chunk; chunk = await this.next()) yield chunk;
  }
}

function frame(channel: number, data: Buffer | string): Buffer {
  const payload = typeof data === 'string' ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.of(channel), payload]);
}

function sendFrame(ws: WebSocket, channel: number, data: Buffer | string): Promise<void> {
  if (ws.readyState !== WebSocket.OPEN) return Promise.resolve();
  return new Promise((resolve) => ws.send(frame(channel, data), () => resolve()));
}

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function parseTerminalSize(payload: Buffer): TerminalSize | undefined {
  try {
    const raw = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
    const pick = (name: string): number => Number(Object.entries(raw).find(([k]) => k.toLowerCase() === name)?.[1]);
    const size = { cols: pick('width'), rows: pick('height') };
    return Number.isFinite(size.cols) && Number.isFinite(size.rows) ? size : undefined;
  } catch {
    return undefined;
  }
}

function portBytes(port: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(port, 0);
  return b;
}

/** The data channel of one forwarded port, as a Duplex for the handler. */
class PortChannel extends Duplex {
  constructor(
    private readonly ws: WebSocket,
    private readonly channel: number,
  ) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    sendFrame(this.ws, this.channel, chunk).then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
    cb();
  }

  override _read(): void {
    if (this.ws.isPaused) this.ws.resume();
  }

  deliver(data: Buffer): void {
    if (data.length > 0 && !this.push(data)) this.ws.pause();
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: http.ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function rejectUpgrade(socket: Duplex, status: StatusBody): void {
  const text = JSON.stringify(status);
  socket.end(
    `HTTP/1.1 ${status.code} ${STATUS_CODES[status.code] ?? ''}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}

function offeredProtocols(req: http.IncomingMessage): string[] {
  return String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

function queryFlag(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v === 'true' || v === '1';
}

// ---------------------------------------------------------------------------------------------
// The server

/** SPDY port-forward tunneled in a WebSocket (kubectl 1.31+), besides the channel protocol client-node speaks. */
const SPDY_TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';
const PORT_FORWARD_PROTOCOLS = ['v4.channel.k8s.io', SPDY_TUNNEL_PROTOCOL];

export class FakeKubeApi {
  readonly token: string;
  readonly user: string;
  /** Every API request in arrival order (REST and WebSocket upgrades). */
  readonly requests: RecordedRequest[] = [];
  deleteDelayMs: number;
  execProtocols: string[];
  private execHandler: ExecHandler | undefined;
  private portForwardHandler: PortForwardHandler | undefined;
  private readonly defaultReadyAfterGets: number;
  private readonly pods = new Map<string, StoredPod>();
  private readonly secrets = new Map<string, StoredSecret>();
  private readonly scripts = new Map<string, PodScript>();
  private readonly forbidRules: ForbidRule[] = [];
  private authorizer: ((request: AuthorizationRequest) => boolean) | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly tempDirs: string[] = [];
  private readonly spdySockets = new Set<Duplex>();
  private readonly tunnelRequests = new WeakSet<http.IncomingMessage>();
  private readonly wss = new WebSocketServer({ noServer: true, handleProtocols: (offered, req) => this.pickProtocol(offered, req) });
  private resourceVersion = 1000;
  private port = 0;
  private scheme: 'http' | 'https' = 'http';

  private constructor(
    private readonly server: http.Server | https.Server,
    opts: FakeKubeOptions,
  ) {
    this.token = opts.token ?? randomBytes(16).toString('hex');
    this.user = opts.user ?? 'amu-test';
    this.deleteDelayMs = opts.deleteDelayMs ?? 0;
    this.defaultReadyAfterGets = opts.defaultReadyAfterGets ?? 1;
    this.execProtocols = opts.execProtocols ?? ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
    this.execHandler = opts.exec;
    this.portForwardHandler = opts.portForward;
  }

  /** Starts a server on 127.0.0.1 with a random port. */
  static async start(opts: FakeKubeOptions = {}): Promise<FakeKubeApi> {
    const server = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }) : http.createServer();
    const fake = new FakeKubeApi(server, opts);
    fake.scheme = opts.tls ? 'https' : 'http';
    server.on('request', (req, res) => {
      fake.handleRequest(req, res).catch((err: unknown) => sendJson(res, 500, failureStatus(500, 'InternalError', String(err))));
    });
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => fake.handleUpgrade(req, socket, head));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.port = (server.address() as net.AddressInfo).port;
    return fake;
  }

  get url(): string {
    return `${this.scheme}://127.0.0.1:${this.port}`;
  }

  /** The port the server listens on (127.0.0.1). */
  get listenPort(): number {
    return this.port;
  }

  // --- scripting -----------------------------------------------------------------------------

  onExec(handler: ExecHandler): void {
    this.execHandler = handler;
  }

  onPortForward(handler: PortForwardHandler): void {
    this.portForwardHandler = handler;
  }

  forbid(rule: ForbidRule): void {
    this.forbidRules.push(rule);
  }

  /** RBAC mode: every request the function does not allow is refused with 403 Forbidden (undefined: allow all). */
  authorize(allows: ((request: AuthorizationRequest) => boolean) | undefined): void {
    this.authorizer = allows;
  }

  /** Script for the pod of that name, applied when it is created through the API (and to an existing one now). */
  scriptPod(namespace: string, name: string, script: PodScript): void {
    this.scripts.set(key(namespace, name), script);
    const pod = this.pods.get(key(namespace, name));
    if (pod) {
      pod.script = script;
      pod.gets = 0;
    }
  }

  /** Adds a pod as if it had been created earlier; `ageSeconds` backdates its creationTimestamp. */
  addPod(namespace: string, manifest: Json, script: PodScript = always('ready'), ageSeconds = 0): void {
    const name = String(manifest.metadata?.name ?? '');
    this.storePod(namespace, manifest, script, new Date(Date.now() - ageSeconds * 1000));
    this.scripts.delete(key(namespace, name));
  }

  addSecret(namespace: string, name: string, data: Record<string, string | Buffer>, type = 'Opaque'): void {
    const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
    this.secrets.set(key(namespace, name), { data: encoded, type, uid: randomUUID(), created: new Date() });
  }

  /** The pod as the API would return it now (without counting as a GET), or undefined. */
  getPod(namespace: string, name: string): Json | undefined {
    const pod = this.pods.get(key(namespace, name));
    return pod ? this.renderPod(namespace, pod) : undefined;
  }

  podNames(namespace: string): string[] {
    return [...this.pods.keys()].filter((k) => k.startsWith(`${namespace}/`)).map((k) => k.slice(namespace.length + 1));
  }

  /** Requests of one verb and resource, e.g. count('create', 'pods'). */
  count(verb: string, resource: string): number {
    return this.requests.filter((r) => r.verb === verb && r.resource === resource).length;
  }

  /** Writes a kubeconfig (the fake's URL, insecure-skip-tls-verify, token auth, optional proxy-url) and returns its path. */
  async writeKubeconfig(opts: KubeconfigOptions = {}): Promise<string> {
    const dir = opts.dir ?? (await this.makeTempDir());
    const context = (name: string) => ({ name, context: { cluster: 'fake', user: 'fake-user', namespace: opts.namespace ?? 'default' } });
    const config = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake', cluster: { server: opts.server ?? this.url, 'insecure-skip-tls-verify': true, ...(opts.proxyUrl ? { 'proxy-url': opts.proxyUrl } : {}) } }],
      users: [{ name: 'fake-user', user: { token: opts.token ?? this.token } }],
      contexts: ['fake', ...(opts.extraContexts ?? [])].map(context),
      'current-context': 'fake',
    };
    const file = path.join(dir, 'kubeconfig');
    await fs.writeFile(file, JSON.stringify(config, null, 2), { mode: 0o600 });
    return file;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const ws of this.wss.clients) ws.terminate();
    for (const socket of this.spdySockets) socket.destroy();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await Promise.all(this.tempDirs.map((d) => fs.rm(d, { recursive: true, force: true })));
  }

  private async makeTempDir(): Promise<string> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'amu-fake-kube-'));
    this.tempDirs.push(dir);
    return dir;
  }

  // --- REST ------------------------------------------------------------------------------------

  private record(req: http.IncomingMessage, route: Route | undefined): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    this.requests.push({
      method: req.method ?? '',
      path: url.pathname,
      verb: route?.verb ?? '',
      resource: route?.resource ?? '',
      namespace: route?.namespace ?? '',
      name: route?.name,
    });
  }

  /** The Status to refuse the request with (auth, RBAC), or undefined. */
  private refusal(req: http.IncomingMessage, route: Route): StatusBody | undefined {
    if (req.headers.authorization !== `Bearer ${this.token}`) return unauthorized();
    if (this.forbidRules.some((r) => ruleMatches(r, route))) return forbidden(this.user, route);
    if (this.authorizer && !this.authorizer({ verb: route.verb, resource: route.resource, namespace: route.namespace, ...(route.name !== undefined ? { name: route.name } : {}) })) {
      return forbidden(this.user, route);
    }
    return undefined;
  }

  private async handleRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const route = parseRoute(req.method ?? 'GET', req.url ?? '/');
    this.record(req, route);
    const pathname = new URL(req.url ?? '/', 'http://fake').pathname;
    const discovery = req.method === 'GET' ? discoveryDocument(pathname, `127.0.0.1:${this.port}`) : undefined;
    if (discovery !== undefined) {
      // /version is public on a real API server; the rest of discovery needs credentials.
      if (pathname !== '/version' && req.headers.authorization !== `Bearer ${this.token}`) return sendJson(res, 401, unauthorized());
      return sendJson(res, 200, discovery);
    }
    if (!route || route.resource.includes('/')) {
      if (req.headers.authorization !== `Bearer ${this.token}`) return sendJson(res, 401, unauthorized());
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('404 page not found\n');
      return;
    }
    const refused = this.refusal(req, route);
    if (refused) return sendJson(res, refused.code, refused);
    const body = route.verb === 'create' ? await readBody(req) : '';
    const [code, payload] = route.resource === 'pods' ? this.podRequest(route, body) : this.secretRequest(route);
    sendJson(res, code, payload);
  }

  private podRequest(route: Route, body: string): [number, unknown] {
    const { namespace, name } = route;
    switch (route.verb) {
      case 'list':
        return [200, this.listPods(namespace, route.query.get('labelSelector'))];
      case 'get':
        return this.getPodRequest(namespace, name!);
      case 'create':
        return this.createPodRequest(namespace, body);
      case 'delete':
        return this.deletePodRequest(namespace, name!);
    }
  }

  private secretRequest(route: Route): [number, unknown] {
    if (route.verb === 'list') {
      const items = [...this.secrets.entries()]
        .filter(([k]) => k.startsWith(`${route.namespace}/`))
        .map(([k, s]) => this.renderSecret(route.namespace, k.slice(route.namespace.length + 1), s, false));
      return [200, { kind: 'SecretList', apiVersion: 'v1', metadata: { resourceVersion: String(this.resourceVersion) }, items }];
    }
    if (route.verb !== 'get') return [405, failureStatus(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource')];
    const secret = this.secrets.get(key(route.namespace, route.name!));
    if (!secret) return [404, notFound('secrets', route.name!)];
    return [200, this.renderSecret(route.namespace, route.name!, secret, true)];
  }

  private renderSecret(namespace: string, name: string, s: StoredSecret, withKind: boolean): Json {
    const obj: Json = {
      metadata: { name, namespace, uid: s.uid, resourceVersion: String(this.resourceVersion), creationTimestamp: rfc3339(s.created) },
      data: s.data,
      type: s.type,
    };
    return withKind ? { kind: 'Secret', apiVersion: 'v1', ...obj } : obj;
  }

  private listPods(namespace: string, labelSelector: string | null): Json {
    const wanted = (labelSelector ?? '')
      .split(',')
      .filter(Boolean)
      .map((kv) => kv.split('=') as [string, string]);
    const items = [...this.pods.entries()]
      .filter(([k]) => k.startsWith(`${namespace}/`))
      .map(([, p]) => p)
      .filter((p) => wanted.every(([k, v]) => p.manifest.metadata?.labels?.[k] === v))
      .map((p) => {
        const { kind: _k, apiVersion: _a, ...rest } = this.renderPod(namespace, p);
        return rest;
      });
    return { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: String(this.resourceVersion) }, items };
  }

  private getPodRequest(namespace: string, name: string): [number, unknown] {
    const pod = this.pods.get(key(namespace, name));
    if (!pod) return [404, notFound('pods', name)];
    pod.gets += 1;
    return [200, this.renderPod(namespace, pod)];
  }

  private createPodRequest(namespace: string, body: string): [number, unknown] {
    let manifest: Json;
    try {
      manifest = JSON.parse(body) as Json;
    } catch (err) {
      return [400, badRequest(`the object provided is unrecognized: ${String(err)}`)];
    }
    const name = manifest.metadata?.name;
    if (typeof name !== 'string' || name === '') {
      return [422, failureStatus(422, 'Invalid', 'Pod "" is invalid: metadata.name: Required value: name or generateName is required', { kind: 'Pod' })];
    }
    if (manifest.metadata.namespace && manifest.metadata.namespace !== namespace) {
      return [400, badRequest('the namespace of the provided object does not match the namespace sent on the request')];
    }
    if (!Array.isArray(manifest.spec?.containers) || manifest.spec.containers.length === 0) {
      return [422, failureStatus(422, 'Invalid', `Pod "${name}" is invalid: spec.containers: Required value`, { name, kind: 'Pod' })];
    }
    if (this.pods.has(key(namespace, name))) return [409, alreadyExists('pods', name)];
    const script = this.scripts.get(key(namespace, name)) ?? this.autoScript(namespace, manifest);
    const pod = this.storePod(namespace, manifest, script, new Date());
    return [201, this.renderPod(namespace, pod)];
  }

  private deletePodRequest(namespace: string, name: string): [number, unknown] {
    const k = key(namespace, name);
    const pod = this.pods.get(k);
    if (!pod) return [404, notFound('pods', name)];
    if (!pod.deletionTimestamp) {
      pod.deletionTimestamp = new Date();
      pod.resourceVersion = ++this.resourceVersion;
      this.scheduleRemoval(k, pod);
    }
    return [200, this.renderPod(namespace, pod)];
  }

  private scheduleRemoval(k: string, pod: StoredPod): void {
    const remove = () => {
      if (this.pods.get(k) === pod) this.pods.delete(k);
    };
    if (this.deleteDelayMs <= 0) return remove();
    const t = setTimeout(() => {
      this.timers.delete(t);
      remove();
    }, this.deleteDelayMs);
    this.timers.add(t);
  }

  private storePod(namespace: string, manifest: Json, script: PodScript | undefined, created: Date): StoredPod {
    const copy = JSON.parse(JSON.stringify(manifest)) as Json;
    const pod: StoredPod = { manifest: copy, uid: randomUUID(), created, resourceVersion: ++this.resourceVersion, script, gets: 0 };
    this.pods.set(key(namespace, String(copy.metadata.name)), pod);
    return pod;
  }

  /** What the kubelet would do with this manifest here: config errors for missing secrets, else Ready after a few GETs. */
  private autoScript(namespace: string, manifest: Json): PodScript {
    const envProblem = this.missingEnvSecret(namespace, manifest);
    if (envProblem) return always('createContainerConfigError', { message: envProblem });
    if (this.missingVolumeSecret(namespace, manifest)) return always('creating');
    return readyAfterGets(this.defaultReadyAfterGets);
  }

  private missingEnvSecret(namespace: string, manifest: Json): string | undefined {
    for (const c of manifest.spec?.containers ?? []) {
      for (const env of c.env ?? []) {
        const ref = env.valueFrom?.secretKeyRef;
        if (!ref) continue;
        const secret = this.secrets.get(key(namespace, ref.name));
        if (!secret) return `secret "${ref.name}" not found`;
        if (!(ref.key in secret.data)) return `couldn't find key ${ref.key} in Secret ${namespace}/${ref.name}`;
      }
    }
    return undefined;
  }

  private missingVolumeSecret(namespace: string, manifest: Json): boolean {
    return (manifest.spec?.volumes ?? []).some((v: Json) => v.secret && !this.secrets.has(key(namespace, v.secret.secretName)));
  }

  private currentStage(pod: StoredPod): PodStage {
    return stageAt(pod.script ?? readyAfterGets(this.defaultReadyAfterGets), pod.gets);
  }

  private renderPod(namespace: string, pod: StoredPod): Json {
    const stage = this.currentStage(pod);
    const metadata: Json = {
      ...pod.manifest.metadata,
      namespace,
      uid: pod.uid,
      resourceVersion: String(pod.resourceVersion),
      creationTimestamp: rfc3339(pod.created),
    };
    if (pod.deletionTimestamp) {
      metadata.deletionTimestamp = rfc3339(pod.deletionTimestamp);
      metadata.deletionGracePeriodSeconds = pod.manifest.spec?.terminationGracePeriodSeconds ?? 30;
    }
    const spec: Json = { ...pod.manifest.spec };
    if (stage.state !== 'unschedulable') spec.nodeName = 'fake-node-1';
    return { kind: 'Pod', apiVersion: 'v1', metadata, spec, status: podStatus(pod, stage) };
  }

  // --- WebSocket: exec and port-forward ----------------------------------------------------------

  private pickProtocol(offered: Set<string>, req: http.IncomingMessage): string | false {
    if (this.tunnelRequests.has(req)) return SPDY_TUNNEL_PROTOCOL;
    const supported = (req.url ?? '').includes('/portforward') ? PORT_FORWARD_PROTOCOLS : this.execProtocols;
    return [...offered].find((p) => supported.includes(p)) ?? false;
  }

  private handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    const route = parseRoute(req.method ?? 'GET', req.url ?? '/');
    this.record(req, route);
    if (!route || !route.resource.includes('/')) return rejectUpgrade(socket, failureStatus(404, 'NotFound', 'the server could not find the requested resource'));
    const spdy = /^spdy\/3\.1$/i.test(String(req.headers.upgrade ?? ''));
    if (spdy) return this.handleSpdyUpgrade(req, socket, head, route);
    const tunneled = offeredProtocols(req).includes(SPDY_TUNNEL_PROTOCOL) && route.resource === 'pods/portforward';
    const refused = this.refusal(req, route) ?? this.podRefusal(route, !tunneled) ?? this.protocolRefusal(req, route);
    if (refused) return rejectUpgrade(socket, refused);
    if (tunneled) {
      // "SPDY/3.1+portforward.k8s.io" is not an RFC 7230 token, which ws refuses to parse: answer it by hand.
      this.tunnelRequests.add(req);
      req.headers['sec-websocket-protocol'] = 'spdy-tunnel';
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => undefined);
      if (route.resource === 'pods/exec') this.runExec(ws, route);
      else if (ws.protocol === SPDY_TUNNEL_PROTOCOL) this.runSpdyPortForward(createWebSocketStream(ws), route);
      else this.runPortForward(ws, route);
    });
  }

  /** kubectl's SPDY upgrade (POST, Upgrade: SPDY/3.1): port-forward only; exec is served over WebSocket. */
  private handleSpdyUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, route: Route): void {
    const refused =
      this.refusal(req, route) ??
      this.podRefusal(route, false) ??
      (route.resource !== 'pods/portforward' ? badRequest('the fake API serves exec over WebSocket (v5/v4.channel.k8s.io) only, not SPDY') : undefined) ??
      (String(req.headers['x-stream-protocol-version'] ?? '').split(',').map((p) => p.trim()).includes('portforward.k8s.io')
        ? undefined
        : badRequest('unable to upgrade: no common stream protocol (portforward.k8s.io)'));
    if (refused) return rejectUpgrade(socket, refused);
    socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n');
    this.spdySockets.add(socket);
    socket.once('close', () => this.spdySockets.delete(socket));
    this.runSpdyPortForward(socket, route);
    if (head.length > 0) socket.unshift(head);
  }

  /** Each local connection kubectl forwards is an error stream and a data stream; the data stream goes to the handler. */
  private runSpdyPortForward(transport: Duplex, route: Route): void {
    new SpdySession(transport, (request: SpdyPortRequest) => {
      const handler = this.portForwardHandler ?? (() => Promise.reject(new Error('fake kube: no port-forward handler scripted')));
      Promise.resolve()
        .then(() => handler({ namespace: route.namespace, pod: route.name!, port: request.port }, request.data))
        .catch((err: unknown) => {
          const reason = err instanceof Error ? err.message : String(err);
          const pod = this.pods.get(key(route.namespace, route.name!));
          request.fail(`an error occurred forwarding ${request.port} -> ${request.port}: error forwarding port ${request.port} to pod ${pod?.uid ?? ''}, uid : ${reason}`);
          request.data.destroy();
        });
    });
  }

  /** Refusals the API server and kubelet give before upgrading: missing pod, pod not running, bad parameters. */
  private podRefusal(route: Route, portsInQuery = true): StatusBody | undefined {
    const pod = this.pods.get(key(route.namespace, route.name!));
    if (!pod) return notFound('pods', route.name!);
    const phase = podStatus(pod, this.currentStage(pod)).phase as string;
    if (phase === 'Succeeded' || phase === 'Failed') return badRequest(`cannot exec into a container in a completed pod; current phase is ${phase}`);
    if (phase !== 'Running') return badRequest(`unable to upgrade connection: container not found ("${firstContainer(pod.manifest).name}")`);
    if (route.resource === 'pods/exec') return this.execParamRefusal(route, pod);
    const ports = route.query.get('ports');
    if (!portsInQuery) return undefined;
    if (!ports || ports.split(',').some((p) => !/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 65535)) {
      return badRequest(`invalid port: ${ports ?? '(none)'}`);
    }
    return undefined;
  }

  private execParamRefusal(route: Route, pod: StoredPod): StatusBody | undefined {
    if (route.query.getAll('command').length === 0) return badRequest('you must specify at least 1 command');
    const container = route.query.get('container');
    const names = (pod.manifest.spec?.containers ?? []).map((c: Json) => String(c.name));
    if (container && !names.includes(container)) return badRequest(`container ${container} is not valid for pod ${route.name}`);
    if (!['stdin', 'stdout', 'stderr'].some((s) => queryFlag(route.query, s))) return badRequest('you must specify at least one of stdin, stdout, stderr');
    return undefined;
  }

  private protocolRefusal(req: http.IncomingMessage, route: Route): StatusBody | undefined {
    const supported = route.resource === 'pods/portforward' ? PORT_FORWARD_PROTOCOLS : this.execProtocols;
    const offered = offeredProtocols(req);
    if (offered.some((p) => supported.includes(p))) return undefined;
    return badRequest(`unable to upgrade: none of the requested subprotocols [${offered.join(', ')}] is supported`);
  }

  private runExec(ws: WebSocket, route: Route): void {
    const pod = this.pods.get(key(route.namespace, route.name!))!;
    const q = route.query;
    const command = q.getAll('command');
    const tty = queryFlag(q, 'tty');
    const wantStdout = queryFlag(q, 'stdout');
    const wantStderr = queryFlag(q, 'stderr') && !tty;
    const stdin = new ByteQueue();
    if (!queryFlag(q, 'stdin')) stdin.end();
    const resize = new EventEmitter();
    ws.on('message', (raw: WebSocket.RawData) => {
      const data = toBuffer(raw);
      const channel = data[0];
      const payload = data.subarray(1);
      if (channel === 0) stdin.push(payload);
      else if (channel === 4) {
        const size = parseTerminalSize(payload);
        if (size) resize.emit('resize', size);
      } else if (channel === 255 && payload[0] === 0) stdin.end();
    });
    ws.on('close', () => stdin.end());
    const io: ExecIO = {
      namespace: route.namespace,
      pod: route.name!,
      container: q.get('container') || firstContainer(pod.manifest).name,
      tty,
      protocol: ws.protocol,
      stdin,
      readStdin: (n) => stdin.read(n),
      stdout: (d) => (wantStdout ? sendFrame(ws, 1, d) : Promise.resolve()),
      stderr: (d) => (wantStderr ? sendFrame(ws, 2, d) : tty && wantStdout ? sendFrame(ws, 1, d) : Promise.resolve()),
      resize,
    };
    const handler = this.execHandler ?? (() => Promise.reject(new Error('fake kube: no exec handler scripted')));
    Promise.resolve()
      .then(() => handler(command, io))
      .then(
        (code) => (code === 0 ? successExecStatus() : nonZeroExitStatus(command, code)),
        (err: unknown) => internalExecStatus(err),
      )
      .then((status) => sendFrame(ws, 3, JSON.stringify(status)))
      .then(() => {
        if (ws.readyState === WebSocket.OPEN) ws.close(1000);
      });
  }

  private runPortForward(ws: WebSocket, route: Route): void {
    const ports = route.query.get('ports')!.split(',').map(Number);
    const channels = ports.map((_, i) => new PortChannel(ws, i * 2));
    ws.on('message', (raw: WebSocket.RawData) => {
      const data = toBuffer(raw);
      const channel = data[0]!;
      if (channel % 2 === 0) channels[channel / 2]?.deliver(data.subarray(1));
    });
    ws.on('close', () => {
      for (const c of channels) {
        c.push(null);
        c.destroy();
      }
    });
    ports.forEach((port, i) => {
      void this.openPortChannel(ws, route, port, i, channels[i]!);
    });
  }

  private async openPortChannel(ws: WebSocket, route: Route, port: number, index: number, channel: PortChannel): Promise<void> {
    await sendFrame(ws, index * 2, portBytes(port));
    await sendFrame(ws, index * 2 + 1, portBytes(port));
    const handler = this.portForwardHandler ?? (() => Promise.reject(new Error('fake kube: no port-forward handler scripted')));
    try {
      await handler({ namespace: route.namespace, pod: route.name!, port }, channel);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const pod = this.pods.get(key(route.namespace, route.name!));
      await sendFrame(ws, index * 2 + 1, `an error occurred forwarding ${port} -> ${port}: error forwarding port ${port} to pod ${pod?.uid ?? ''}, uid : ${reason}`);
      if (ws.readyState === WebSocket.OPEN) ws.close(1000);
    }
  }
}

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
